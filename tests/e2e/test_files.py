"""End to end: every file the tool writes, against a hostile local user and
a careless admin. Run as root (CI is): another uid (nobody) plants links in
a folder it can write, pointing at a root-only file; the tool must never
write through them, and must refuse such a folder unless --allow-shared-out.
Also: --history retention touches only what its manifest lists, and an
interrupted plan into an existing folder leaves no earlier plan.jsonl.

usage: test_files.py MFA_MIGRATE_BINARY GRAPH_EMULATOR_BINARY SAMPLES_DIR
"""
import glob
import gzip
import json
import os
import signal
import stat
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
import emu_harness  # noqa: E402
import mfatest  # noqa: E402
from emu_harness import CLIENT, SECRET, TENANT, Emulator  # noqa: E402

BIN = None
SAMPLES = None
SECRET_TEXT = "root only\n"
AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


def env():
    e = dict(os.environ)
    e.update(emu_harness.creds())
    return e


def run(*args):
    p = subprocess.run([BIN, *args], capture_output=True, text=True, env=env(), timeout=300,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def live(emu, *args):
    return run(*args, "--graph-url", emu.base, "--login-url", emu.base)


def sample(name):
    return os.path.join(SAMPLES, name)


def text(path):
    with open(path) as f:
        return f.read()


def load(path):
    return json.loads(text(path))


def as_nobody(*cmd):
    subprocess.run(AS_NOBODY + list(cmd), check=True, capture_output=True)


class Hostile(unittest.TestCase):
    """A base folder everyone can enter, a root-only secret in it, and a
    folder in it that nobody can write (the shared --out)."""

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root (CI runs as root): plants links as another uid")
        self.base = mfatest.tmpdir()
        os.chmod(self.base, 0o755)
        self.secret = os.path.join(self.base, "secret")
        with open(self.secret, "w") as f:
            f.write(SECRET_TEXT)
        os.chmod(self.secret, 0o600)
        self.shared = os.path.join(self.base, "shared")
        os.mkdir(self.shared)
        os.chmod(self.shared, 0o777)

    def plant(self, folder, names, target=None):
        """nobody plants a link at each name in folder."""
        for n in names:
            as_nobody("ln", "-s", target or self.secret, os.path.join(folder, n))
            self.assertEqual(os.lstat(os.path.join(folder, n)).st_uid, 65534)

    def assert_secret_untouched(self):
        st = os.lstat(self.secret)
        self.assertEqual(text(self.secret), SECRET_TEXT)
        self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)), (0, 0o600))

    def assert_real_files(self, folder, names):
        for n in names:
            p = os.path.join(folder, n)
            self.assertFalse(os.path.islink(p), p + " is a link")
            self.assertTrue(os.path.isfile(p), p)
            st = os.stat(p)
            self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)), (0, 0o600), p)

    def assert_refused(self, code, stdout, stderr, folder):
        self.assertEqual(code, 1, stderr)
        lines = [l for l in stderr.splitlines() if "error:" in l]
        self.assertEqual(len(lines), 1, stderr)
        self.assertIn("'%s'" % folder, lines[0])
        self.assertIn("--allow-shared-out", lines[0])
        self.assertEqual(stdout, "")


