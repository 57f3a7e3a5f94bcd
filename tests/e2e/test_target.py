"""End to end: plan --target enabled|enforced with --select / --only, the
guardrail holds, apply and rollback in every direction, and plan files
edited against their header, against graph-emulator (real binary; end
states read from /_emulator/state).

usage: test_target.py MFA_MIGRATE_BINARY GRAPH_EMULATOR_BINARY
"""
import csv
import json
import os
import sys
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
import emu_harness  # noqa: E402
import mfatest  # noqa: E402
from emu_harness import Emulator  # noqa: E402

BIN = None

# One enabled policy requiring MFA of everyone, for every app and client:
# the coverage evaluator says `covered` for every user.
CA_ALL = {"policies": [{
    "id": "00000000-0000-0000-0000-0000000000a1", "displayName": "Require MFA for all users",
    "state": "enabled",
    "conditions": {"users": {"includeUsers": ["All"]},
                   "applications": {"includeApplications": ["All"]},
                   "clientAppTypes": ["all"]},
    "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}]}


def mfa(emu, *args):
    return mfatest.live(BIN, emu, *args)


def plan(emu, *extra):
    out = os.path.join(mfatest.tmpdir(), "plan")
    code, _, stderr = mfa(emu, "plan", "--out", out, "--no-require-ca-coverage", *extra)
    assert code == 0, stderr
    path = os.path.join(out, "plan.jsonl")
    with open(path) as f:
        lines = f.read().splitlines()
    return path, json.loads(lines[0]), [json.loads(l) for l in lines[1:-1]], stderr


def registered(emu):
    """{id: True/False} from the emulator's own export."""
    rows = csv.DictReader(emu.request("GET", "/_emulator/export", token=False).body.splitlines())
    return {r["id"]: r["isMfaRegistered"] == "true" for r in rows}


def apply(emu, path, *extra):
    out = os.path.join(mfatest.tmpdir(), "apply")
    code, stdout, stderr = mfa(emu, "apply", path, "--yes", "--out", out, *extra)
    return code, out, stderr


def summary(out):
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)


def recrc(lines):
    """Recomputes a plan's trailer after an edit, as a forger would."""
    body = "".join(lines[:-1]).encode()
    t = json.loads(lines[-1])
    t["count"] = len(lines) - 2
    t["crc32"] = "%08x" % zlib.crc32(body)
    lines[-1] = json.dumps(t, separators=(",", ":")) + "\n"
    return lines


def write_fixture(obj):
    path = os.path.join(mfatest.tmpdir(), "ca.json")
    with open(path, "w") as f:
        json.dump(obj, f)
    return path


class Target(unittest.TestCase):
    def test_enforce_stuck_enabled_then_rollback(self):
        with Emulator("--users", 800, "--seed", 31) as emu:
            before = emu.state()
            reg = registered(emu)
            stuck = {u for u, s in before.items() if s == "enabled" and reg[u]}
            self.assertGreater(len(stuck), 5)
            path, head, users, _ = plan(emu, "--target", "enforced", "--select", "stuck-enabled")
            self.assertEqual(head["target"], "enforced")
            self.assertEqual({u["id"] for u in users if u["action"] == "enforce"}, stuck)
            self.assertEqual({u["action"] for u in users}, {"enforce", "keep"})
            self.assertEqual(head["counts"]["enforce"], len(stuck))
            # the reviewer's copies list them too: plan.csv and the Plan sheet
            rows = mfatest.read_csv(os.path.join(os.path.dirname(path), "plan.csv"))
            self.assertEqual({r["id"] for r in rows}, stuck)
            self.assertEqual({(r["action"], r["targetState"]) for r in rows}, {("enforce", "enforced")})
            sheets, _ = mfatest.xlsx_sheets(os.path.join(os.path.dirname(path), "report.xlsx"))
            self.assertEqual(sheets["Plan"], len(stuck) + 1)
            for u in users:
                self.assertEqual(u["to"], "enforced" if u["id"] in stuck else u["from"])
                self.assertNotIn("expect", u)
            # without a terminal and without --yes: refused, nothing sent
            code, _, stderr = mfa(emu, "apply", path)
            self.assertEqual(code, 2, stderr)
            self.assertIn("--yes", stderr)
            self.assertEqual(emu.state(), before)
            code, out, stderr = apply(emu, path)
            self.assertEqual(code, 0, stderr)
            self.assertIn("ENFORCE per-user MFA for %d users" % len(stuck), stderr)
            after = emu.state()
            want = dict(before)
            want.update({u: "enforced" for u in stuck})
            self.assertEqual(after, want)
            r = summary(out)
            self.assertEqual(r["outcomes"]["changed"], len(stuck))
            self.assertEqual(r["verify"]["atTarget"], len(stuck))
            rb = os.path.join(mfatest.tmpdir(), "rollback")
            code, _, stderr = mfa(emu, "rollback", os.path.join(out, "journal.jsonl"), "--yes",
                                  "--out", rb)
            self.assertEqual(code, 0, stderr)
            # Back as before, as far as Graph allows: a registered user set
            # to enabled is enforced at once (Graph's rule), and the
            # rollback reports them so, not as a failure.
            after = emu.state()
            self.assertEqual({u: s for u, s in after.items() if u not in stuck},
                             {u: s for u, s in before.items() if u not in stuck})
            self.assertEqual({after[u] for u in stuck}, {"enforced"})
            r = summary(rb)
            self.assertEqual(r["outcomes"]["changed"], len(stuck))
            self.assertEqual(r["verify"]["enforcedByGraph"], len(stuck))
            self.assertEqual(r["verify"]["atOtherState"], 0)

    def test_enable_registered_becomes_enforced(self):
        with Emulator("--users", 600, "--seed", 32) as emu:
            before = emu.state()
            reg = registered(emu)
            path, head, users, _ = plan(emu, "--target", "enabled", "--select", "disabled",
                                        "--skip-guests")
            chosen = {u["id"]: u for u in users if u["action"] == "enable"}
            yes = {u for u in chosen if reg[u]}
            no = set(chosen) - yes
            self.assertTrue(yes and no, "the tenant needs registered and unregistered disabled users")
            for uid, u in chosen.items():
                self.assertEqual((u["from"], u["to"]), ("disabled", "enabled"))
                if uid in yes:
                    self.assertEqual(u["expect"], "enforced")
                else:
                    self.assertNotIn("expect", u)
            # the canary reads every write back: enforced is done, not a failure
            code, out, stderr = apply(emu, path, "--canary", "20")
            self.assertEqual(code, 0, stderr)
            self.assertIn("ENABLE per-user MFA for %d users" % len(chosen), stderr)
            after = emu.state()
            for uid, was in before.items():
                want = "enforced" if uid in yes else "enabled" if uid in no else was
                self.assertEqual(after[uid], want, uid)
            r = summary(out)
            self.assertEqual(r["outcomes"]["changed"], len(chosen))
            self.assertEqual(r["outcomes"]["failed"], 0)
            self.assertEqual(r["outcomes"]["drifted"], 0)
            self.assertEqual(r["verify"]["enforcedByGraph"], len(yes))
            self.assertEqual(r["verify"]["atTarget"], len(no))
            self.assertEqual(r["verify"]["atOtherState"], 0)
            # resume: users left "in doubt" (an intent, no outcome) whom Graph
            # enforced are read back as changed, never drifted or written again
            journal = os.path.join(out, "journal.jsonl")
            writes = emu.stats()["writes"]
            with open(journal) as f:
                lines = f.read().splitlines(keepends=True)
            doubt = [l for l in lines[1:] if json.loads(l)["event"] == "outcome"
                     and json.loads(l)["id"] in yes][:10]
            self.assertEqual(len(doubt), 10)
            with open(journal, "w") as f:
                f.write("".join(l for l in lines if l not in doubt))
            code, _, stderr = mfa(emu, "apply", path, "--yes", "--resume", journal)
            self.assertEqual(code, 0, stderr)
            self.assertEqual(emu.stats()["writes"], writes)
            r = summary(out)
            self.assertEqual(r["outcomes"]["changed"], len(chosen))
            self.assertEqual(r["outcomes"]["drifted"], 0)
            # back: the users Graph enforced too
            code, _, stderr = mfa(emu, "rollback", os.path.join(out, "journal.jsonl"), "--yes")
            self.assertEqual(code, 0, stderr)
            self.assertEqual(emu.state(), before)

    def test_enforced_to_enabled_is_a_plain_change(self):
        with Emulator("--users", 600, "--seed", 33) as emu:
            before = emu.state()
            reg = registered(emu)
            path, _, users, _ = plan(emu, "--target", "enabled", "--select", "enforced-not-registered")
            chosen = {u["id"] for u in users if u["action"] == "enable"}
            self.assertTrue(chosen)
            self.assertEqual(chosen, {u for u, s in before.items() if s == "enforced" and not reg[u]})
            code, out, stderr = apply(emu, path)
            self.assertEqual(code, 0, stderr)
            after = emu.state()
            self.assertEqual({u for u in chosen if after[u] == "enabled"}, chosen)
            self.assertEqual(summary(out)["verify"]["atTarget"], len(chosen))

    def test_conditional_access_holds(self):
        fixture = write_fixture(CA_ALL)
        with Emulator("--users", 400, "--seed", 34, "--ca-fixture", fixture, "--app-permissions",
                      "User.Read.All,Policy.Read.All,AuditLog.Read.All,"
                      "Policy.ReadWrite.AuthenticationMethod,GroupMember.Read.All,"
                      "RoleManagement.Read.Directory") as emu:
            before = emu.state()
            _, _, users, stderr = plan(emu, "--target", "enabled")
            moving = [u for u in users if u["from"] in ("disabled", "enforced")]
            self.assertTrue(moving)
            self.assertEqual({u["action"] for u in users}, {"keep", "hold"})
            for u in moving:
                self.assertEqual((u["action"], u["reason"]), ("hold", "uses-conditional-access"), u)
            self.assertIn("uses-conditional-access", stderr)
            # with the override: changed
            path, _, users, _ = plan(emu, "--target", "enabled", "--despite-conditional-access",
                                     "--select", "disabled")
            chosen = {u["id"] for u in users if u["action"] == "enable"}
            self.assertTrue(chosen)
            code, out, stderr = apply(emu, path)
            self.assertEqual(code, 0, stderr)
            after = emu.state()
            for uid in chosen:
                self.assertIn(after[uid], ("enabled", "enforced"))
            self.assertEqual({u for u in before if after[u] != before[u]}, chosen)

    def test_security_defaults_hold(self):
        fixture = write_fixture({"securityDefaults": {"isEnabled": True}})
        with Emulator("--users", 300, "--seed", 35, "--ca-fixture", fixture) as emu:
            _, _, users, _ = plan(emu, "--target", "enforced", "--allow-unregistered")
            held = [u for u in users if u["action"] != "keep"]
            self.assertTrue(held)
            self.assertEqual({u["reason"] for u in held}, {"uses-conditional-access"})

    def test_conditional_access_unread_holds(self):
        with Emulator("--users", 300, "--seed", 36) as emu:
            out = os.path.join(mfatest.tmpdir(), "plan")
            code, _, stderr = mfa(emu, "plan", "--out", out, "--target", "enforced", "--no-ca")
            self.assertEqual(code, 0, stderr)
            self.assertIn("without Conditional Access data", stderr)
            self.assertIn("held 'ca-unknown'", stderr)
            with open(os.path.join(out, "plan.jsonl")) as f:
                lines = f.read().splitlines()
            users = [json.loads(l) for l in lines[1:-1]]
            held = [u for u in users if u["action"] != "keep"]
            self.assertTrue(held)
            self.assertNotIn("enforce", {u["action"] for u in users})
            n = sum(u["reason"] == "ca-unknown" for u in users)
            self.assertGreater(n, 0)
            self.assertEqual(summary(out)["byHoldReason"]["ca-unknown"], n)

    def test_enforce_only_list_holds_unregistered(self):
        with Emulator("--users", 500, "--seed", 37) as emu:
            before = emu.state()
            reg = registered(emu)
            pick = [u for u, s in before.items() if s != "enforced"][:40]
            self.assertTrue(any(reg[u] for u in pick) and any(not reg[u] for u in pick))
            only = os.path.join(mfatest.tmpdir(), "only.txt")
            with open(only, "w") as f:
                f.write("\n".join(pick) + "\n")
            _, _, users, stderr = plan(emu, "--target", "enforced", "--only", only)
            by_id = {u["id"]: u for u in users}
            for uid in pick:
                u = by_id[uid]
                if reg[uid]:
                    self.assertEqual(u["action"], "enforce", u)
                else:
                    self.assertEqual((u["action"], u["reason"]), ("hold", "unregistered"), u)
            for u in users:
                if u["id"] not in pick and u["from"] != "enforced":
                    self.assertEqual(u["reason"], "not-in-only-list")
            self.assertIn("held 'unregistered'", stderr)
            path, _, users, _ = plan(emu, "--target", "enforced", "--only", only, "--allow-unregistered")
            self.assertEqual({u["id"] for u in users if u["action"] == "enforce"}, set(pick))
            code, _, stderr = apply(emu, path)
            self.assertEqual(code, 0, stderr)
            after = emu.state()
            self.assertEqual({u for u in before if after[u] != before[u]}, set(pick))
            self.assertEqual({after[u] for u in pick}, {"enforced"})


class EditedPlans(unittest.TestCase):
    """A plan edited against its header is refused, CRC recomputed or not."""

    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator("--users", 200, "--seed", 38)
        cls.before = cls.emu.state()
        cls.path, cls.head, cls.users, _ = plan(cls.emu)
        with open(cls.path) as f:
            cls.lines = f.read().splitlines(keepends=True)

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def tearDown(self):
        self.assertEqual(self.emu.state(), self.before, "a refused plan changed the tenant")
        self.assertEqual(self.emu.stats()["writes"], 0)

    def first_disable(self):
        return next(i for i, u in enumerate(self.users, 1) if u["action"] == "disable")

    def refused(self, lines, needle):
        path = os.path.join(mfatest.tmpdir(), "plan.jsonl")
        with open(path, "w") as f:
            f.write("".join(lines))
        code, out, stderr = apply(self.emu, path)
        self.assertEqual(code, 1, stderr)
        self.assertIn(needle, stderr)
        self.assertEqual(len(stderr.strip().splitlines()), 1, stderr)
        self.assertFalse(os.path.exists(os.path.join(out, "journal.jsonl")))
        return path, stderr

    def test_default_plan_is_todays_format(self):
        self.assertEqual(self.head["target"], "disabled")
        self.assertEqual(list(self.head["counts"]),
                         ["users", "disable", "keep", "hold", "inputRows", "badRows"])
        self.assertFalse(any("expect" in u for u in self.users))
        self.assertEqual({u["action"] for u in self.users} - {"disable", "keep", "hold"}, set())

    def test_line_to_enforced_with_crc(self):
        i = self.first_disable()
        lines = list(self.lines)
        lines[i] = lines[i].replace('"action":"disable"', '"action":"enforce"').replace(
            '"to":"disabled"', '"to":"enforced"')
        path, stderr = self.refused(recrc(lines), "the plan's header says its target is 'disabled'")
        self.assertIn("%s:%d:" % (path, i + 1), stderr)

    def test_line_to_enforced_without_crc(self):
        i = self.first_disable()
        lines = list(self.lines)
        lines[i] = lines[i].replace('"to":"disabled"', '"to":"enforced"')
        path, stderr = self.refused(lines, "target is 'disabled'")
        self.assertIn("%s:%d:" % (path, i + 1), stderr)
        path, stderr = self.refused(recrc(lines), "target is 'disabled'")
        self.assertIn("%s:%d:" % (path, i + 1), stderr)

    def test_header_to_enforced_with_crc(self):
        lines = list(self.lines)
        lines[0] = lines[0].replace('"target":"disabled"', '"target":"enforced"')
        i = self.first_disable()
        path, stderr = self.refused(recrc(lines), "target is 'enforced'")
        self.assertIn("%s:%d:" % (path, i + 1), stderr)

    def test_keep_line_moved_with_crc(self):
        i = next(i for i, u in enumerate(self.users, 1) if u["action"] == "keep")
        lines = list(self.lines)
        lines[i] = lines[i].replace('"to":"disabled"', '"to":"enforced"')
        path, stderr = self.refused(recrc(lines), "a keep line must stay at 'disabled'")
        self.assertIn("%s:%d:" % (path, i + 1), stderr)

    def test_expect_on_a_disable_line(self):
        i = self.first_disable()
        lines = list(self.lines)
        lines[i] = lines[i].replace('"to":"disabled"', '"to":"disabled","expect":"enforced"')
        self.refused(recrc(lines), "\"expect\" may only be 'enforced' on a line to enabled")


class OldPlans(unittest.TestCase):
    def test_header_without_target_is_disabled(self):
        with Emulator("--users", 200, "--seed", 39) as emu:
            before = emu.state()
            path, _, users, _ = plan(emu)
            with open(path) as f:
                lines = f.read().splitlines(keepends=True)
            lines[0] = lines[0].replace('"target":"disabled",', "")
            self.assertNotIn("target", lines[0])
            old = os.path.join(mfatest.tmpdir(), "plan.jsonl")
            with open(old, "w") as f:
                f.write("".join(recrc(lines)))
            code, out, stderr = apply(emu, old)
            self.assertEqual(code, 0, stderr)
            self.assertIn("DISABLE per-user MFA for", stderr)
            want = dict(before)
            want.update({u["id"]: "disabled" for u in users if u["action"] == "disable"})
            self.assertEqual(emu.state(), want)


if __name__ == "__main__":
    BIN = sys.argv[1]
    emu_harness.EXE = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
