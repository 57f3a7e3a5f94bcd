"""End to end: the tenant posture notes (issue 14 item 3) and Entra's
switchFromPerUserMFA recommendation beside our count (issue 15 item 3),
against graph-emulator: each note with its data present, absent and
forbidden (403), the run never failing; the recommendation's counts and
both difference lists equal to the emulator's tenant.

usage: test_posture.py MFA_MIGRATE_BINARY GRAPH_EMULATOR_BINARY SAMPLES
"""
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
import emu_harness  # noqa: E402
import mfatest  # noqa: E402
from emu_harness import Emulator  # noqa: E402

BIN = SAMPLES = None
ALL = ["User.Read.All", "Policy.Read.All", "AuditLog.Read.All",
       "Policy.ReadWrite.AuthenticationMethod", "LicenseAssignment.Read.All",
       "DirectoryRecommendations.Read.All", "GroupMember.Read.All", "RoleManagement.Read.Directory"]
MANAGED = "Microsoft-managed: Multifactor authentication for per-user multifactor authentication users"


def audit(emu, *args):
    out = os.path.join(mfatest.tmpdir(), "out")
    code, _, stderr = mfatest.run(BIN, "audit", "--graph-url", emu.base, "--login-url", emu.base,
                                  "--out", out, *args, env=emu_harness.creds())
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    return code, s, stderr, out


def notes(s):
    return {n["key"]: n for n in s["tenantNotes"]["posture"]}


def warnings(stderr):
    return [l for l in stderr.splitlines() if "warning:" in l]


def fixture(extra):
    with open(os.path.join(SAMPLES, "ca-fixture.json")) as f:
        fx = json.load(f)
    fx.update(extra)
    path = os.path.join(mfatest.tmpdir(), "fixture.json")
    with open(path, "w") as f:
        json.dump(fx, f)
    return path


def perms(*drop):
    return ",".join(p for p in ALL if p not in drop)


class Present(unittest.TestCase):
    def test_all_notes_present(self):
        with Emulator("--users", 40, "--seed", 7, "--ca-fixture", fixture({}),
                      "--app-permissions", perms()) as emu:
            code, s, stderr, out = audit(emu)
            st = emu.stats()["byEndpoint"]
        self.assertEqual(code, 0, stderr)
        self.assertEqual(warnings(stderr), [], stderr)
        n = notes(s)
        self.assertEqual(n["licences"]["status"], "ok")
        self.assertIn("AAD_PREMIUM", n["licences"]["text"])
        self.assertEqual(n["methods-policy-migration"]["status"], "attention")
        self.assertIn("preMigration", n["methods-policy-migration"]["text"])
        self.assertIn("'default'", n["registration-campaign"]["text"])
        self.assertIn("1 target", n["registration-campaign"]["text"])
        self.assertIn("snooze 1 day", n["registration-campaign"]["text"])
        self.assertEqual(n["sms-voice-methods"]["status"], "attention")
        self.assertIn("1 February 2027", n["sms-voice-methods"]["meaning"])
        self.assertEqual(n["system-preferred-mfa"]["status"], "ok")
        m = n["microsoft-managed-policies"]
        self.assertEqual(m["status"], "attention")
        self.assertIn("'%s' is 'enabledForReportingButNotEnforced'" % MANAGED, m["text"])
        self.assertIn("at most 500 users", m["meaning"])
        self.assertIn("at least 90 days", m["meaning"])
        legacy = n["legacy-mfa-settings"]
        self.assertEqual(legacy["status"], "unknown")
        self.assertIn("usermanagement/mfasettings.aspx", legacy["text"])
        # the managed policy came with the coverage read: one CA request
        self.assertEqual(sum(st["conditionalAccessPolicies"].values()), 1)
        # the Summary sheet has the block
        _, z = mfatest.xlsx_sheets(os.path.join(out, "report.xlsx"))
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
        self.assertIn("tenant posture", xml)
        self.assertIn("Microsoft&apos;s recommendation", xml.replace("'", "&apos;"))


