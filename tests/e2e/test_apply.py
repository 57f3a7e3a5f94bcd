"""End to end: plan -> apply -> (crash -> resume) -> rollback against
graph-emulator, with the end states proven by the emulator's own dump.

usage: test_apply.py MFA_MIGRATE_BINARY GRAPH_EMULATOR_BINARY
"""
import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
import emu_harness  # noqa: E402
import mfatest  # noqa: E402
from emu_harness import CLIENT, SECRET, TENANT, Emulator  # noqa: E402

BIN = None


env = mfatest.live_env


def mfa(emu, *args, stdin=subprocess.DEVNULL):
    return mfatest.live(BIN, emu, *args, stdin=stdin)


def make_plan(emu, *extra):
    out = os.path.join(mfatest.tmpdir(), "plan")
    code, stdout, stderr = mfa(emu, "plan", "--out", out, "-q", "--no-require-ca-coverage", *extra)
    assert code == 0, stderr
    return os.path.join(out, "plan.jsonl")


def plan_lines(path):
    lines = open(path).read().splitlines()
    return json.loads(lines[0]), [json.loads(l) for l in lines[1:-1]]


def expected_after(before, plan_path):
    """The state the plan says every user must end in."""
    _, users = plan_lines(plan_path)
    want = dict(before)
    for u in users:
        if u["action"] == "disable":
            want[u["id"]] = "disabled"
    return want


def results(out):
    return json.load(open(os.path.join(out, "summary.json")))


def journal_outcomes(path):
    seqs = {}
    for line in open(path).read().splitlines()[1:]:
        e = json.loads(line)
        if e["event"] == "outcome":
            assert e["seq"] not in seqs, "two outcomes for user %d" % e["seq"]
            seqs[e["seq"]] = e["outcome"]
    return seqs


