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


def env():
    e = dict(os.environ)
    e.update({"AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": CLIENT, "AZURE_CLIENT_SECRET": SECRET,
              "AZURE_CLIENT_CERTIFICATE_PATH": "", "MFA_MIGRATE_ACCESS_TOKEN": ""})
    return e


def mfa(emu, *args):
    p = subprocess.run([BIN, *args, "--graph-url", emu.base, "--login-url", emu.base],
                       capture_output=True, text=True, env=env(), stdin=subprocess.DEVNULL,
                       timeout=300)
    return p.returncode, p.stdout, p.stderr


def make_plan(emu, *extra):
    out = os.path.join(mfatest.tmpdir(), "plan")
    code, _, stderr = mfa(emu, "plan", "--out", out, "-q", *extra)
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


class LongLine(unittest.TestCase):
    def test_100kb_display_name(self):
        """plan never writes a line apply's reader refuses: a 100 KB display
        name is cut in plan.jsonl (users.csv keeps it whole), and apply runs."""
        export = os.path.join(mfatest.tmpdir(), "t.csv")
        subprocess.run([emu_harness.EXE, "--users", "50", "--seed", "41", "--export-csv", export,
                        "--no-serve"], check=True, capture_output=True)
        rows = list(csv.DictReader(open(export, newline="")))
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


if __name__ == "__main__":
    BIN = sys.argv[1]
    emu_harness.EXE = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