class Absent(unittest.TestCase):
    def test_no_p1_campaign_off_sms_off_no_managed(self):
        policies = json.load(open(os.path.join(SAMPLES, "ca-fixture.json")))["policies"]
        fx = fixture({
            "policies": [p for p in policies if not p["displayName"].startswith("Microsoft-managed")],
            "authenticationMethodsPolicy": {
                "policyMigrationState": "migrationComplete",
                "registrationEnforcement": {"authenticationMethodsRegistrationCampaign": {
                    "state": "disabled", "snoozeDurationInDays": 0, "includeTargets": [],
                    "excludeTargets": []}},
                "authenticationMethodConfigurations": [
                    {"id": "Sms", "state": "disabled"}, {"id": "Voice", "state": "disabled"}],
                "systemCredentialPreferences": {"state": "disabled"},
            }})
        with Emulator("--users", 30, "--seed", 8, "--ca-fixture", fx, "--no-p1",
                      "--no-recommendation", "--app-permissions", perms()) as emu:
            code, s, stderr, _ = audit(emu)
        self.assertEqual(code, 0, stderr)
        self.assertEqual(warnings(stderr), [], stderr)
        n = notes(s)
        self.assertEqual(n["licences"]["status"], "attention")
        self.assertIn("no enabled Entra ID P1 or P2", n["licences"]["text"])
        self.assertIn("only from security defaults", n["licences"]["meaning"])
        self.assertEqual(n["methods-policy-migration"]["status"], "ok")
        self.assertEqual(n["registration-campaign"]["status"], "attention")
        self.assertIn("'disabled', 0 targets", n["registration-campaign"]["text"])
        self.assertIn("no longer prompted", n["registration-campaign"]["meaning"])
        self.assertEqual(n["sms-voice-methods"]["status"], "ok")
        self.assertIn("'disabled'", n["sms-voice-methods"]["text"])
        self.assertEqual(n["system-preferred-mfa"]["status"], "attention")
        self.assertIn("'disabled'", n["system-preferred-mfa"]["text"])
        self.assertEqual(n["microsoft-managed-policies"]["text"],
                         "no Microsoft-managed Conditional Access policy")
        self.assertEqual(n["switch-from-per-user-mfa"]["status"], "ok")
        self.assertIn("no switchFromPerUserMFA", n["switch-from-per-user-mfa"]["text"])
        rec = s["tenantNotes"]["switchFromPerUserMfa"]
        self.assertFalse(rec["found"])


class Forbidden(unittest.TestCase):
    def check(self, drop, key, permission, ca_fixture=True):
        args = ["--users", 30, "--seed", 9, "--app-permissions", perms(*drop)]
        if ca_fixture:
            args += ["--ca-fixture", fixture({})]
        with Emulator(*args) as emu:
            code, s, stderr, _ = audit(emu)
        self.assertEqual(code, 0, stderr)
        mine = [w for w in warnings(stderr) if permission in w]
        self.assertEqual(len(mine), 1, stderr)
        n = notes(s)
        self.assertEqual(n[key]["status"], "unknown")
        self.assertEqual(n[key]["text"], "unknown (needs %s)" % permission)
        return s, stderr

    def test_licences(self):
        self.check(["LicenseAssignment.Read.All"], "licences", "LicenseAssignment.Read.All")

    def test_methods_policy(self):
        # Policy.Read.All reads it too (Graph's higher permissions); without
        # both, Directory.Read.All still reads the states and the policies
        global ALL
        saved, ALL = ALL, ALL + ["Directory.Read.All"]
        try:
            s, _ = self.check(["Policy.ReadWrite.AuthenticationMethod", "Policy.Read.All"],
                              "authentication-methods-policy", "Policy.Read.AuthenticationMethod")
        finally:
            ALL = saved
        self.assertNotIn("sms-voice-methods", notes(s))

    def test_managed_policies(self):
        self.check(["Policy.Read.All"], "microsoft-managed-policies", "Policy.Read.All")

    def test_recommendation(self):
        s, _ = self.check(["DirectoryRecommendations.Read.All"], "switch-from-per-user-mfa",
                          "DirectoryRecommendations.Read.All")
        self.assertEqual(s["tenantNotes"]["switchFromPerUserMfa"]["read"], "forbidden")