class Apply(unittest.TestCase):
    def test_plan_apply_rollback(self):
        with Emulator("--users", 2000, "--seed", 21) as emu:
            before = emu.state()
            plan = make_plan(emu, "--skip-guests")
            out = os.path.join(mfatest.tmpdir(), "apply")
            code, stdout, stderr = mfa(emu, "apply", plan, "--yes", "--out", out)
            self.assertEqual(code, 0, stderr)
            self.assertEqual(stdout.strip(), out)
            self.assertEqual(emu.state(), expected_after(before, plan))
            st = emu.stats()
            self.assertLessEqual(st["maxWritesPerUser"], 1)
            r = results(out)
            _, users = plan_lines(plan)
            n_disable = sum(u["action"] == "disable" for u in users)
            self.assertEqual(r["outcomes"]["changed"], n_disable)
            self.assertEqual(r["outcomes"]["held"], sum(u["action"] == "hold" for u in users))
            self.assertEqual(r["verify"]["atTarget"], n_disable)
            rows = mfatest.read_csv(os.path.join(out, "results.csv"))
            self.assertEqual(len(rows), len(users))  # every planned user, exactly one outcome
            sheets, _ = mfatest.xlsx_sheets(os.path.join(out, "results.xlsx"))
            self.assertEqual(sheets["Results"], len(users) + 1)
            self.assertIn("Summary", sheets)
            # Roll back: everyone changed goes back to exactly where they were,
            # except that Graph enforces registered users set to enabled.
            rb = os.path.join(mfatest.tmpdir(), "rollback")
            code, _, stderr = mfa(emu, "rollback", os.path.join(out, "journal.jsonl"), "--yes", "--out", rb)
            self.assertEqual(code, 0, stderr)
            after = emu.state()
            exported = {u["id"]: u for u in csv.DictReader(
                emu.request("GET", "/_emulator/export", token=False).body.splitlines())}
            enforced_by_graph = 0
            for uid, was in before.items():
                if after[uid] != was:
                    self.assertEqual((was, after[uid]), ("enabled", "enforced"), uid)
                    self.assertEqual(exported[uid]["isMfaRegistered"], "true")
                    enforced_by_graph += 1
            self.assertEqual(results(rb)["verify"]["enforcedByGraph"], enforced_by_graph)
            self.assertEqual(results(rb)["verify"]["atOtherState"], 0)

    def test_faults_same_end_state(self):
        with Emulator("--users", 1500, "--seed", 22, "--fail-5xx", "0.08", "--fail-429", "0.05",
                      "--drop", "0.04", "--token-ttl", "2", "--latency-ms", "20", "--time-scale", "50") as emu:
            before = emu.state()
            plan = make_plan(emu)
            out = os.path.join(mfatest.tmpdir(), "apply")
            code, _, stderr = mfa(emu, "apply", plan, "--yes", "--out", out, "--workers", "4")
            self.assertEqual(code, 0, stderr)
            self.assertEqual(emu.state(), expected_after(before, plan))
            self.assertGreater(sum(emu.stats()["faults"].values()), 0)
            self.assertLessEqual(emu.stats()["maxWritesPerUser"], 1,
                                 "a user was written twice")

    def test_kill_and_resume(self):
        for seed in (31, 32, 33):
            with self.subTest(seed=seed), Emulator("--users", 3000, "--seed", seed, "--latency-ms", "40") as emu:
                before = emu.state()
                plan = make_plan(emu)
                out = os.path.join(mfatest.tmpdir(), "apply")
                p = subprocess.Popen([BIN, "apply", plan, "--yes", "--out", out, "--workers", "2",
                                      "--graph-url", emu.base, "--login-url", emu.base],
                                     env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL)
                journal = os.path.join(out, "journal.jsonl")
                # Kill once the run is under way: after a random number of
                # journal lines, not after a guessed sleep.
                target = random.Random(seed).randint(5, 400)
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and p.poll() is None:
                    if os.path.exists(journal) and sum(1 for _ in open(journal)) >= target:
                        break
                    time.sleep(0.005)
                p.send_signal(signal.SIGKILL)
                p.wait()
                self.assertTrue(os.path.exists(journal))
                code, _, stderr = mfa(emu, "apply", plan, "--yes", "--resume", journal)
                self.assertEqual(code, 0, stderr)
                self.assertEqual(emu.state(), expected_after(before, plan))
                self.assertLessEqual(emu.stats()["maxWritesPerUser"], 1, "a user was written twice")
                outcomes = journal_outcomes(journal)
                _, users = plan_lines(plan)
                self.assertEqual(sorted(outcomes), [u["seq"] for u in users])

    def test_drift(self):
        with Emulator("--users", 800, "--seed", 23) as emu:
            before = emu.state()
            plan = make_plan(emu)
            _, users = plan_lines(plan)
            changing = [u for u in users if u["action"] == "disable"]
            drifted = changing[0]
            other = "enabled" if drifted["from"] == "enforced" else "enforced"
            already = changing[1]
            r = emu.request("POST", "/_emulator/set-state", token=False,
                            body=[{"id": drifted["id"], "perUserMfaState": other},
                                  {"id": already["id"], "perUserMfaState": "disabled"}])
            self.assertEqual(r.status, 200, r.body)
            out = os.path.join(mfatest.tmpdir(), "apply")
            code, _, stderr = mfa(emu, "apply", plan, "--yes", "--out", out)
            self.assertEqual(code, 0, stderr)
            rows = {r["id"]: r for r in mfatest.read_csv(os.path.join(out, "results.csv"))}
            self.assertEqual(rows[drifted["id"]]["outcome"], "drifted")
            self.assertEqual(rows[drifted["id"]]["observed"], other)
            self.assertEqual(rows[already["id"]]["outcome"], "already")
            self.assertEqual(emu.state()[drifted["id"]], other)  # left untouched
            self.assertNotIn(drifted["id"], emu.stats().get("writesPerUser", {}))

    def test_max_changes_and_canary(self):
        with Emulator("--users", 1000, "--seed", 24) as emu:
            before = emu.state()
            plan = make_plan(emu)
            out = os.path.join(mfatest.tmpdir(), "apply")
            code, _, stderr = mfa(emu, "apply", plan, "--yes", "--out", out, "--canary", "5",
                                  "--max-changes", "40")
            self.assertEqual(code, 0, stderr)
            self.assertEqual(emu.stats()["usersWritten"], 40)
            r = results(out)
            self.assertFalse(r["complete"])
            self.assertIn("max-changes", r["stopped"])
            code, _, stderr = mfa(emu, "apply", plan, "--yes", "--resume", os.path.join(out, "journal.jsonl"))
            self.assertEqual(code, 0, stderr)
            self.assertEqual(emu.state(), expected_after(before, plan))
            self.assertLessEqual(emu.stats()["maxWritesPerUser"], 1)

    def test_canary_failure_stops(self):
        with Emulator("--users", 600, "--seed", 25) as emu:
            before = emu.state()
            plan = make_plan(emu)
        # The same tenant, now failing every Graph call.
        with Emulator("--users", 600, "--seed", 25, "--fail-5xx", "1.0") as emu:
            out = os.path.join(mfatest.tmpdir(), "apply")
            code, _, stderr = mfa(emu, "apply", plan, "--yes", "--out", out, "--canary", "3",
                                  "--attempts", "1", "--no-verify")
            self.assertEqual(code, 4, stderr)
            self.assertIn("canary failed", stderr)
            self.assertEqual(emu.state(), before)
            r = results(out)
            self.assertEqual(r["outcomes"]["failed"], 3)
            self.assertEqual(r["outcomes"]["changed"], 0)


