"""End to end: `mfa-migrate plan/audit --from-csv` on every sample and on
broken files; checks the files written, not the log lines.

usage: test_csv_plan.py MFA_MIGRATE_BINARY SAMPLES_DIR
"""
import collections
import csv
import glob
import gzip
import json
import os
import shutil
import stat
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import mfatest  # noqa: E402

BIN = None
SAMPLES = None
REPORTS = ["users.csv", "plan.csv", "plan.jsonl", "summary.json", "report.xlsx"]


def samples():
    return sorted(p for p in glob.glob(os.path.join(SAMPLES, "*.csv")))


class PlanFromSamples(unittest.TestCase):
    def plan(self, *args, expect=0):
        out = os.path.join(mfatest.tmpdir(), "out")
        code, stdout, stderr = mfatest.run(BIN, "plan", *args, "--out", out)
        self.assertEqual(code, expect, stderr)
        if expect == 0:
            self.assertEqual(stdout.strip(), out)
        return out, stderr

    def check_run(self, out, expected_users):
        """Every report is there, owner-only, complete and consistent."""
        for name in REPORTS:
            p = os.path.join(out, name)
            self.assertTrue(os.path.exists(p), name)
            self.assertEqual(stat.S_IMODE(os.stat(p).st_mode), 0o600, name)
        self.assertEqual([f for f in os.listdir(out) if f.endswith(".tmp")], [])
        self.assertEqual(stat.S_IMODE(os.stat(out).st_mode) & 0o077, 0)

        users = mfatest.read_csv(os.path.join(out, "users.csv"))
        keys = collections.Counter(
            (u["userPrincipalName"] or u["id"]).lower() for u in users)
        self.assertEqual(keys, collections.Counter(expected_users))

        summary = json.load(open(os.path.join(out, "summary.json")))
        self.assertTrue(summary["complete"])
        self.assertEqual(summary["users"], len(users))
        by_state = collections.Counter(u["perUserMfaState"] for u in users)
        for st, n in summary["byState"].items():
            self.assertEqual(by_state.get(st, 0), n, st)
        by_action = collections.Counter(u["action"] for u in users)
        for act, n in summary["byAction"].items():
            self.assertEqual(by_action.get(act, 0), n, act)
        # An unknown state is never planned as disabled or as a change.
        for u in users:
            if u["perUserMfaState"] == "unknown":
                self.assertEqual(u["action"], "hold", u)
            if u["action"] == "disable":
                self.assertIn(u["perUserMfaState"], ("enabled", "enforced", "enabled-or-enforced"))

        plan_rows = mfatest.read_csv(os.path.join(out, "plan.csv"))
        self.assertEqual(len(plan_rows), by_action["disable"] + by_action["hold"])

        lines = open(os.path.join(out, "plan.jsonl"), encoding="utf-8").read().splitlines()
        header, body, trailer = json.loads(lines[0]), lines[1:-1], json.loads(lines[-1])
        self.assertEqual(header["kind"], "mfa-migrate-plan")
        self.assertEqual(trailer["count"], len(users))
        self.assertEqual(len(body), len(users))
        self.assertEqual(header["counts"]["disable"], by_action["disable"])

        sheets, z = mfatest.xlsx_sheets(os.path.join(out, "report.xlsx"))
        self.assertEqual(list(sheets)[:4], ["Summary", "Users", "Plan", "Findings"])
        self.assertEqual(sheets["Users"], len(users) + 1)
        self.assertEqual(sheets["Plan"], len(plan_rows) + 1)
        n_findings = sum(len([f for f in u["findings"].split(";") if f]) for u in users)
        self.assertEqual(sheets["Findings"], n_findings + 1)
        self.assertTrue(any(n.startswith("xl/charts/chart") for n in z.namelist()))
        return users

    def test_every_sample(self):
        found = samples()
        self.assertGreaterEqual(len(found), 10, "samples/ should hold one export per format")
        for path in found:
            with self.subTest(sample=os.path.basename(path)):
                out, stderr = self.plan("--from-csv", path)
                expected = mfatest.user_keys(mfatest.read_csv(path))
                self.assertGreater(len(expected), 0)
                self.check_run(out, expected)

    def test_registration_join(self):
        state = os.path.join(SAMPLES, "graph-peruser-state.csv")
        reg = os.path.join(SAMPLES, "registration-details-graph.csv")
        out, _ = self.plan("--from-csv", state, "--registration", reg)
        expected = set(mfatest.user_keys(mfatest.read_csv(state))) | set(
            mfatest.user_keys(mfatest.read_csv(reg)))
        users = self.check_run(out, sorted(expected))
        regs = {r["userPrincipalName"].lower(): r for r in mfatest.read_csv(reg)}
        states = {mfatest.user_keys([r])[0] for r in mfatest.read_csv(state)}
        for u in users:
            key = u["userPrincipalName"].lower()
            if key in regs:
                want = regs[key]["isMfaRegistered"].strip().lower()
                self.assertEqual(u["isMfaRegistered"], want, key)
            else:
                self.assertEqual(u["isMfaRegistered"], "", key)
            if key not in states:  # only in the registration export
                self.assertEqual(u["perUserMfaState"], "unknown")
                self.assertEqual(u["action"], "hold")

    def test_formula_neutralised(self):
        path = os.path.join(mfatest.tmpdir(), "evil.csv")
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["Id", "DisplayName", "UserPrincipalName", "PerUserMFAState"])
            w.writerow(["1", '=HYPERLINK("http://evil","x")', "a@contoso.example", "Enforced"])
            w.writerow(["2", "@SUM(1)", "b@contoso.example", "Disabled"])
            w.writerow(["3", "Plain, Name", "c@contoso.example", "Enabled"])
        out, _ = self.plan("--from-csv", path)
        raw = open(os.path.join(out, "users.csv")).read()
        self.assertIn("'=HYPERLINK", raw)
        self.assertIn("'@SUM(1)", raw)
        self.assertNotIn(',=HYPERLINK', raw)
        # What it writes, it reads back: the names come back unchanged.
        out2, _ = self.plan("--from-csv", os.path.join(out, "users.csv"))
        names = {u["id"]: u["displayName"] for u in mfatest.read_csv(os.path.join(out2, "users.csv"))}
        names_raw = {r["id"]: r["displayName"] for r in csv.DictReader(open(os.path.join(out2, "users.csv")))}
        self.assertEqual(names_raw["1"], "'" + '=HYPERLINK("http://evil","x")')
        self.assertEqual(names["3"], "Plain, Name")
        # the xlsx has no formula cells
        _, z = mfatest.xlsx_sheets(os.path.join(out, "report.xlsx"))
        for n in z.namelist():
            if n.startswith("xl/worksheets/"):
                self.assertNotIn("<f>", z.read(n).decode())

    def test_round_trip_own_users_csv(self):
        src = os.path.join(SAMPLES, "graph-mfastate-export.csv")
        out1, _ = self.plan("--from-csv", src)
        out2, _ = self.plan("--from-csv", os.path.join(out1, "users.csv"))
        a = open(os.path.join(out1, "users.csv")).read()
        b = open(os.path.join(out2, "users.csv")).read()
        self.assertEqual(a, b)

    def test_encodings_and_delimiters(self):
        """UTF-16LE/BE with BOM, CRLF, ';' and gzip give the same users.csv."""
        src = os.path.join(SAMPLES, "graph-mfastate-export.csv")
        base, _ = self.plan("--from-csv", src)
        want = open(os.path.join(base, "users.csv")).read()
        text = mfatest.read_text(src)
        rows = list(csv.reader(text.splitlines()))
        d = mfatest.tmpdir()
        variants = {}
        variants["utf16le.csv"] = b"\xff\xfe" + text.replace("\n", "\r\n").encode("utf-16-le")
        variants["utf16be.csv"] = b"\xfe\xff" + text.encode("utf-16-be")
        variants["bom.csv"] = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
        import io
        s = io.StringIO()
        csv.writer(s, delimiter=";", lineterminator="\r\n").writerows(rows)
        variants["semicolon.csv"] = s.getvalue().encode()
        variants["gz.csv.gz"] = gzip.compress(text.encode())
        for name, data in variants.items():
            with self.subTest(variant=name):
                p = os.path.join(d, name)
                open(p, "wb").write(data)
                out, _ = self.plan("--from-csv", p)
                got = open(os.path.join(out, "users.csv")).read()
                self.assertEqual(got, want)

    def test_exclude_holds(self):
        src = os.path.join(SAMPLES, "graph-mfastate-export.csv")
        rows = mfatest.read_csv(src)
        users = mfatest.user_keys(rows)
        d = mfatest.tmpdir()
        out0, _ = self.plan("--from-csv", src)
        first_change = next(u for u in mfatest.read_csv(os.path.join(out0, "users.csv"))
                            if u["action"] == "disable")
        ex = os.path.join(d, "exclude.txt")
        open(ex, "w").write("# break-glass\n%s\n" % first_change["userPrincipalName"].upper())
        out, _ = self.plan("--from-csv", src, "--exclude", ex)
        got = {u["userPrincipalName"]: u for u in mfatest.read_csv(os.path.join(out, "users.csv"))}
        u = got[first_change["userPrincipalName"]]
        self.assertEqual((u["action"], u["holdReason"]), ("hold", "excluded"))
        self.assertIn("excluded", u["findings"])
        self.assertEqual(len(got), len(users))


