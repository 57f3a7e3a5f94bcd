"""POST identity/conditionalAccess/evaluate: What If over --ca-fixture in
Graph's shape, its permission, the Conditional Access scope's 1 request a
second (no Retry-After), --what-if-override."""
import json
import os
import subprocess
import tempfile
import time

import emu_harness as h

SAMPLES = os.environ.get("MFA_SAMPLES", os.path.join(os.path.dirname(__file__), "..", "..", "samples"))
PERMS = "User.Read.All,Policy.Read.ConditionalAccess,GroupMember.Read.All,RoleManagement.Read.Directory"
MIRIAM = "miriam.graham@contoso.example"   # in the break-glass group: CA001 excludes her
KIM = "kim.akers_fabrikam.example#EXT#@contoso.example"  # a guest: only report-only CA003
CA001 = "CA001: Require MFA for all users"
URL = "/v1.0/identity/conditionalAccess/evaluate"
PACE = 0.12


def emulator(*extra, perms=PERMS):
    return h.Emulator("--tenant-csv", os.path.join(SAMPLES, "graph-peruser-state.csv"),
                      "--ca-fixture", os.path.join(SAMPLES, "ca-fixture.json"),
                      "--app-permissions", perms, "--time-scale", "10", *extra)


def body(user, client="browser", apps=("All",), only=False):
    return {"signInIdentity": {"@odata.type": "#microsoft.graph.userSignIn", "userId": user},
            "signInContext": {"@odata.type": "#microsoft.graph.applicationContext",
                              "includeApplications": list(apps)},
            "signInConditions": {"clientAppType": client}, "appliedPoliciesOnly": only}


def ask(emu, user, **kw):
    # Conditional Access: 1 request a second per tenant (0.1 s at --time-scale 10)
    time.sleep(PACE)
    r = emu.request("POST", URL, body=body(user, **kw))
    assert r.status == 200, r.body
    return {p["displayName"]: p for p in r.json()["value"]}


def user_id(emu, upn):
    return emu.get_json("/v1.0/users/" + h.q(upn))["id"]


def test_evaluate_fixture():
    with emulator() as emu:
        uid = user_id(emu, "lynne.robbins@contoso.example")
        got = ask(emu, uid)
        p = got[CA001]
        assert p["@odata.type"] == "#microsoft.graph.whatIfAnalysisResult"
        assert p["policyApplies"] is True and p["analysisReasons"] == "notSet"
        assert p["grantControls"]["builtInControls"] == ["mfa"]
        assert got["CA004: Require MFA for everyone (old)"]["analysisReasons"] == "policyNotEnabled"
        assert got["CA005: Require MFA for Exchange Online"]["analysisReasons"] == "users"
        # break glass: excluded by group; a guest: excluded as a guest, in the report-only one
        assert ask(emu, user_id(emu, MIRIAM))[CA001]["analysisReasons"] == "users"
        kim = ask(emu, user_id(emu, KIM))
        assert kim[CA001]["policyApplies"] is False
        assert kim["CA003: Require MFA for guests"]["policyApplies"] is True
        assert kim["CA003: Require MFA for guests"]["state"] == "enabledForReportingButNotEnforced"
        # Ray's policy is on Exchange Online only: all apps do not meet it, Exchange does
        ray = user_id(emu, "ray.chen_fabrikam.example#EXT#@contoso.example")
        assert ask(emu, ray)["CA005: Require MFA for Exchange Online"]["analysisReasons"] == "application"
        assert ask(emu, ray, apps=("00000002-0000-0ff1-ce00-000000000000",))[
            "CA005: Require MFA for Exchange Online"]["policyApplies"] is True
        # appliedPoliciesOnly: only what applies
        assert set(ask(emu, uid, only=True)) == {CA001}


def test_client_app_types_and_bad_requests():
    with tempfile.TemporaryDirectory() as d:
        fx = json.load(open(os.path.join(SAMPLES, "ca-fixture.json")))
        fx["policies"][0]["conditions"]["clientAppTypes"] = ["browser"]
        path = os.path.join(d, "fx.json")
        with open(path, "w") as f:
            json.dump(fx, f)
        with h.Emulator("--tenant-csv", os.path.join(SAMPLES, "graph-peruser-state.csv"),
                        "--ca-fixture", path, "--app-permissions", PERMS, "--time-scale", "10") as emu:
            uid = user_id(emu, "lynne.robbins@contoso.example")
            assert ask(emu, uid, client="browser")[CA001]["policyApplies"] is True
            assert ask(emu, uid, client="exchangeActiveSync")[CA001]["analysisReasons"] == "clientApps"
            time.sleep(PACE)
            r = emu.request("POST", URL, body={"signInIdentity": {"userId": uid}})
            assert r.status == 400, r.body
            time.sleep(PACE)
            r = emu.request("GET", URL)
            assert r.status == 405


def test_permission_and_throttle():
    # Directory.Read.All reads the policies but not What If
    with emulator(perms="User.Read.All,Directory.Read.All") as emu:
        uid = user_id(emu, MIRIAM)
        assert emu.request("GET", "/v1.0/identity/conditionalAccess/policies").status == 200
        r = emu.request("POST", URL, body=body(uid))
        assert r.status == 403, r.body
    with emulator(perms="User.Read.All,Policy.Read.All") as emu:
        uid = user_id(emu, MIRIAM)
        codes = [emu.request("POST", URL, body=body(uid)) for _ in range(2)]
        assert codes[0].status == 200
        # back to back: the Conditional Access scope refuses, with no Retry-After
        assert codes[1].status == 429
        assert "retry-after" not in codes[1].headers
        assert emu.stats()["byEndpoint"]["conditionalAccessEvaluate"] == {"200": 1, "429": 1}


def test_override():
    with tempfile.TemporaryDirectory() as d:
        ov = os.path.join(d, "override.json")
        with open(ov, "w") as f:
            json.dump({MIRIAM: [CA001]}, f)
        with emulator("--what-if-override", ov) as emu:
            got = ask(emu, user_id(emu, MIRIAM))
            assert got[CA001]["policyApplies"] is True
            assert all(not p["policyApplies"] for n, p in got.items() if n != CA001)
            # others are evaluated as the fixture says
            assert ask(emu, user_id(emu, "lynne.robbins@contoso.example"))[CA001]["policyApplies"] is True
        with open(ov, "w") as f:
            json.dump({MIRIAM: "CA001"}, f)
        p = subprocess.run([h.EXE, "--what-if-override", ov, "--port", "0"], capture_output=True, text=True,
                           timeout=20)
        assert p.returncode != 0 and "override.json" in p.stderr and "array" in p.stderr


if __name__ == "__main__":
    h.run([test_evaluate_fixture, test_client_app_types_and_bad_requests, test_permission_and_throttle,
           test_override])