class Recommendation(unittest.TestCase):
    def run_with(self, differ, users=250):
        with Emulator("--users", users, "--seed", 11, "--recommendation-differ", differ,
                      "--recommendation-page-size", 40, "--app-permissions", perms()) as emu:
            code, s, stderr, out = audit(emu)
            state = emu.state()
            st = emu.stats()["byEndpoint"]
        self.assertEqual(code, 0, stderr)
        on = [i for i, v in state.items() if v in ("enabled", "enforced")]
        off = [i for i, v in state.items() if v == "disabled"]
        return s, stderr, out, on, off, st

    def test_agree(self):
        s, stderr, _, on, _, st = self.run_with(0)
        rec = s["tenantNotes"]["switchFromPerUserMfa"]
        self.assertTrue(rec["found"], rec)
        self.assertEqual(rec["microsoftCount"], len(on))
        self.assertEqual(rec["ourCount"], len(on))
        self.assertEqual(rec["onlyMicrosoft"], {"count": 0, "ids": []})
        self.assertEqual(rec["onlyOurs"], {"count": 0, "ids": []})
        self.assertEqual(notes(s)["switch-from-per-user-mfa"]["status"], "ok")
        # every impactedResources page was read (40 a page)
        self.assertEqual(st["impactedResources"], {"200": (len(on) + 39) // 40})

    def test_differ(self):
        s, stderr, out, on, off, _ = self.run_with(3)
        rec = s["tenantNotes"]["switchFromPerUserMfa"]
        self.assertEqual(rec["microsoftCount"], len(on))  # 3 left out, 3 added
        self.assertEqual(rec["ourCount"], len(on))
        self.assertEqual(rec["onlyOurs"]["count"], 3)
        self.assertEqual(sorted(rec["onlyOurs"]["ids"]), sorted(on[:3]))
        self.assertEqual(rec["onlyMicrosoft"]["count"], 3)
        self.assertEqual(sorted(rec["onlyMicrosoft"]["ids"]), sorted(off[:3]))
        n = notes(s)["switch-from-per-user-mfa"]
        self.assertEqual(n["status"], "attention")
        self.assertIn("3 only Microsoft counts, 3 only this run counts", n["text"])
        _, z = mfatest.xlsx_sheets(os.path.join(out, "report.xlsx"))
        xml = "".join(z.read(x).decode() for x in z.namelist() if x.endswith(".xml"))
        for uid in on[:3] + off[:3]:
            self.assertIn(uid, xml)

    def test_list_capped_with_count(self):
        s, _, _, on, off, _ = self.run_with(130, users=600)
        rec = s["tenantNotes"]["switchFromPerUserMfa"]
        self.assertEqual(rec["onlyOurs"]["count"], 130)
        self.assertEqual(len(rec["onlyOurs"]["ids"]), 100)
        self.assertEqual(rec["onlyOurs"]["ids"], on[:100])
        self.assertEqual(rec["onlyMicrosoft"]["count"], 130)
        self.assertEqual(len(rec["onlyMicrosoft"]["ids"]), 100)


class Offline(unittest.TestCase):
    def test_absent_offline(self):
        out = os.path.join(mfatest.tmpdir(), "out")
        code, _, stderr = mfatest.run(BIN, "audit", "--from-csv",
                                      os.path.join(SAMPLES, "graph-peruser-state.csv"), "--out", out)
        self.assertEqual(code, 0, stderr)
        s = json.load(open(os.path.join(out, "summary.json")))
        self.assertNotIn("posture", s["tenantNotes"])
        self.assertNotIn("switchFromPerUserMfa", s["tenantNotes"])


if __name__ == "__main__":
    BIN = sys.argv[1]
    emu_harness.EXE = os.path.abspath(sys.argv[2])
    SAMPLES = sys.argv[3]
    unittest.main(argv=sys.argv[:1], verbosity=2)