class BrokenInput(unittest.TestCase):
    def expect_failure(self, *args, needle, code=1):
        parent = mfatest.tmpdir()
        out = os.path.join(parent, "out")
        rc, stdout, stderr = mfatest.run(BIN, *args, "--out", out)
        self.assertEqual(rc, code, stderr)
        lines = [l for l in stderr.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, stderr)
        self.assertIn(needle, lines[0])
        # Nothing that looks complete is left behind.
        if os.path.isdir(out):
            left = os.listdir(out)
            for name in REPORTS:
                self.assertNotIn(name, left)
        return lines[0]

    def write(self, name, data):
        p = os.path.join(mfatest.tmpdir(), name)
        open(p, "wb").write(data if isinstance(data, bytes) else data.encode())
        return p

    def test_missing_file(self):
        self.expect_failure("plan", "--from-csv", "/nonexistent/users.csv", needle="/nonexistent/users.csv")

    def test_unknown_header(self):
        p = self.write("weird.csv", "Foo,Bar,Baz\n1,2,3\n")
        line = self.expect_failure("plan", "--from-csv", p, needle="weird.csv")
        self.assertIn("header", line)

    def test_strict_bad_row(self):
        p = self.write("bad.csv", "Id,DisplayName,UserPrincipalName,PerUserMFAState\n"
                                  "1,Ann,ann@x.example,Enforced\n"
                                  "2,Nobody,,Enabled\n")
        line = self.expect_failure("plan", "--strict", "--from-csv", p, needle="bad.csv:3")

    def test_unterminated_quote_strict(self):
        p = self.write("quote.csv", "Id,DisplayName,UserPrincipalName,PerUserMFAState\n"
                                    "1,Ann,ann@x.example,Enforced\n"
                                    "2,\"Bob,bob@x.example,Enabled\n")
        self.expect_failure("plan", "--strict", "--from-csv", p, needle="quote.csv:3")

    def test_bad_rows_counted_not_fatal(self):
        p = self.write("bad.csv", "Id,DisplayName,UserPrincipalName,PerUserMFAState\n"
                                  "1,Ann,ann@x.example,Enforced\n"
                                  "2,Nobody,,Enabled\n"
                                  "3,Cy,cy@x.example,Sometimes\n")
        out = os.path.join(mfatest.tmpdir(), "out")
        rc, stdout, stderr = mfatest.run(BIN, "plan", "--from-csv", p, "--out", out)
        self.assertEqual(rc, 0, stderr)
        self.assertIn("bad.csv:3", stderr)
        self.assertIn("bad.csv:4", stderr)
        s = json.load(open(os.path.join(out, "summary.json")))
        self.assertEqual(s["input"]["badRows"], 2)
        users = {u["userPrincipalName"]: u for u in mfatest.read_csv(os.path.join(out, "users.csv"))}
        # The unreadable state is unknown and held, never disabled.
        self.assertEqual(users["cy@x.example"]["perUserMfaState"], "unknown")
        self.assertEqual(users["cy@x.example"]["action"], "hold")

    def test_usage_errors(self):
        for args in (["plan", "--from-csv"], ["plan", "--bogus"], ["audit", "--fail-on", "nonsense"],
                     ["plan", "--format", "pdf"], ["frobnicate"]):
            with self.subTest(args=args):
                rc, _, stderr = mfatest.run(BIN, *args)
                self.assertEqual(rc, 2, stderr)
                self.assertEqual(len(stderr.strip().splitlines()), 1, stderr)


