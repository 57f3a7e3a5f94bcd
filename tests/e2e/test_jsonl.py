"""End to end: `--format jsonl` (users.jsonl in the output folder) and
`--jsonl -` (the same lines on stdout, the folder's path on stderr) for plan
and audit. Each JSON line must say what the same run's users.csv row says.

usage: test_jsonl.py MFA_MIGRATE_BINARY SAMPLES_DIR
"""
import csv
import io
import json
import os
import stat
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import mfatest  # noqa: E402

BIN = None
SAMPLES = None

BOOL_COLUMNS = {"accountEnabled", "isMfaRegistered", "isMfaCapable", "isAdmin"}
LIST_COLUMNS = {"methodsRegistered", "findings"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def read_raw(path):
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def csv_rows(path):
    """users.csv as (header, rows) with the raw text of each cell; read with
    Python's csv module, not mfa-migrate's reader."""
    text = read_raw(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = list(reader)
    return rows[0], rows[1:]


def json_value_of_csv(column, cell):
    """What the JSON line must hold for a users.csv cell."""
    if column in BOOL_COLUMNS:
        return {"true": True, "false": False, "": None}[cell]
    if column in LIST_COLUMNS:
        return [p for p in cell.split(";") if p]
    # users.csv neutralises formulas with a leading quote; JSON does not.
    if cell[:1] == "'" and cell[1:2] in FORMULA_START and cell[1:2] != "":
        cell = cell[1:]
    return cell if cell != "" else None


def parse_lines(text):
    """Each line one JSON object, key order kept; every line ends in \\n."""
    if text:
        assert text.endswith("\n"), "last line is not terminated"
    out = []
    for line in text.split("\n")[:-1]:
        out.append(json.loads(line, object_pairs_hook=list))
    return out


class Jsonl(unittest.TestCase):
    def run_ok(self, *args):
        code, stdout, stderr = mfatest.run(BIN, *args)
        self.assertEqual(code, 0, stderr)
        return stdout, stderr

    def same_as_users_csv(self, out_dir, lines):
        header, rows = csv_rows(os.path.join(out_dir, "users.csv"))
        self.assertGreater(len(rows), 0)
        self.assertEqual(len(lines), len(rows))
        for n, (pairs, row) in enumerate(zip(lines, rows), 1):
            with self.subTest(line=n):
                self.assertEqual([k for k, _ in pairs], header)
                for (key, got), cell in zip(pairs, row):
                    want = json_value_of_csv(key, cell)
                    self.assertEqual(got, want, "%s on line %d" % (key, n))
                    if key in LIST_COLUMNS:
                        self.assertTrue(all(isinstance(x, str) for x in got))

    def file_run(self, command, *args):
        out = os.path.join(mfatest.tmpdir(), "out")
        stdout, _ = self.run_ok(command, *args, "--format", "csv,jsonl", "--out", out)
        self.assertEqual(stdout.strip(), out)
        p = os.path.join(out, "users.jsonl")
        self.assertTrue(os.path.exists(p))
        self.assertEqual(stat.S_IMODE(os.stat(p).st_mode), 0o600)
        self.assertEqual([f for f in os.listdir(out) if f.endswith(".tmp")], [])
        raw = read_raw(p)
        lines = parse_lines(raw)
        self.same_as_users_csv(out, lines)
        return out, raw, lines

    def test_plan_file(self):
        src = os.path.join(SAMPLES, "graph-mfastate-export.csv")
        _, _, lines = self.file_run("plan", "--from-csv", src)
        actions = {dict(p)["action"] for p in lines}
        self.assertTrue(actions <= {"disable", "keep", "hold"}, actions)
        self.assertIn("disable", actions)

    def test_plan_file_with_registration(self):
        """Booleans and method arrays with real data behind them."""
        state = os.path.join(SAMPLES, "graph-peruser-state.csv")
        reg = os.path.join(SAMPLES, "registration-details-graph.csv")
        _, _, lines = self.file_run("plan", "--from-csv", state, "--registration", reg)
        registered = {dict(p)["isMfaRegistered"] for p in lines}
        self.assertIn(True, registered)
        self.assertTrue(any(dict(p)["methodsRegistered"] for p in lines))

    def test_audit_file(self):
        src = os.path.join(SAMPLES, "graph-mfastate-export.csv")
        _, _, lines = self.file_run("audit", "--from-csv", src)
        for p in lines:
            self.assertIsNone(dict(p)["action"])
            self.assertIsNone(dict(p)["holdReason"])

    def test_stdout(self):
        """--jsonl -: stdout is nothing but the JSON lines, the same bytes
        users.jsonl would hold; the folder's path goes to stderr."""
        src = os.path.join(SAMPLES, "graph-mfastate-export.csv")
        ref_dir, ref_raw, _ = self.file_run("plan", "--from-csv", src)
        for command in ("plan", "audit"):
            with self.subTest(command=command):
                out = os.path.join(mfatest.tmpdir(), "out")
                stdout, stderr = self.run_ok(command, "--from-csv", src, "--format", "jsonl",
                                             "--jsonl", "-", "--out", out)
                lines = parse_lines(stdout)  # fails on any non-JSON line, e.g. the path
                self.assertGreater(len(lines), 0)
                self.assertNotIn(out, stdout)
                self.assertIn(out, stderr)
                self.assertFalse(os.path.exists(os.path.join(out, "users.jsonl")))
                if command == "plan":
                    self.assertEqual(stdout, ref_raw)
                else:
                    # Same users, same values, without the plan's action.
                    ref = parse_lines(ref_raw)
                    self.assertEqual(len(lines), len(ref))
                    for a, b in zip(lines, ref):
                        da, db = dict(a), dict(b)
                        for k in ("action", "holdReason"):
                            da.pop(k)
                            db.pop(k)
                        self.assertEqual(da, db)

    def test_names_kept_exactly(self):
        """No formula neutralising, and quotes/newlines survive escaping."""
        path = os.path.join(mfatest.tmpdir(), "evil.csv")
        names = {
            "1": '=HYPERLINK("http://evil","x")',
            "2": "@SUM(1)",
            "3": 'Line "one"\nline two',
            "4": "Plain, Name",
        }
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["Id", "DisplayName", "UserPrincipalName", "PerUserMFAState"])
            for i, name in names.items():
                w.writerow([i, name, "u%s@contoso.example" % i, "Enforced"])
        out, raw, lines = self.file_run("plan", "--from-csv", path)
        got = {dict(p)["id"]: dict(p)["displayName"] for p in lines}
        self.assertEqual(got, names)
        self.assertEqual(len(raw.split("\n")) - 1, len(names))  # one physical line each
        self.assertIn("'=HYPERLINK", read_raw(os.path.join(out, "users.csv")))


if __name__ == "__main__":
    BIN, SAMPLES = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=2)
