"""End to end: plan/audit --what-if against graph-emulator's What If
evaluator over its --ca-fixture: every class agrees on the fixture; with
--what-if-override exactly the overridden classes disagree, every member of
them gets coverage-disagrees and is held under --require-ca-coverage; the
Conditional Access scope is never throttled and the evaluate requests are
classes x contexts, not users; a cap below what is needed leaves the rest
not-checked.

Real time (no --time-scale): the client paces Conditional Access at 1
request per 1.1 s, and the 0.1 s margin must hold however late the
emulator gets to a request (sanitizer builds, a loaded CI machine).

usage: test_whatif.py MFA_MIGRATE_BINARY GRAPH_EMULATOR_BINARY SAMPLES_DIR
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
CONTEXTS = ["browser", "mobile-desktop", "exchange-activesync", "other-clients"]
PERMS = ("User.Read.All,Policy.Read.All,AuditLog.Read.All,Policy.ReadWrite.AuthenticationMethod,"
         "GroupMember.Read.All,RoleManagement.Read.Directory")
SCALE = "1"


def sample(name):
    return os.path.join(SAMPLES, name)


def emulator(*extra, perms=PERMS):
    return Emulator("--tenant-csv", sample("graph-peruser-state.csv"),
                    "--ca-fixture", sample("ca-fixture.json"), "--app-permissions", perms,
                    "--time-scale", SCALE, *extra)


def run(emu, *args, command="plan"):
    out = os.path.join(mfatest.tmpdir(), "out")
    code, _, stderr = mfatest.live(BIN, emu, command, "--out", out, *args,
                                   env={"MFA_MIGRATE_TIME_SCALE": SCALE})
    return code, out, stderr


def users(out):
    return {u["userPrincipalName"]: u for u in mfatest.read_csv(os.path.join(out, "users.csv"))}


def classes(out):
    """whatif.csv by class number: its rows."""
    got = {}
    for r in mfatest.read_csv(os.path.join(out, "whatif.csv")):
        got.setdefault(r["class"], []).append(r)
    return got


def summary(out):
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)


def evaluate_counts(emu):
    return emu.stats()["byEndpoint"].get("conditionalAccessEvaluate", {})


class WhatIf(unittest.TestCase):
    def check_pacing(self, emu, asked):
        self.check_stats(emu.stats(), asked)

    @classmethod
    def setUpClass(cls):
        # the fixture run, which two tests read
        with emulator() as emu:
            cls.code, cls.out, cls.stderr = run(emu, "--what-if", "200")
            cls.stats = emu.stats()

    def check_stats(self, stats, asked):
        # the CA scope's limiter paced every request: no 429, ever; and one
        # request per asked class and context, not per user
        ev = stats["byEndpoint"].get("conditionalAccessEvaluate", {})
        self.assertNotIn("429", ev)
        self.assertEqual(stats["throttled"], 0)
        self.assertEqual(ev.get("200", 0), asked * len(CONTEXTS))

    def test_fixture_every_class_agrees(self):
        out, stderr = self.out, self.stderr
        self.assertEqual(self.code, 0, stderr)
        cls = classes(out)
        asked = [c for c, rows in cls.items() if rows[0]["context"]]
        self.assertGreaterEqual(len(asked), 4)
        for c in asked:
            rows = cls[c]
            self.assertEqual([r["context"] for r in rows], CONTEXTS, c)
            for r in rows:
                self.assertEqual(r["agreement"], "agrees", r)
        for c, rows in cls.items():
            if c not in asked:
                self.assertEqual(rows[0]["agreement"], "not-checked")
                self.assertIn(rows[0]["ourVerdict"], ("partial", "unknown"))
        got = users(out)
        self.assertEqual(sum(int(cls[c][0]["usersInClass"]) for c in cls), len(got))
        for upn, u in got.items():
            self.assertIn(u["whatIf"], ("agrees", "not-checked"), upn)
            self.assertEqual(u["whatIf"] == "not-checked",
                             u["caCoverage"].split(":")[0] in ("partial", "unknown"), upn)
            self.assertNotIn("coverage-disagrees", u["findings"].split(";"), upn)
        self.check_stats(self.stats, len(asked))
        self.assertIn("What If: %d classes x 4 contexts = %d requests, about %d s"
                      % (len(asked), 4 * len(asked), 4 * len(asked)), stderr)
        s = summary(out)["whatIf"]
        self.assertEqual(s["classesAsked"], len(asked))
        self.assertEqual(s["requests"], 4 * len(asked))
        self.assertEqual(s["classesDisagree"], 0)
        self.assertEqual(s["usersAgree"], sum(1 for u in got.values() if u["whatIf"] == "agrees"))

    def test_override_disagrees_and_holds(self):
        # first: the classes and their representatives (the lowest id, so a
        # rerun asks for the same users)
        self.assertEqual(self.code, 0, self.stderr)
        first = classes(self.out)
        big = max((rows for rows in first.values() if rows[0]["ourVerdict"] == "covered"),
                  key=lambda rows: int(rows[0]["usersInClass"]))
        notcov = next(rows for rows in first.values() if rows[0]["ourVerdict"] == "not-covered")
        self.assertGreater(int(big[0]["usersInClass"]), 1)
        override = os.path.join(mfatest.tmpdir(), "override.json")
        with open(override, "w") as f:
            # Microsoft says: nothing applies to the big class's
            # representative (by id), and CA001 does to the not-covered one (by UPN)
            json.dump({big[0]["representativeId"]: [],
                       notcov[0]["representative"]: ["CA001: Require MFA for all users"]}, f)
        with emulator("--what-if-override", override) as emu:
            code, out, stderr = run(emu, "--what-if", "--require-ca-coverage")
            self.assertEqual(code, 0, stderr)
            cls = classes(out)
            disagree = {c for c, rows in cls.items() if any(r["agreement"] == "disagrees" for r in rows)}
            self.assertEqual(disagree, {big[0]["class"], notcov[0]["class"]})
            for c in disagree:
                self.assertEqual([r["agreement"] for r in cls[c]], ["disagrees"] * 4)
            self.assertIn("we say covered by", cls[big[0]["class"]][0]["reasons"])
            self.assertIn("not applied (users)", cls[big[0]["class"]][0]["reasons"])
            self.assertEqual(cls[notcov[0]["class"]][0]["microsoftMfaPolicies"], "CA001: Require MFA for all users")
            got = users(out)
            dis = [u for u in got.values() if u["whatIf"].startswith("disagrees: ")]
            # every member of the two classes, not only the two users named
            self.assertEqual(len(dis), int(big[0]["usersInClass"]) + int(notcov[0]["usersInClass"]))
            self.assertGreater(len(dis), 2)
            for u in got.values():
                flagged = "coverage-disagrees" in u["findings"].split(";")
                self.assertEqual(flagged, u in dis, u["userPrincipalName"])
                if u in dis and u["perUserMfaState"] in ("enabled", "enforced"):
                    self.assertEqual((u["action"], u["holdReason"]), ("hold", "coverage-disagrees"),
                                     u["userPrincipalName"])
            self.assertTrue(any(u["perUserMfaState"] in ("enabled", "enforced") for u in dis))
            s = summary(out)
            self.assertEqual(s["whatIf"]["classesDisagree"], 2)
            self.assertEqual(s["whatIf"]["usersDisagree"], len(dis))
            self.assertEqual(s["byFinding"]["coverage-disagrees"], len(dis))
            _, z = mfatest.xlsx_sheets(os.path.join(out, "report.xlsx"))
            with z:
                strings = z.read("xl/worksheets/sheet1.xml").decode()  # Summary: inline strings
            self.assertIn("What If cross-check", strings)
            self.assertIn("users who disagree", strings)
            self.check_pacing(emu, len([c for c in cls.values() if c[0]["context"]]))
            with open(os.path.join(out, "plan.jsonl")) as f:
                plan = {p["id"]: p for p in map(json.loads, f) if "seq" in p}
            for u in dis:
                self.assertIn(plan[u["id"]]["action"], ("hold", "keep"), u["userPrincipalName"])

    def test_cap_leaves_the_rest_not_checked(self):
        with emulator() as emu:
            code, out, stderr = run(emu, "--what-if=8", command="audit")
            self.assertEqual(code, 0, stderr)
            cls = classes(out)
            asked = [c for c, rows in cls.items() if rows[0]["context"]]
            beyond = [c for c, rows in cls.items() if "beyond --what-if 8" in rows[0]["reasons"]]
            self.assertEqual(len(asked), 2)
            self.assertGreaterEqual(len(beyond), 2)
            self.assertIn("%d more classes are beyond --what-if 8" % len(beyond), stderr)
            self.check_pacing(emu, 2)
            for c in beyond:
                self.assertEqual(cls[c][0]["agreement"], "not-checked")
            got = users(out)
            s = summary(out)["whatIf"]
            self.assertEqual(s["classesBeyondCap"], len(beyond))
            self.assertEqual(s["maxRequests"], 8)
            self.assertEqual(s["usersNotChecked"], sum(1 for u in got.values() if u["whatIf"] == "not-checked"))
            self.assertEqual(s["usersAgree"] + s["usersNotChecked"], len(got))

    def test_evaluate_refused_leaves_not_checked(self):
        # Directory.Read.All reads the policies, not What If
        with emulator(perms="User.Read.All,Directory.Read.All,AuditLog.Read.All") as emu:
            code, out, stderr = run(emu, "--what-if", "4", command="audit")
            self.assertEqual(code, 0, stderr)
            self.assertIn("Policy.Read.ConditionalAccess", stderr)
            self.assertIn("403", evaluate_counts(emu))
            for upn, u in users(out).items():
                self.assertEqual(u["whatIf"], "not-checked", upn)

    def test_refused_with_files(self):
        out = os.path.join(mfatest.tmpdir(), "out")
        code, _, stderr = mfatest.run(BIN, "plan", "--from-csv", sample("graph-peruser-state.csv"),
                                      "--what-if", "--out", out)
        self.assertNotEqual(code, 0)
        self.assertEqual(len(stderr.strip().splitlines()), 1, stderr)
        self.assertIn("--from-csv", stderr)
        self.assertFalse(os.path.exists(os.path.join(out, "users.csv")))


if __name__ == "__main__":
    BIN = sys.argv[1]
    emu_harness.EXE = os.path.abspath(sys.argv[2])
    SAMPLES = sys.argv[3]
    unittest.main(argv=sys.argv[:1], verbosity=2)
