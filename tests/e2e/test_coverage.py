"""End to end: Conditional Access coverage, from files and live from
graph-emulator's --ca-fixture, and the not-covered holds (--require-ca-coverage,
the default wherever coverage is checked) user by user.

usage: test_coverage.py MFA_MIGRATE_BINARY GRAPH_EMULATOR_BINARY SAMPLES_DIR
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
from emu_harness import CLIENT, SECRET, TENANT, Emulator  # noqa: E402

BIN = SAMPLES = None


def sample(name):
    return os.path.join(SAMPLES, name)


def verdict(u):
    return u["caCoverage"].split(":")[0]


def users(out):
    return {u["userPrincipalName"]: u for u in mfatest.read_csv(os.path.join(out, "users.csv"))}


def env():
    return emu_harness.creds()


class FromFiles(unittest.TestCase):
    def plan(self, *extra):
        out = os.path.join(mfatest.tmpdir(), "out")
        code, stdout, stderr = mfatest.run(
            BIN, "plan", "--from-csv", sample("graph-peruser-state.csv"),
            "--registration", sample("registration-details-graph.csv"),
            "--ca-policies", sample("ca-policies.json"), "--ca-members", sample("ca-members.json"),
            "--out", out, *extra)
        self.assertEqual(code, 0, stderr)
        return out

    def test_verdicts_and_holds(self):
        out = self.plan("--require-ca-coverage")
        got = users(out)
        # The fixture's design (samples/ca-policies.json): everyone by CA001
        # but the break-glass group; a guest only in a report-only policy;
        # a guest only in an Exchange-only policy; a service account whose
        # policy accepts a compliant device instead of MFA.
        self.assertEqual(verdict(got["miriam.graham@contoso.example"]), "not-covered")
        self.assertEqual(verdict(got["kim.akers_fabrikam.example#EXT#@contoso.example"]), "report-only")
        ray = got["ray.chen_fabrikam.example#EXT#@contoso.example"]
        self.assertEqual(verdict(ray), "partial")
        self.assertIn("only some apps", ray["caCoverage"])
        self.assertIn("mfa OR another control", got["svc-backup@contoso.example"]["caCoverage"])
        for upn, u in got.items():
            with self.subTest(user=upn):
                v = verdict(u)
                if u["perUserMfaState"] == "disabled":
                    self.assertEqual(u["action"], "keep")
                elif u["perUserMfaState"] == "unknown":
                    self.assertEqual(u["holdReason"], "state-unknown")
                elif v != "covered":
                    self.assertEqual((u["action"], u["holdReason"]), ("hold", "not-covered"))
                else:
                    self.assertEqual(u["action"], "disable")
                if v == "covered":
                    self.assertTrue(u["caPolicies"])
                findings = u["findings"].split(";")
                self.assertEqual("not-covered" in findings, v == "not-covered")
                self.assertEqual("partial-coverage" in findings, v == "partial")
                self.assertEqual("report-only-coverage" in findings, v == "report-only")
        s = json.load(open(os.path.join(out, "summary.json")))
        counts = {}
        for u in got.values():
            counts[verdict(u)] = counts.get(verdict(u), 0) + 1
        for k, n in s["caCoverage"].items():
            self.assertEqual(n, counts.get(k, 0), k)
        self.assertEqual(s["byHoldReason"]["not-covered"],
                         sum(1 for u in got.values() if u["holdReason"] == "not-covered"))
        self.assertFalse(s["tenantNotes"]["securityDefaults"])
        self.assertTrue(s["tenantNotes"]["rebuildInConditionalAccess"])
        sheets, z = mfatest.xlsx_sheets(os.path.join(out, "report.xlsx"))
        self.assertGreaterEqual(sum(1 for n in z.namelist() if n.startswith("xl/charts/chart")), 2)

    def test_no_require_nothing_is_held_for_coverage(self):
        got = users(self.plan("--no-require-ca-coverage"))
        self.assertFalse(any(u["holdReason"] == "not-covered" for u in got.values()))
        self.assertEqual(got["ray.chen_fabrikam.example#EXT#@contoso.example"]["action"], "disable")

    def test_bad_policies_file(self):
        p = os.path.join(mfatest.tmpdir(), "bad.json")
        open(p, "w").write('{"value": [ {"id": 1 ')
        out = os.path.join(mfatest.tmpdir(), "out")
        code, _, stderr = mfatest.run(BIN, "plan", "--from-csv", sample("graph-peruser-state.csv"),
                                      "--ca-policies", p, "--out", out)
        self.assertEqual(code, 1, stderr)
        self.assertEqual(len(stderr.strip().splitlines()), 1, stderr)
        self.assertIn("bad.json", stderr)
        self.assertFalse(os.path.exists(os.path.join(out, "users.csv")))


class Live(unittest.TestCase):
    def run_live(self, emu, *extra):
        out = os.path.join(mfatest.tmpdir(), "out")
        code, _, stderr = mfatest.run(BIN, "plan", "--graph-url", emu.base, "--login-url", emu.base,
                                      "--out", out, *extra, env=env())
        return code, out, stderr

    def test_live_equals_files(self):
        files = os.path.join(mfatest.tmpdir(), "files")
        code, _, stderr = mfatest.run(BIN, "plan", "--from-csv", sample("graph-peruser-state.csv"),
                                      "--ca-policies", sample("ca-policies.json"),
                                      "--ca-members", sample("ca-members.json"), "--out", files)
        self.assertEqual(code, 0, stderr)
        want = users(files)
        # group and role members need GroupMember.Read.All and
        # RoleManagement.Read.Directory, as in Graph (issue 12)
        with Emulator("--tenant-csv", sample("graph-peruser-state.csv"),
                      "--ca-fixture", sample("ca-fixture.json"),
                      "--app-permissions", "User.Read.All,Policy.Read.All,AuditLog.Read.All,"
                      "Policy.ReadWrite.AuthenticationMethod,GroupMember.Read.All,"
                      "RoleManagement.Read.Directory") as emu:
            code, out, stderr = self.run_live(emu, "--require-ca-coverage")
            self.assertEqual(code, 0, stderr)
            got = users(out)
            for upn, u in want.items():
                if upn not in got:  # users only in the state export
                    continue
                self.assertEqual(got[upn]["caCoverage"], u["caCoverage"], upn)
                self.assertEqual(got[upn]["caPolicies"], u["caPolicies"], upn)
            stats = emu.stats()["byEndpoint"]
            self.assertIn("conditionalAccessPolicies", stats)
            self.assertIn("groupMembers", stats)
            self.assertIn("roleMembers", stats)

    def test_no_permission_unknown_and_held(self):
        with Emulator("--tenant-csv", sample("graph-peruser-state.csv"),
                      "--ca-fixture", sample("ca-fixture.json"),
                      "--app-permissions", "User.Read.All,AuditLog.Read.All") as emu:
            code, out, stderr = self.run_live(emu, "--require-ca-coverage")
            self.assertEqual(code, 0, stderr)
            self.assertIn("Conditional Access policies unavailable", stderr)
            got = users(out)
            for upn, u in got.items():
                self.assertEqual(verdict(u), "unknown", upn)
                if u["perUserMfaState"] in ("enabled", "enforced"):
                    self.assertEqual(u["holdReason"], "not-covered", upn)
            s = json.load(open(os.path.join(out, "summary.json")))
            self.assertIsNone(s["tenantNotes"]["conditionalAccessPolicies"])


if __name__ == "__main__":
    BIN = sys.argv[1]
    emu_harness.EXE = os.path.abspath(sys.argv[2])
    SAMPLES = sys.argv[3]
    unittest.main(argv=sys.argv[:1], verbosity=2)
