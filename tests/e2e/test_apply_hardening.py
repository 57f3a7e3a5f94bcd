"""End to end, issue 11: apply and rollback under a full disk, after
failures, against forgeries, on a second Ctrl-C, and with a plan line the
reader must accept. End states are proven by the emulator's own dump.

usage: test_apply_hardening.py MFA_MIGRATE_BINARY GRAPH_EMULATOR_BINARY
"""
import csv
import hashlib
import io
import json
import os
import shutil
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


def mfa(emu, *args):
    return mfatest.live(BIN, emu, *args)


def make_plan(emu, *extra):
    out = os.path.join(mfatest.tmpdir(), "plan")
    code, _, stderr = mfa(emu, "plan", "--out", out, "-q", "--no-require-ca-coverage", *extra)
    assert code == 0, stderr
    return os.path.join(out, "plan.jsonl")


def plan_lines(path):
    lines = open(path).read().splitlines()
    return json.loads(lines[0]), [json.loads(l) for l in lines[1:-1]]


def expected_after(before, plan_path):
    _, users = plan_lines(plan_path)
    want = dict(before)
    for u in users:
        if u["action"] == "disable":
            want[u["id"]] = "disabled"
    return want


def journal_lines(path):
    return [json.loads(l) for l in open(path).read().splitlines()]


def export_tenant(users, seed):
    """A generated tenant as users.csv, for emulators that must hold the same one."""
    path = os.path.join(mfatest.tmpdir(), "tenant.csv")
    subprocess.run([emu_harness.EXE, "--users", str(users), "--seed", str(seed), "--export-csv", path,
                    "--no-serve"], check=True, capture_output=True)
    return path