class Audit(unittest.TestCase):
    def test_fail_on(self):
        src = os.path.join(SAMPLES, "graph-mfastate-export.csv")
        users = mfatest.read_csv(src)
        states = {u["MFAState"].strip().lower() for u in users}
        self.assertIn("enforced", states)
        d = mfatest.tmpdir()
        rc, out, err = mfatest.run(BIN, "audit", "--from-csv", src, "--out", d + "/a", "--fail-on", "enforced")
        self.assertEqual(rc, 3, err)
        self.assertTrue(os.path.exists(d + "/a/summary.json"))
        self.assertFalse(os.path.exists(d + "/a/plan.jsonl"))
        rc, out, err = mfatest.run(BIN, "audit", "--from-csv", src, "--out", d + "/b",
                                   "--fail-on", "enabled-or-enforced")
        self.assertEqual(rc, 0, err)

    def test_help_everywhere(self):
        for args in (["--help"], ["plan", "--help"], ["audit", "--help"], ["--version"]):
            rc, out, err = mfatest.run(BIN, *args)
            self.assertEqual(rc, 0)
            self.assertTrue(out.strip())

    def test_default_output_folder(self):
        d = mfatest.tmpdir()
        src = os.path.join(SAMPLES, "graph-mfastate-export.csv")
        rc, out, err = mfatest.run(BIN, "audit", "--from-csv", src, "-q", cwd=d)
        self.assertEqual(rc, 0, err)
        self.assertEqual(err, "")
        path = out.strip()
        self.assertRegex(path, r"^reports/\d{8}T\d{6}Z-audit(-\d+)?$")
        self.assertTrue(os.path.exists(os.path.join(d, path, "users.csv")))


if __name__ == "__main__":
    BIN, SAMPLES = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=2)
