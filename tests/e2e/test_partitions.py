"""End to end: a per-user (fallback) scan of a tenant of several pages
lists the rest of the tenant after the first page in parallel
userPrincipalName ranges (issue 12), and still yields every user exactly
once with the emulator's state; a Graph that refuses the range filter gets
the serial listing instead, still exact.

usage: test_partitions.py MFA_MIGRATE_BINARY GRAPH_EMULATOR_BINARY
"""
import csv
import json
import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
import emu_harness  # noqa: E402
import mfatest  # noqa: E402
from emu_harness import Emulator  # noqa: E402

BIN = None
PARTS = re.compile(r"listed in (\d+) partitions by userPrincipalName")


def audit(emu, *flags):
    out = os.path.join(mfatest.tmpdir(), "out")
    code, _, stderr = mfatest.run(BIN, "audit", "--no-registration", "--no-ca", "-v", "--graph-url", emu.base,
                                  "--login-url", emu.base, "--out", out, *flags, env=emu_harness.creds())
    return code, out, stderr


def emulator_upns(emu):
    r = emu.request("GET", "/_emulator/state", token=False)
    return {row[0]: row[1] for row in csv.reader(r.body.strip().split("\n")[1:])}


class Partitions(unittest.TestCase):
    def exact(self, emu, *flags):
        """Audits; checks users.csv against /_emulator/state (every user,
        once, its state); returns (summary graph, stats byEndpoint, stderr)."""
        code, out, stderr = audit(emu, *flags)
        self.assertEqual(code, 0, stderr)
        rows = mfatest.read_csv(os.path.join(out, "users.csv"))
        ids = [r["id"] for r in rows]
        self.assertEqual(len(ids), len(set(ids)), "a user came twice")
        want = emu.state()
        self.assertEqual(set(ids), set(want))
        got = {r["id"]: r for r in rows}
        for uid, state in want.items():
            self.assertEqual(got[uid]["perUserMfaState"], state, uid)
        upns = emulator_upns(emu)
        for uid, u in got.items():
            self.assertEqual(u["userPrincipalName"], upns[uid], uid)
        with open(os.path.join(out, "summary.json")) as f:
            g = json.load(f)["graph"]
        self.assertEqual(g["statePath"], "batch")
        self.assertEqual(g["unknownStates"], 0)
        return g, emu.stats()["byEndpoint"], stderr

    def test_fallback_lists_in_partitions(self):
        with Emulator("--users", 3500, "--seed", 12, "--state-select", "drop") as emu:
            g, by, stderr = self.exact(emu)
            m = PARTS.search(g["statePathReason"])
            self.assertTrue(m, g["statePathReason"])
            n = int(m.group(1))
            # 3,500 users: one range per ~800 of @odata.count
            self.assertGreaterEqual(n, 4)
            self.assertIn(m.group(0), stderr)
            # every range asked at least once; the serial listing only its first page
            self.assertGreaterEqual(by["usersRange"]["200"], n)
            self.assertEqual(by["users"]["200"], 1)

    def test_refused_state_select_partitions_too(self):
        with Emulator("--users", 2100, "--seed", 5, "--state-select", "reject") as emu:
            g, by, _ = self.exact(emu)
            self.assertTrue(PARTS.search(g["statePathReason"]), g["statePathReason"])
            self.assertTrue(g["statePathReason"].startswith("Graph refused $select=perUserMfaState"))
            self.assertEqual(by["users"].get("400"), 1)
            self.assertGreaterEqual(by["usersRange"]["200"], 2)

    def test_odd_upns_on_boundaries(self):
        # UPNs that sort oddly and need encoding ('', #, %, +, &, non-ASCII,
        # case); boundaries are UPNs of the first page, so users sit on
        # them and are listed by two ranges: still once in users.csv
        odd = ["o'neil", "O'Neil.B", "a#b", "a%20b", "a+b", "x&y", "\u00e9lodie", "\u00c9MILE", "\u00fc\u00df",
               "_under", "~tilde", "0zero", "ZED", "zed.a", "Zed.B", "b", "B.", "b.."]
        path = os.path.join(mfatest.tmpdir(), "tenant.csv")
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["id", "userPrincipalName", "displayName", "userType", "accountEnabled",
                        "perUserMfaState"])
            for i in range(2400):
                stem = odd[i % len(odd)]
                w.writerow(["00000000-0000-4000-8000-%012d" % i, "%s%d@x.example" % (stem, i // len(odd))
                            if i % 3 else "%s@%d.example" % (stem, i), "U %d" % i, "member", "true",
                            ["disabled", "enabled", "enforced"][i % 3]])
        with Emulator("--tenant-csv", path, "--state-select", "drop") as emu:
            g, by, _ = self.exact(emu)
            self.assertTrue(PARTS.search(g["statePathReason"]), g["statePathReason"])
            self.assertGreaterEqual(by["usersRange"]["200"], 3)

    def test_empty_pages_still_exact(self):
        with Emulator("--users", 3000, "--seed", 3, "--state-select", "drop", "--empty-pages", "4") as emu:
            g, by, _ = self.exact(emu)
            self.assertTrue(PARTS.search(g["statePathReason"]), g["statePathReason"])

    def test_refused_filter_falls_back_serial(self):
        with Emulator("--users", 3000, "--seed", 8, "--state-select", "drop", "--no-upn-range-filter") as emu:
            g, by, stderr = self.exact(emu)
            self.assertIn("listed serially: Graph refused the userPrincipalName range $filter (http 400)",
                          g["statePathReason"])
            self.assertIn("listed serially", stderr)
            self.assertNotIn("usersRange", by)
            # the ranges were asked and refused, then the 4 pages serially
            self.assertGreaterEqual(by["users"].get("400", 0), 1)
            self.assertEqual(by["users"]["200"], 4)

    def test_inline_fast_path_unchanged(self):
        with Emulator("--users", 2500, "--seed", 2) as emu:
            code, out, stderr = audit(emu)
            self.assertEqual(code, 0, stderr)
            with open(os.path.join(out, "summary.json")) as f:
                g = json.load(f)["graph"]
            self.assertEqual(g["statePath"], "inline")
            by = emu.stats()["byEndpoint"]
            self.assertNotIn("usersRange", by)
            self.assertEqual(by["users"]["200"], 3)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv[1])
    emu_harness.EXE = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