class Refusals(unittest.TestCase):
    def setUp(self):
        self.emu = Emulator("--users", 300, "--seed", 26)
        self.before = self.emu.state()
        self.plan = make_plan(self.emu)

    def tearDown(self):
        self.assertEqual(self.emu.state(), self.before, "a refused run changed the tenant")
        self.emu.stop()

    def refused(self, *args, needle, code=1):
        out = os.path.join(mfatest.tmpdir(), "apply")
        rc, _, stderr = mfa(self.emu, *args, "--out", out)
        self.assertEqual(rc, code, stderr)
        self.assertIn(needle, stderr)
        self.assertFalse(os.path.exists(os.path.join(out, "journal.jsonl")))

    def rewrite(self, edit):
        lines = open(self.plan).read().splitlines(keepends=True)
        lines = edit(lines)
        path = os.path.join(mfatest.tmpdir(), "plan.jsonl")
        open(path, "w").write("".join(lines))
        return path

    def test_no_terminal_no_yes(self):
        self.refused("apply", self.plan, needle="--yes", code=2)

    def test_edited(self):
        p = self.rewrite(lambda l: l[:1] + [l[1].replace('"action":"keep"', '"action":"hold"')
                                           .replace('"action":"disable"', '"action":"keep"')] + l[2:])
        self.refused("apply", p, "--yes", needle="changed after it was written")

    def test_truncated(self):
        self.refused("apply", self.rewrite(lambda l: l[:-2]), "--yes", needle="truncated")

    def test_stale(self):
        def age(lines):
            h = json.loads(lines[0])
            h["createdDateTime"] = "2020-01-01T00:00:00Z"
            lines[0] = json.dumps(h, separators=(",", ":")) + "\n"
            body = "".join(lines[:-1]).encode()
            t = json.loads(lines[-1])
            t["crc32"] = "%08x" % zlib.crc32(body)
            lines[-1] = json.dumps(t, separators=(",", ":")) + "\n"
            return lines
        self.refused("apply", self.rewrite(age), "--yes", needle="days ago")

    def test_other_tenant(self):
        other = Emulator("--users", 300, "--seed", 26, "--tenant-id", "11111111-2222-3333-4444-555555555555")
        try:
            e = env()
            e["AZURE_TENANT_ID"] = "11111111-2222-3333-4444-555555555555"
            out = os.path.join(mfatest.tmpdir(), "apply")
            p = subprocess.run([BIN, "apply", self.plan, "--yes", "--out", out, "--graph-url", other.base,
                                "--login-url", other.base], capture_output=True, text=True, env=e)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("belongs to tenant", p.stderr)
            self.assertEqual(other.stats()["writes"], 0)
        finally:
            other.stop()

    def test_damaged_journal_refused(self):
        out = os.path.join(mfatest.tmpdir(), "apply")
        code, _, stderr = mfa(self.emu, "apply", self.plan, "--yes", "--out", out, "--max-changes", "5")
        self.assertEqual(code, 0, stderr)
        self.before = self.emu.state()
        journal = os.path.join(out, "journal.jsonl")
        lines = open(journal).read().splitlines(keepends=True)
        open(journal, "w").write("".join(lines[:2] + ["garbage\n"] + lines[2:]))
        rc, _, stderr = mfa(self.emu, "apply", self.plan, "--yes", "--resume", journal)
        self.assertEqual(rc, 1, stderr)
        self.assertIn("damaged journal line", stderr)
        rc, _, stderr = mfa(self.emu, "rollback", journal, "--yes")
        self.assertEqual(rc, 1, stderr)
        self.assertIn("damaged journal line", stderr)


if __name__ == "__main__":
    BIN = sys.argv[1]
    emu_harness.EXE = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