class LongLine(unittest.TestCase):
    def test_100kb_display_name(self):
        """plan never writes a line apply's reader refuses: a 100 KB display
        name is cut in plan.jsonl (users.csv keeps it whole), and apply runs."""
        with open(export_tenant(50, 41), newline="") as f:
            rows = list(csv.DictReader(f))
        victim = next(r for r in rows if r["perUserMfaState"] == "enforced" and r["userType"] == "member")
        victim["displayName"] = "\u00e9" * (50 * 1024)  # 100 KB of UTF-8
        tenant = os.path.join(mfatest.tmpdir(), "tenant.csv")
        with open(tenant, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            w.writeheader()
            w.writerows(rows)
        with Emulator("--tenant-csv", tenant) as emu:
            before = emu.state()
            plan = make_plan(emu)
            longest = max(len(l) for l in open(plan, "rb").read().split(b"\n"))
            self.assertLess(longest, 64 * 1024)
            _, users = plan_lines(plan)
            mine = next(u for u in users if u["id"] == victim["id"])
            self.assertEqual(mine["action"], "disable")
            self.assertEqual(mine["displayName"], "\u00e9" * 512)
            users_csv = mfatest.read_csv(os.path.join(os.path.dirname(plan), "users.csv"))
            self.assertEqual(next(r for r in users_csv if r["id"] == victim["id"])["displayName"],
                             victim["displayName"])
            code, _, stderr = mfa(emu, "apply", plan, "--yes", "--out",
                                  os.path.join(mfatest.tmpdir(), "apply"))
            self.assertEqual(code, 0, stderr)
            self.assertEqual(emu.state(), expected_after(before, plan))
            self.assertEqual(emu.state()[victim["id"]], "disabled")


class ResumeFailed(unittest.TestCase):
    def test_resume_retries_failed(self):
        """After a lost network (--attempts 1 against failing Graph), --resume
        tries every `failed` user again (compare-and-set) and ends with every
        planned user disabled; --no-retry-failed leaves them as they are."""
        tenant = export_tenant(1500, 43)
        with Emulator("--tenant-csv", tenant) as emu:
            plan = make_plan(emu)
            before = emu.state()
        want = expected_after(before, plan)
        out = os.path.join(mfatest.tmpdir(), "apply")
        journal = os.path.join(out, "journal.jsonl")
        with Emulator("--tenant-csv", tenant, "--fail-5xx", "0.25", "--seed", "43",
                      "--time-scale", "50") as emu:
            code, _, stderr = mfa(emu, "apply", plan, "--yes", "--out", out, "--attempts", "1",
                                  "--no-verify")
            self.assertEqual(code, 4, stderr)
            now = os.path.join(mfatest.tmpdir(), "tenant-now.csv")
            with open(now, "w") as f:
                f.write(emu.request("GET", "/_emulator/export", token=False).body)
        failed = {e["id"] for e in journal_lines(journal)[1:]
                  if e["event"] == "outcome" and e["outcome"] == "failed"}
        self.assertGreater(len(failed), 10)
        # the network is back: the same tenant, as the failing run left it
        with Emulator("--tenant-csv", now) as emu:
            self.assertNotEqual(emu.state(), want)
            code, _, stderr = mfa(emu, "apply", plan, "--yes", "--resume", journal,
                                  "--no-retry-failed", "--no-verify")
            self.assertEqual(code, 4, stderr)  # today's behaviour, on request
            after = emu.state()
            for uid in failed:
                self.assertEqual(after[uid], before[uid], uid)
            self.assertEqual(emu.stats()["writes"], 0)
            code, _, stderr = mfa(emu, "apply", plan, "--yes", "--resume", journal)
            self.assertEqual(code, 0, stderr)
            self.assertEqual(emu.state(), want)
            self.assertLessEqual(emu.stats()["maxWritesPerUser"], 1, "a user was written twice")
            self.assertLessEqual(set(emu.stats()["writesPerUser"]), failed)
        rows = mfatest.read_csv(os.path.join(out, "results.csv"))
        _, users = plan_lines(plan)
        self.assertEqual(sorted(int(r["seq"]) for r in rows), [u["seq"] for u in users])
        self.assertNotIn("failed", {r["outcome"] for r in rows})


def recrc(lines):
    """Recomputes a plan's trailer (count and CRC) after an edit."""
    body = "".join(lines[:-1]).encode()
    t = json.loads(lines[-1])
    t["count"] = len(lines) - 2
    t["crc32"] = "%08x" % zlib.crc32(body)
    lines[-1] = json.dumps(t, separators=(",", ":")) + "\n"
    return lines


def write_lines(lines):
    path = os.path.join(mfatest.tmpdir(), "plan.jsonl")
    with open(path, "w") as f:
        f.write("".join(lines))
    return path


class Forgeries(unittest.TestCase):
    def setUp(self):
        self.tenant = export_tenant(300, 44)
        self.emu = Emulator("--tenant-csv", self.tenant)
        self.before = self.emu.state()

    def tearDown(self):
        self.assertEqual(self.emu.state(), self.before, "a refused run changed the tenant")
        if not getattr(self, "expect_writes", False):
            self.assertEqual(self.emu.stats()["writes"], 0)
        self.emu.stop()

    def refused(self, *args, needle):
        out = os.path.join(mfatest.tmpdir(), "run")
        code, _, stderr = mfa(self.emu, *args, "--yes", "--out", out)
        self.assertEqual(code, 1, stderr)
        self.assertIn(needle, stderr)
        self.assertFalse(os.path.exists(os.path.join(out, "journal.jsonl")))
        return stderr

    def test_export_plan_with_a_tenant_id(self):
        out = os.path.join(mfatest.tmpdir(), "plan")
        code, _, stderr = mfa(self.emu, "plan", "--from-csv", self.tenant, "--out", out, "-q")
        self.assertEqual(code, 0, stderr)
        with open(os.path.join(out, "plan.jsonl")) as f:
            lines = f.read().splitlines(keepends=True)
        h = json.loads(lines[0])
        self.assertEqual(h["source"]["kind"], "csv")
        h["tenantId"] = TENANT
        lines[0] = json.dumps(h, separators=(",", ":")) + "\n"
        self.refused("apply", write_lines(recrc(lines)), needle="planned from an export")


    def test_held_lines_flipped_to_disable(self):
        """The reviewer approved the plan's SHA-256: a plan whose held lines
        were flipped to disable (counts and CRC recomputed) is refused."""
        plan = make_plan(self.emu, "--hold-admins", "--skip-guests")
        with open(plan, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        out = os.path.dirname(plan)
        with open(os.path.join(out, "plan.jsonl.sha256")) as f:
            self.assertEqual(f.read(), "%s  plan.jsonl\n" % digest)
        with open(os.path.join(out, "summary.json")) as f:
            self.assertEqual(json.load(f)["planSha256"], digest)
        with open(plan) as f:
            lines = f.read().splitlines(keepends=True)
        h = json.loads(lines[0])
        flipped = 0
        for i in range(1, len(lines) - 1):
            u = json.loads(lines[i])
            if u["action"] == "hold" and u["from"] in ("enabled", "enforced"):
                u.update(action="disable", to="disabled", reason=None)
                lines[i] = json.dumps(u, separators=(",", ":")) + "\n"
                flipped += 1
        self.assertGreater(flipped, 0)
        h["counts"]["hold"] -= flipped
        h["counts"]["disable"] += flipped
        lines[0] = json.dumps(h, separators=(",", ":")) + "\n"
        self.refused("apply", write_lines(recrc(lines)), "--plan-sha256", digest,
                     needle="is not the reviewed plan")
        # the reviewed one runs
        code, _, stderr = mfa(self.emu, "apply", plan, "--yes", "--plan-sha256", digest.upper(),
                              "--out", os.path.join(mfatest.tmpdir(), "apply"))
        self.assertEqual(code, 0, stderr)
        self.before = expected_after(self.before, plan)
        self.expect_writes = True


    def test_forged_journal(self):
        """rollback accepts only a journal an apply of an existing plan wrote;
        anything else is refused before any request."""
        plan = make_plan(self.emu)
        out = os.path.join(mfatest.tmpdir(), "apply")
        code, _, stderr = mfa(self.emu, "apply", plan, "--yes", "--out", out, "--max-changes", "5")
        self.assertEqual(code, 0, stderr)
        self.before = self.emu.state()
        journal = journal_lines(os.path.join(out, "journal.jsonl"))
        head, body = journal[0], journal[1:]
        changed = [e for e in body if e["event"] == "outcome" and e["outcome"] == "changed"]
        self.assertEqual(len(changed), 5)
        _, users = plan_lines(plan)
        kept = [u for u in users if u["action"] != "disable"]

        def forged(h, lines):
            path = os.path.join(mfatest.tmpdir(), "journal.jsonl")
            with open(path, "w") as f:
                f.write("".join(json.dumps(l, separators=(",", ":")) + "\n" for l in [h] + lines))
            return path

        writes = self.emu.stats()["writes"]
        # the forgery: plan nowhere.jsonl, CRC 0, no intents, a seq twice
        never = dict(changed[0], seq=kept[0]["seq"], id=kept[0]["id"],
                     userPrincipalName=kept[0]["userPrincipalName"], **{"from": "enforced"})
        h = dict(head, plan="nowhere.jsonl", planCrc32="00000000")
        self.refused("rollback", forged(h, [never, never]), needle="nowhere.jsonl")
        # the real plan named, but lines no apply wrote
        self.refused("rollback", forged(head, [never]), needle="not one the plan changes")
        no_intents = [e for e in body if e["event"] != "intent"]
        self.refused("rollback", forged(head, no_intents), needle="without an intent line")
        self.refused("rollback", forged(head, body + [changed[0]]), needle="two outcomes")
        self.refused("rollback", forged(dict(head, planCrc32="00000000"), body), needle="is not the plan")
        self.assertEqual(self.emu.stats()["writes"], writes)
        # the real journal, and --plan pointing at a moved plan, still roll back
        moved = os.path.join(mfatest.tmpdir(), "moved.jsonl")
        shutil.copy(plan, moved)
        code, _, stderr = mfa(self.emu, "rollback", forged(dict(head, plan="gone.jsonl"), body),
                              "--plan", moved, "--yes", "--out", os.path.join(mfatest.tmpdir(), "rb"))
        self.assertEqual(code, 0, stderr)
        self.expect_writes = True
        after = self.emu.state()
        for e in changed:  # back, or enforced by Graph (enabled and registered)
            self.assertIn(after[e["id"]], (e["from"], "enforced"))
        self.before = after

class SecondCtrlC(unittest.TestCase):
    def test_second_ctrl_c_does_not_wait_for_hung_requests(self):
        """The first Ctrl-C waits for requests in flight; with answers hung
        for 300 s, a second one ends the run at once: exit 130, and the
        journal resumes to the planned end state."""
        tenant = export_tenant(400, 45)
        with Emulator("--tenant-csv", tenant) as emu:
            plan = make_plan(emu)
            before = emu.state()
        want = expected_after(before, plan)
        out = os.path.join(mfatest.tmpdir(), "apply")
        journal = os.path.join(out, "journal.jsonl")
        with Emulator("--tenant-csv", tenant, "--slow", "0.3", "--slow-seconds", "300",
                      "--seed", "45") as emu:
            p = subprocess.Popen([BIN, "apply", plan, "--yes", "--out", out, "--workers", "4",
                                  "--timeout", "600", "--graph-url", emu.base, "--login-url", emu.base],
                                 env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 stdin=subprocess.DEVNULL, text=True)
            deadline = time.monotonic() + 60
            # under way (the journal is there) and an answer is hung
            while time.monotonic() < deadline and p.poll() is None and not (
                    os.path.exists(journal) and emu.stats()["faults"].get("slow", 0) > 0):
                time.sleep(0.01)
            self.assertTrue(os.path.exists(journal))
            self.assertGreater(emu.stats()["faults"].get("slow", 0), 0)
            p.send_signal(signal.SIGINT)
            # hung answers hold the first Ctrl-C (they are 300 s long)
            with self.assertRaises(subprocess.TimeoutExpired):
                p.wait(2)
            t0 = time.monotonic()
            p.send_signal(signal.SIGINT)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                self.fail("a second Ctrl-C did not stop the run")
            stderr = p.stderr.read()
            p.stderr.close()
            self.assertEqual(p.returncode, 130, stderr)
            self.assertLess(time.monotonic() - t0, 10)
            now = os.path.join(mfatest.tmpdir(), "tenant-now.csv")
            with open(now, "w") as f:
                f.write(emu.request("GET", "/_emulator/export", token=False).body)
        with Emulator("--tenant-csv", now) as emu:
            code, _, stderr = mfa(emu, "apply", plan, "--yes", "--resume", journal)
            self.assertEqual(code, 0, stderr)
            self.assertEqual(emu.state(), want)


class TmpfsFolder:
    """A tmpfs of `kib` KiB mounted on a new folder (root only)."""

    def __init__(self, kib):
        self.path = mfatest.tmpdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dk,mode=0700" % kib, "tmpfs", self.path],
                       check=True, capture_output=True)

    def __enter__(self):
        return self.path

    def __exit__(self, *exc):
        subprocess.run(["umount", self.path], check=True, capture_output=True)


def can_mount():
    if os.geteuid() != 0:
        return "not root: mounting the small tmpfs folders needs root (CI runs as root)"
    try:
        with TmpfsFolder(32):
            pass
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        return "cannot mount tmpfs here: %s" % getattr(e, "stderr", e)
    return None


class DiskFull(unittest.TestCase):
    def test_journal_cannot_be_written(self):
        """A disk that fills at any point of an apply stops it cleanly: exit 1,
        one message naming the file and the error, no crash (ASan in CI), and
        the journal left behind resumes to the planned end state."""
        why = can_mount()
        if why:
            self.skipTest(why)
        with Emulator("--users", 1200, "--seed", 42, "--latency-ms", "2") as emu:
            before = emu.state()
            plan = make_plan(emu)
            want = expected_after(before, plan)
            seen_journal_failure = roomy_enough = False
            for kib in range(32, 2048, 24):
                with self.subTest(kib=kib):
                    self.assertEqual(emu.request("POST", "/_emulator/reset", token=False).status, 200)
                    self.assertEqual(emu.state(), before)
                    with TmpfsFolder(kib) as mnt:
                        out = os.path.join(mnt, "apply")
                        code, stdout, stderr = mfa(emu, "apply", plan, "--yes", "--out", out,
                                                   "--workers", "4")
                        self.assertNotIn("AddressSanitizer", stderr)
                        self.assertNotIn("runtime error", stderr)
                        if code == 0:
                            roomy_enough = True
                            self.assertEqual(emu.state(), want)
                            break  # the sizes above change nothing
                        self.assertEqual(code, 1, stderr)
                        lines = [l for l in stderr.splitlines() if "error:" in l]
                        self.assertEqual(len(lines), 1, stderr)
                        # names the file; the journal's also errno's text
                        self.assertRegex(lines[0], r"error: .*'%s/[^']+'.*: .+" % mnt)
                        if "journal" in lines[0]:
                            self.assertRegex(lines[0], r"cannot write journal '%s/apply/journal.jsonl': "
                                             r"No space left on device$" % mnt)
                        if os.environ.get("MFA_TEST_DEBUG"):
                            print(kib, lines[0], file=sys.stderr)
                        journal = os.path.join(out, "journal.jsonl")
                        if not os.path.exists(journal):
                            continue  # the journal's header did not fit: nothing was sent
                        seen_journal_failure |= "journal" in lines[0]
                        roomy = os.path.join(mfatest.tmpdir(), "apply")
                        shutil.copytree(out, roomy)
                    code, _, stderr = mfa(emu, "apply", plan, "--yes", "--resume",
                                          os.path.join(roomy, "journal.jsonl"))
                    self.assertEqual(code, 0, stderr)
                    self.assertEqual(emu.state(), want)
            self.assertTrue(seen_journal_failure, "no size made the journal itself fail")
            self.assertTrue(roomy_enough, "no size was roomy enough for the whole run")


if __name__ == "__main__":
    BIN = sys.argv[1]
    emu_harness.EXE = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
