"""--export-csv / --tenant-csv round trip, the tenant mix, --ca-fixture
endpoints, shutdown."""
import csv
import io
import json
import os
import subprocess
import tempfile

import emu_harness as h


def test_export_and_reload():
    with tempfile.TemporaryDirectory() as d:
        exp = os.path.join(d, "users.csv")
        with h.Emulator("--users", 3000, "--seed", 11, "--export-csv", exp, "--limits", "off") as emu:
            live = emu.request("GET", "/_emulator/export", token=False).body
            state = emu.state()
        with open(exp, encoding="utf-8") as f:
            text = f.read()
        assert text == live
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 3000
        assert list(rows[0].keys()) == ["id", "userPrincipalName", "displayName", "mail", "userType", "accountEnabled",
                                        "perUserMfaState", "isMfaRegistered", "isMfaCapable",
                                        "methodsRegistered", "defaultMfaMethod", "isAdmin"]
        share = lambda pred: sum(1 for r in rows if pred(r)) / len(rows)  # noqa: E731
        assert 0.5 < share(lambda r: r["perUserMfaState"] == "disabled") < 0.85
        assert 0.05 < share(lambda r: r["perUserMfaState"] == "enforced") < 0.35
        assert 0.03 < share(lambda r: r["userType"] == "guest") < 0.15
        assert all("#EXT#" in r["userPrincipalName"] for r in rows if r["userType"] == "guest")
        assert 0.02 < share(lambda r: r["accountEnabled"] == "false") < 0.12
        assert share(lambda r: r["isAdmin"] == "true") > 0.002
        assert share(lambda r: r["isMfaRegistered"] == "true") > 0.3
        assert {r["perUserMfaState"] for r in rows} == {"disabled", "enabled", "enforced"}
        assert {r["id"]: r["perUserMfaState"] for r in rows} == state
        # neutralised formula-like display names survive
        assert any(r["displayName"].startswith("'=") for r in rows)

        with h.Emulator("--tenant-csv", exp, "--limits", "off") as emu:
            again = emu.request("GET", "/_emulator/export", token=False).body
            assert again == text
            page = emu.get_json("/v1.0/users?$select=id,userPrincipalName,perUserMfaState&$top=5")
            assert [u["perUserMfaState"] for u in page["value"]] == [r["perUserMfaState"] for r in rows[:5]]
            reg = emu.get_json("/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=5")["value"]
            assert [";".join(x["methodsRegistered"]) for x in reg] == [r["methodsRegistered"] for r in rows[:5]]


def test_bad_csv_fails_to_start():
    with tempfile.TemporaryDirectory() as d:
        bad = os.path.join(d, "bad.csv")
        with open(bad, "w") as f:
            f.write("this,is,not\n1,2,3\n")
        p = subprocess.run([h.EXE, "--tenant-csv", bad, "--port", "0"], capture_output=True, text=True, timeout=20)
        assert p.returncode != 0 and "graph-emulator:" in p.stderr


ALL_READS = ("User.Read.All,Policy.Read.All,AuditLog.Read.All,GroupMember.Read.All,"
             "RoleManagement.Read.Directory")

FIXTURE = {
    "policies": [{"id": "p1", "displayName": "Require MFA for all", "state": "enabled",
                  "conditions": {"users": {"includeUsers": ["All"], "excludeUsers": [],
                                           "includeGroups": [], "excludeGroups": ["g1"],
                                           "includeRoles": [], "excludeRoles": []},
                                 "applications": {"includeApplications": ["All"]}},
                  "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}],
    "securityDefaults": {"isEnabled": True},
    "groups": [{"id": "g1", "displayName": "Break glass", "members": []}],
    "directoryRoles": [{"id": "r1", "roleTemplateId": "62e90394-69f5-4237-9190-012177145e10",
                        "displayName": "Global Administrator", "members": []}],
}


def test_ca_fixture():
    with tempfile.TemporaryDirectory() as d:
        with h.Emulator("--users", 20, "--limits", "off") as emu:
            ids = [u["id"] for u in emu.get_json("/v1.0/users?$top=3")["value"]]
        fx = json.loads(json.dumps(FIXTURE))
        fx["groups"][0]["members"] = [ids[0], {"@odata.type": "#microsoft.graph.group", "id": "nested"}]
        fx["directoryRoles"][0]["members"] = [ids[1]]
        path = os.path.join(d, "ca.json")
        with open(path, "w") as f:
            json.dump(fx, f)
        # members need GroupMember.Read.All / RoleManagement.Read.Directory (issue 12)
        with h.Emulator("--users", 20, "--ca-fixture", path, "--limits", "off",
                        "--app-permissions", ALL_READS) as emu:
            pol = emu.get_json("/v1.0/identity/conditionalAccess/policies")["value"]
            assert pol == fx["policies"]
            assert emu.get_json("/v1.0/policies/identitySecurityDefaultsEnforcementPolicy")["isEnabled"] is True
            m = emu.get_json("/v1.0/groups/g1/transitiveMembers")["value"]
            assert m[0]["id"] == ids[0] and m[0]["userPrincipalName"] and m[1]["id"] == "nested"
            r = emu.get_json("/v1.0/directoryRoles/roleTemplateId=62e90394-69f5-4237-9190-012177145e10/members")
            assert [x["id"] for x in r["value"]] == [ids[1]]
            assert [x["id"] for x in emu.get_json("/v1.0/directoryRoles/r1/members")["value"]] == [ids[1]]
            assert emu.request("GET", "/v1.0/groups/nope/transitiveMembers").status == 404
        with h.Emulator("--users", 20, "--ca-fixture", path, "--app-permissions", "User.Read.All") as emu:
            assert emu.request("GET", "/v1.0/identity/conditionalAccess/policies").status == 403
    # no fixture: empty policies, admins as Global Administrators
    # (900 users: one registration page, and about a dozen admins to compare)
    with h.Emulator("--users", 900, "--app-permissions", ALL_READS) as emu:
        assert emu.get_json("/v1.0/identity/conditionalAccess/policies")["value"] == []
        assert emu.get_json("/v1.0/policies/identitySecurityDefaultsEnforcementPolicy")["isEnabled"] is False
        admins = emu.get_json("/v1.0/directoryRoles/roleTemplateId=62e90394-69f5-4237-9190-012177145e10/members")
        regs = emu.get_json("/v1.0/reports/authenticationMethods/userRegistrationDetails")["value"]
        assert len(regs) == 900 and "@odata.nextLink" not in admins
        assert len(admins["value"]) > 0
        assert {a["id"] for a in admins["value"]} == {r["id"] for r in regs if r["isAdmin"]}


if __name__ == "__main__":
    h.run([test_export_and_reload, test_bad_csv_fails_to_start, test_ca_fixture])