class SharedFolders(Hostile):
    def test_plan_links_at_every_name(self):
        finals = ["users.csv", "plan.csv", "plan.jsonl", "report.xlsx", "summary.json", "users.jsonl"]
        temps = [n + ".tmp" for n in finals] + ["plan.jsonl.body.tmp"]
        self.plant(self.shared, finals + temps)
        args = ("plan", "--from-csv", sample("graph-peruser-state.csv"), "--out", self.shared,
                "--format", "csv,xlsx,json,jsonl")
        code, stdout, stderr = run(*args)
        self.assert_refused(code, stdout, stderr, self.shared)
        self.assert_secret_untouched()
        code, stdout, stderr = run(*args, "--allow-shared-out")
        self.assertEqual(code, 0, stderr)
        self.assert_secret_untouched()
        self.assert_real_files(self.shared, finals)
        head = json.loads(text(os.path.join(self.shared, "plan.jsonl")).splitlines()[0])
        self.assertEqual(head["kind"], "mfa-migrate-plan")
        sheets, _ = mfatest.xlsx_sheets(os.path.join(self.shared, "report.xlsx"))
        self.assertIn("Users", sheets)
        # nothing of the run's own is left under a temporary name
        self.assertEqual([n for n in os.listdir(self.shared)
                          if ".tmp" in n and not os.path.islink(os.path.join(self.shared, n))], [])

    def test_report_folder_swapped_mid_run(self):
        # libxlsxwriter writes report.xlsx by name at the end of the run:
        # nobody renames the private folder away mid-run and puts a link to
        # a root-only folder in its place; the workbook still lands in --out
        # and nothing is written in that folder
        victim = os.path.join(self.base, "victim")
        os.mkdir(victim, 0o700)
        with Emulator("--users", 20000, "--no-state-select", "--latency-ms", "40") as emu:
            p = subprocess.Popen([BIN, "audit", "--graph-url", emu.base, "--login-url", emu.base,
                                  "--out", self.shared, "--allow-shared-out", "--no-registration",
                                  "--workers", "4", "-q"],
                                 env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            deadline = time.monotonic() + 60
            private = []
            while not private and time.monotonic() < deadline and p.poll() is None:
                private = glob.glob(os.path.join(self.shared, "report.xlsx.tmp-*"))
                time.sleep(0.01)
            self.assertTrue(private, "the private folder never appeared")
            st = os.lstat(private[0])
            self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)), (0, 0o700))
            # nobody cannot plant inside it ...
            r = subprocess.run(AS_NOBODY + ["ln", "-s", self.secret, os.path.join(private[0], "report.xlsx")],
                               capture_output=True)
            self.assertNotEqual(r.returncode, 0)
            # ... but can move it and leave a link in its place
            as_nobody("mv", private[0], private[0] + ".moved")
            as_nobody("ln", "-s", victim, private[0])
            stdout, stderr = p.communicate(timeout=240)
            self.assertEqual(p.returncode, 0, stderr)
        self.assertEqual(os.listdir(victim), [])
        self.assert_real_files(self.shared, ["report.xlsx", "users.csv", "summary.json"])
        sheets, _ = mfatest.xlsx_sheets(os.path.join(self.shared, "report.xlsx"))
        self.assertEqual(sheets["Users"], 1 + 20000)

    def test_apply_links_at_every_name(self):
        with Emulator("--users", 200, "--seed", 31) as emu:
            plan_dir = os.path.join(mfatest.tmpdir(), "plan")
            code, _, stderr = live(emu, "plan", "--out", plan_dir, "-q")
            self.assertEqual(code, 0, stderr)
            plan = os.path.join(plan_dir, "plan.jsonl")
            finals = ["results.csv", "results.xlsx", "summary.json"]
            self.plant(self.shared, finals + [n + ".tmp" for n in finals])
            code, stdout, stderr = live(emu, "apply", plan, "--yes", "--out", self.shared)
            self.assert_refused(code, stdout, stderr, self.shared)
            self.assertFalse(os.path.exists(os.path.join(self.shared, "journal.jsonl")))
            # a link where the journal goes: refused, never written through
            self.plant(self.shared, ["journal.jsonl"])
            code, stdout, stderr = live(emu, "apply", plan, "--yes", "--out", self.shared,
                                        "--allow-shared-out")
            self.assertEqual(code, 1, stderr)
            self.assertIn("journal.jsonl", stderr)
            self.assert_secret_untouched()
            os.unlink(os.path.join(self.shared, "journal.jsonl"))
            code, stdout, stderr = live(emu, "apply", plan, "--yes", "--out", self.shared,
                                        "--allow-shared-out")
            self.assertEqual(code, 0, stderr)
        self.assert_secret_untouched()
        self.assert_real_files(self.shared, finals + ["journal.jsonl"])
        sheets, _ = mfatest.xlsx_sheets(os.path.join(self.shared, "results.xlsx"))
        self.assertIn("Results", sheets)

    def test_tenants_links_at_every_name(self):
        tid = "00000000-0000-0000-0000-000000000001"
        names = ["%s.log" % tid, "%s.log.tmp" % tid, "%s.out" % tid, "report.xlsx", "report.xlsx.tmp",
                 "summary.json", "summary.json.tmp"]
        with Emulator("--users", 50, "--tenant-id", tid) as emu:
            lst = os.path.join(self.base, "tenants.txt")
            with open(lst, "w") as f:
                f.write("%s,Contoso,,,%s\n" % (tid, emu.base))
            self.plant(self.shared, names)
            code, stdout, stderr = run("audit", "--tenants", lst, "--out", self.shared)
            self.assert_refused(code, stdout, stderr, self.shared)
            code, stdout, stderr = run("audit", "--tenants", lst, "--out", self.shared,
                                       "--allow-shared-out")
            self.assertEqual(code, 0, stderr)
        self.assert_secret_untouched()
        self.assert_real_files(self.shared, ["%s.log" % tid, "report.xlsx", "summary.json"])
        self.assertFalse(os.path.lexists(os.path.join(self.shared, "%s.out" % tid)))
        roll = load(os.path.join(self.shared, "summary.json"))
        self.assertEqual(roll["tenants"][0]["users"], 50)

    def test_other_owner_refused(self):
        # a folder of another user's, however private, is theirs to fill
        os.chmod(self.shared, 0o700)
        os.chown(self.shared, 65534, 65534)
        code, stdout, stderr = run("audit", "--from-csv", sample("graph-peruser-state.csv"),
                                   "--out", self.shared)
        self.assert_refused(code, stdout, stderr, self.shared)
        self.assertIn("belongs to another user", stderr)
        self.assertEqual(os.listdir(self.shared), [])

    def test_shared_history_refused(self):
        code, stdout, stderr = run("audit", "--from-csv", sample("graph-peruser-state.csv"),
                                   "--history", self.shared)
        self.assert_refused(code, stdout, stderr, self.shared)
        self.assertEqual(os.listdir(self.shared), [])
        code, stdout, stderr = run("audit", "--from-csv", sample("graph-peruser-state.csv"),
                                   "--history", self.shared, "--allow-shared-out")
        self.assertEqual(code, 0, stderr)


