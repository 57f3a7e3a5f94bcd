"""graph-emulator --tenants N: one process, N tenants, each with its own
id, users, token signing and throttle budgets (multitenant.h)."""
import base64
import json

import emu_harness as h

GEN = "00000000-0000-4000-8000-%012d"  # tenant k >= 1 (EMU_TENANT_ID_FORMAT)


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64e(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def sign_in(emu, tenant):
    r = emu.token_request(client_secret=h.SECRET, tenant=tenant)
    assert r.status == 200, r.body
    return r.json()["access_token"]


def users(emu, tok):
    got, url = [], "/v1.0/users?$select=id,userPrincipalName&$top=999"
    while url:
        r = emu.request("GET", url, token=tok)
        assert r.status == 200, r.body[:300]
        got += [u["id"] for u in r.json()["value"]]
        url = r.json().get("@odata.nextLink")
    return got


def state(emu, tenant):
    r = emu.request("GET", "/_emulator/state?tenant=" + tenant, token=False)
    assert r.status == 200, r.body
    return {line.split(",")[0]: line.split(",")[-1] for line in r.body.strip().split("\n")[1:]}


def test_tenants_listed_and_signed_apart():
    with h.Emulator("--tenants", 3, "--users", 40, "--seed", 5, "--limits", "off") as emu:
        ts = emu.get_json("/_emulator/tenants", token=False)["tenants"]
        ids = [t["id"] for t in ts]
        assert ids == [h.TENANT, GEN % 1, GEN % 2]
        assert [t["users"] for t in ts] == [40, 40, 40]
        assert [t["seed"] for t in ts] == [5, 6, 7]
        seen = []
        for tid in ids:
            tok = sign_in(emu, tid)
            claims = json.loads(b64d(tok.split(".")[1]))
            assert claims["tid"] == tid and tid in claims["iss"]
            got = users(emu, tok)
            # its own users, as its own /_emulator/state lists them
            assert sorted(got) == sorted(state(emu, tid)), tid
            seen.append(set(got))
        assert not (seen[0] & seen[1]) and not (seen[1] & seen[2]) and not (seen[0] & seen[2])
        # /_emulator without ?tenant is the first tenant's
        assert state(emu, ids[0]) == emu.state()
        # a tenant nobody serves: sign-in refused as before, /_emulator 404
        r = emu.token_request(client_secret=h.SECRET, tenant=GEN % 9)
        assert r.status == 400 and "90002" in r.body, r.body
        r = emu.request("GET", "/_emulator/state?tenant=" + GEN % 9, token=False)
        assert r.status == 404 and "no tenant" in r.body


def test_token_of_one_tenant_refused_by_another():
    with h.Emulator("--tenants", 2, "--users", 20, "--limits", "off") as emu:
        tok = sign_in(emu, GEN % 1)
        assert emu.request("GET", "/v1.0/users", token=tok).status == 200
        head, pay, sig = tok.split(".")
        claims = json.loads(b64d(pay))
        # the same token claiming the other tenant: that tenant did not sign it
        claims["tid"] = h.TENANT
        forged = ".".join((head, b64e(json.dumps(claims).encode()), sig))
        r = emu.request("GET", "/v1.0/users", token=forged)
        assert r.status == 401, r.body
        claims["tid"] = GEN % 7  # nobody's: the first tenant refuses it too
        r = emu.request("GET", "/v1.0/users", token=".".join((head, b64e(json.dumps(claims).encode()), sig)))
        assert r.status == 401, r.body


def test_state_and_budgets_separate():
    with h.Emulator("--tenants", 2, "--users", 30) as emu:
        a, b = h.TENANT, GEN % 1
        ta, tb = sign_in(emu, a), sign_in(emu, b)
        uid = sorted(state(emu, b))[0]
        before_a = state(emu, a)
        r = emu.request("POST", "/_emulator/set-state?tenant=" + b, body="%s,enforced\n" % uid, token=False,
                        headers={"Content-Type": "text/csv"})
        assert r.status == 200, r.body
        assert state(emu, b)[uid] == "enforced"
        assert state(emu, a) == before_a
        # tenant a has no such user
        r = emu.request("POST", "/_emulator/set-state?tenant=" + a, body="%s,enforced\n" % uid, token=False,
                        headers={"Content-Type": "text/csv"})
        assert r.status == 404, r.body
        # the reports budget (5 / 10 s per app and tenant): a spends its own
        path = "/v1.0/reports/authenticationMethods/userRegistrationDetails"
        codes = [emu.request("GET", path, token=ta).status for _ in range(6)]
        assert codes[:5] == [200] * 5 and codes[5] == 429, codes
        r = emu.request("GET", path, token=tb)
        assert r.status == 200, r.body[:200]
        r = emu.request("GET", path, token=ta)
        assert r.status == 429 and a in r.headers.get("x-ms-throttle-scope", ""), r.headers
        # stats are per tenant too
        sa = emu.get_json("/_emulator/stats?tenant=" + a, token=False)
        sb = emu.get_json("/_emulator/stats?tenant=" + b, token=False)
        assert json.dumps(sa) != json.dumps(sb)


def test_bad_flags():
    import subprocess
    r = subprocess.run([h.EXE, "--tenants", "0"], capture_output=True, text=True)
    assert r.returncode == 2 and "--tenants" in r.stderr
    r = subprocess.run([h.EXE, "--tenants", "2", "--tenant-csv", "/dev/null"], capture_output=True, text=True)
    assert r.returncode == 2 and "drop --tenants" in r.stderr
    r = subprocess.run([h.EXE, "--tenants", "3", "--tenant-id", GEN % 2, "--no-serve"], capture_output=True,
                       text=True)
    assert r.returncode == 2 and "pick another" in r.stderr, r.stderr


if __name__ == "__main__":
    h.run([test_tenants_listed_and_signed_apart, test_token_of_one_tenant_refused_by_another,
           test_state_and_budgets_separate, test_bad_flags])
