"""Throttling answers 429 at the configured budget and not below it, with
Graph's headers; --time-scale shrinks windows; --limits off removes them."""
import time

import emu_harness as h

REQ = "/beta/users/%s/authentication/requirements"


def test_identity_budget_small_tenant():
    # < 50 users: 3,500 resource units / 10 s; a requirements GET costs 1
    with h.Emulator("--users", 30) as emu:
        uid = emu.get_json("/v1.0/users?$top=1&$select=id")["value"][0]["id"]  # 1 RU ($select)
        ok, pct_first = 1, None
        while True:
            r = emu.request("GET", REQ % uid)
            if r.status != 200:
                break
            assert r.headers["x-ms-resource-unit"] == "1"
            ok += 1
            if pct_first is None and "x-ms-throttle-limit-percentage" in r.headers:
                pct_first = ok
            assert ok <= 3500
        assert r.status == 429, r.status
        assert ok == 3500, ok
        assert pct_first == 2801, pct_first  # appears above 0.8 of the budget
        ra = float(r.headers["retry-after"])
        assert 0 < ra <= 10, ra
        assert r.headers["x-ms-throttle-information"] == "ResourceUnitLimitExceeded"
        assert r.headers["x-ms-throttle-scope"].startswith("Tenant_Application/")
        assert r.json()["error"]["code"] == "TooManyRequests"
        assert emu.stats()["throttled"] == 1


def test_users_list_cost():
    with h.Emulator("--users", 10, "--limits", "off") as emu:
        assert emu.request("GET", "/v1.0/users").headers["x-ms-resource-unit"] == "2"
        assert emu.request("GET", "/v1.0/users?$select=id").headers["x-ms-resource-unit"] == "1"


def test_write_quota_via_batch():
    # > 500 users: 8,000 RU / 10 s, so the 3,000 writes / 150 s quota bites first;
    # time-scale 10 makes that window 15 s
    with h.Emulator("--users", 1000, "--time-scale", 10) as emu:
        ids = [u["id"] for u in emu.get_json("/v1.0/users?$select=id&$top=999")["value"]]
        done = throttled = 0
        retry = None
        n = 0
        while throttled == 0 and n < 200:
            reqs = [{"id": str(i), "method": "PATCH",
                     "url": "/users/%s/authentication/requirements" % ids[(n * 20 + i) % len(ids)],
                     "headers": {"Content-Type": "application/json"},
                     "body": {"perUserMfaState": "enforced"}} for i in range(20)]
            r = emu.request("POST", "/beta/$batch", body={"requests": reqs})
            assert r.status == 200
            for it in sorted(r.json()["responses"], key=lambda x: int(x["id"])):
                if it["status"] == 204 and throttled == 0:
                    done += 1
                elif it["status"] == 429:
                    throttled += 1
                    retry = it["headers"]["Retry-After"]
                    assert it["headers"]["x-ms-throttle-information"] == "WriteLimitExceeded"
            n += 1
        assert done == 3000, done
        assert 0 < float(retry) <= 15, retry
        assert emu.stats()["writes"] == 3000


def test_reports_and_ca_scopes():
    with h.Emulator("--users", 10, "--time-scale", 10) as emu:
        url = "/v1.0/reports/authenticationMethods/userRegistrationDetails"
        codes = [emu.request("GET", url).status for _ in range(6)]
        assert codes == [200] * 5 + [429], codes
        r = emu.request("GET", url)
        ra = float(r.headers["retry-after"])
        assert r.status == 429 and 0 < ra <= 1.0, ra
        time.sleep(ra)  # the window has closed after Retry-After
        assert emu.request("GET", url).status == 200
        ca = "/v1.0/identity/conditionalAccess/policies"
        assert emu.request("GET", ca).status == 200
        r = emu.request("GET", ca)
        assert r.status == 429 and "retry-after" not in r.headers  # CA gives no Retry-After


def test_limits_off():
    with h.Emulator("--users", 10, "--limits", "off") as emu:
        url = "/v1.0/reports/authenticationMethods/userRegistrationDetails"
        assert all(emu.request("GET", url).status == 200 for _ in range(30))
        assert all(emu.request("GET", "/v1.0/identity/conditionalAccess/policies").status == 200 for _ in range(5))


if __name__ == "__main__":
    h.run([test_identity_budget_small_tenant, test_users_list_cost, test_write_quota_via_batch,
           test_reports_and_ca_scopes, test_limits_off])