class Retention(Hostile):
    def test_only_manifest_files_compressed(self):
        hist = os.path.join(self.base, "hist")
        audit = ("audit", "--from-csv", sample("graph-peruser-state.csv"), "--history", hist,
                 "--keep", "1", "-q")
        code, first, stderr = run(*audit)
        self.assertEqual(code, 0, stderr)
        first = first.strip()
        # let nobody reach the run folder (the tool made its parents 0700)
        os.chmod(hist, 0o755)
        os.chmod(os.path.dirname(first), 0o755)
        manifest = load(os.path.join(first, "manifest.json"))
        self.assertIn("users.csv", [f["name"] for f in manifest["files"]])
        # what retention must leave alone: a file the run did not write, a
        # link to a root-only file, and links at the names its gzip uses
        with open(os.path.join(first, "extra.csv"), "w") as f:
            f.write("not the tool's\n")
        os.chmod(first, 0o777)
        self.plant(first, ["evil.csv", "users.csv.gz", "users.csv.gz.tmp"])
        code, _, stderr = run(*audit)
        self.assertEqual(code, 0, stderr)
        self.assert_secret_untouched()
        self.assertFalse(os.path.exists(os.path.join(first, "users.csv")))
        self.assert_real_files(first, ["users.csv.gz"])
        with gzip.open(os.path.join(first, "users.csv.gz"), "rt") as f:
            self.assertTrue(f.readline().startswith("id,"))
        self.assertEqual(text(os.path.join(first, "extra.csv")), "not the tool's\n")
        self.assertTrue(os.path.islink(os.path.join(first, "evil.csv")))
        for n in ("extra.csv.gz", "evil.csv.gz"):
            self.assertFalse(os.path.lexists(os.path.join(first, n)), n)
        self.assertFalse(os.path.lexists(os.path.join(first, "users.csv.gz.tmp")))
        # the manifest follows the file it now holds
        manifest = load(os.path.join(first, "manifest.json"))
        names = [f["name"] for f in manifest["files"]]
        self.assertIn("users.csv.gz", names)
        self.assertNotIn("users.csv", names)


class InterruptedPlan(unittest.TestCase):
    def test_no_earlier_plan_beside_partial_reports(self):
        out = os.path.join(mfatest.tmpdir(), "out")
        with Emulator("--users", 300, "--seed", 5) as emu:
            code, _, stderr = live(emu, "plan", "--out", out, "-q")
            self.assertEqual(code, 0, stderr)
        self.assertTrue(os.path.exists(os.path.join(out, "plan.jsonl")))
        with Emulator("--users", 20000, "--no-state-select", "--latency-ms", "40") as emu:
            p = subprocess.Popen([BIN, "plan", "--graph-url", emu.base, "--login-url", emu.base,
                                  "--out", out, "--workers", "2"],
                                 env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if "batch" in json.dumps(emu.stats()["byEndpoint"]):
                    break
                time.sleep(0.02)
            p.send_signal(signal.SIGINT)
            stdout, stderr = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 130, stderr)
        self.assertFalse(os.path.exists(os.path.join(out, "plan.jsonl")), "the earlier plan is still there")
        self.assertIn("removed the earlier plan", stderr)
        s = load(os.path.join(out, "summary.json"))
        self.assertFalse(s["complete"])
        # the registration report was stopped, not refused: no word of a
        # permission or a licence
        self.assertNotIn("licence", stderr)
        self.assertNotIn("AuditLog.Read.All", stderr)
        self.assertIn("interrupted", stderr)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv[1])
    emu_harness.EXE = os.path.abspath(sys.argv[2])
    SAMPLES = os.path.abspath(sys.argv[3])
    unittest.main(argv=sys.argv[:1], verbosity=2)
