"""End to end: nothing lost or misread from an export (issue 11, items 3, 6,
8 and 9): the real binary on broken and hostile files; checks the files
written (or not written) and the exit code.

usage: test_input_hardening.py MFA_MIGRATE_BINARY SAMPLES_DIR
"""
import json
import os
import subprocess
import sys
import unittest
import zlib

sys.path.insert(0, os.path.dirname(__file__))
import mfatest  # noqa: E402

BIN = None
SAMPLES = None
HEADER = "Id,DisplayName,UserPrincipalName,PerUserMFAState\n"


def write(path, text, mode="w"):
    with open(path, mode) as f:
        f.write(text)
    return path


def rows(n, start=1):
    return "".join(f"{i},User {i},u{i}@contoso.example,enforced\n" for i in range(start, start + n))


class Input(unittest.TestCase):
    def setUp(self):
        self.dir = mfatest.tmpdir()
        self.out = os.path.join(self.dir, "out")

    def run_cmd(self, command, csv_path, *args, expect=0):
        code, stdout, stderr = mfatest.run(BIN, command, "--from-csv", csv_path, *args,
                                           "--out", self.out)
        self.assertEqual(code, expect, stderr)
        return stderr

    def summary(self):
        return json.load(open(os.path.join(self.out, "summary.json")))

    def users(self):
        return mfatest.read_csv(os.path.join(self.out, "users.csv"))

    # item 3
    def test_stray_quote_is_fatal_and_leaves_no_report(self):
        # 10 lines, the stray quote on line 3
        text = HEADER + rows(1) + '2,"Stray,u2@contoso.example,enforced\n' + rows(7, 3)
        path = write(os.path.join(self.dir, "export.csv"), text)
        for strict in ([], ["--strict"]):
            stderr = self.run_cmd("plan", path, *strict, expect=1)
            self.assertIn(f"{path}:3: a quoted field opens here and never closes", stderr)
            self.assertEqual(stderr.count("\n"), 1, stderr)
            self.assertFalse(os.path.exists(os.path.join(self.out, "summary.json")))
            self.assertFalse(os.path.exists(os.path.join(self.out, "plan.jsonl")))

    def test_truncated_inside_quotes_is_fatal(self):
        path = write(os.path.join(self.dir, "cut.csv"), HEADER + rows(3) + '4,"Cut off')
        stderr = self.run_cmd("audit", path, expect=1)
        self.assertIn(f"{path}:5: a quoted field opens here", stderr)
        self.assertFalse(os.path.exists(os.path.join(self.out, "summary.json")))

    def test_rows_accounted(self):
        text = HEADER + rows(3) + ",,,\n" + "9,No UPN,,enabled\n" + rows(2, 4)
        path = write(os.path.join(self.dir, "export.csv"), text)
        self.run_cmd("audit", path)
        inp = self.summary()["input"]
        self.assertEqual(inp["records"], 7)
        self.assertEqual(inp["accounted"], inp["records"])
        self.assertEqual(inp["badRows"], 1)
        self.assertEqual(inp["blankRows"], 1)
        self.assertEqual(len(self.users()), 5)

    # item 6
    def test_exclude_trailing_comment_and_unmatched(self):
        path = write(os.path.join(self.dir, "export.csv"), HEADER + rows(3))
        lst = write(os.path.join(self.dir, "exclude.txt"),
                    "u1@contoso.example   # break-glass\n"
                    "u2@contoso.example\t# second one\n"
                    "gone@contoso.example # left\n"
                    "typo@contoso.exmaple\n")
        stderr = self.run_cmd("plan", path, "--exclude", lst)
        by_upn = {u["userPrincipalName"]: u for u in self.users()}
        self.assertEqual(by_upn["u1@contoso.example"]["holdReason"], "excluded")
        self.assertEqual(by_upn["u2@contoso.example"]["holdReason"], "excluded")
        self.assertEqual(by_upn["u3@contoso.example"]["action"], "disable")
        warn = [l for l in stderr.splitlines() if "match no user" in l]
        self.assertEqual(len(warn), 1, stderr)
        self.assertIn("'gone@contoso.example'", warn[0])
        self.assertIn("'typo@contoso.exmaple'", warn[0])
        self.assertEqual(self.summary()["input"]["unmatchedExclude"], 2)
        # --strict: fatal, no report
        self.out = os.path.join(self.dir, "strict")
        stderr = self.run_cmd("plan", path, "--exclude", lst, "--strict", expect=1)
        self.assertIn("2 entries match no user", stderr)
        self.assertFalse(os.path.exists(os.path.join(self.out, "summary.json")))

    def test_only_unmatched_counted(self):
        path = write(os.path.join(self.dir, "export.csv"), HEADER + rows(3))
        lst = write(os.path.join(self.dir, "only.txt"), "u2@contoso.example # pilot\nnobody@contoso.example\n")
        self.run_cmd("plan", path, "--only", lst)
        self.assertEqual(self.summary()["input"]["unmatchedOnly"], 1)
        by_upn = {u["userPrincipalName"]: u for u in self.users()}
        self.assertEqual(by_upn["u2@contoso.example"]["action"], "disable")

    # item 8
    def test_fail_on_enforced_matches_ambiguous(self):
        path = os.path.join(SAMPLES, "lazyadmin-mfastatus.csv")
        self.run_cmd("audit", path, "--fail-on", "enforced", expect=3)
        self.run_cmd("audit", path, "--fail-on", "enabled", expect=3)

    def test_duplicate_user_one_action(self):
        text = (HEADER + "1,A,a@contoso.example,enforced\n" + "2,B,b@contoso.example,enabled\n"
                + "1,A again,a-other@contoso.example,disabled\n"
                + "3,B case,B@CONTOSO.example,enforced\n")
        path = write(os.path.join(self.dir, "dup.csv"), text)
        stderr = self.run_cmd("plan", path)
        self.assertIn(f"{path}:4: user '1' is already on line 2", stderr)
        self.assertIn(f"{path}:5: user 'B@CONTOSO.example' is already on line 3", stderr)
        lines = [json.loads(l) for l in open(os.path.join(self.out, "plan.jsonl"))]
        users = [l for l in lines if "seq" in l]
        self.assertEqual(sorted(u["id"] for u in users), ["1", "2"])
        for u in users:
            self.assertIn("duplicate-user", u["findings"])
        s = self.summary()
        self.assertEqual(s["input"]["duplicateRows"], 2)
        self.assertEqual(s["input"]["badRows"], 2)
        self.assertEqual(s["input"]["accounted"], s["input"]["records"])

    def test_export_from_a_pipe(self):
        # a pipe cannot be read twice: counted as it streams, still one action a user
        text = (HEADER + "1,A,a@contoso.example,enforced\n" + "2,B,b@contoso.example,enabled\n"
                + "1,A again,a-other@contoso.example,disabled\n")
        path = write(os.path.join(self.dir, "dup.csv"), text)
        p = subprocess.run(["bash", "-c", f'"$0" plan --from-csv <(cat "$1") --out "$2"',
                            BIN, path, self.out], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(":4: user '1' is already on line 2", p.stderr)
        users = [json.loads(l) for l in open(os.path.join(self.out, "plan.jsonl")) if '"seq"' in l]
        self.assertEqual([u["id"] for u in users], ["1", "2"])
        inp = self.summary()["input"]
        self.assertEqual(inp["accounted"], inp["records"])

    def test_registration_repeated_id_keeps_everyone(self):
        path = write(os.path.join(self.dir, "state.csv"), HEADER + "1,A,a@contoso.example,enforced\n")
        reg = write(os.path.join(self.dir, "reg.csv"),
                    "id,userPrincipalName,isMfaRegistered\n"
                    "7,x@contoso.example,true\n7,y@contoso.example,false\n")
        self.run_cmd("audit", path, "--registration", reg)
        upns = sorted(u["userPrincipalName"] for u in self.users())
        self.assertEqual(upns, ["a@contoso.example", "x@contoso.example", "y@contoso.example"])

    # item 9
    def test_apostrophe_round_trip(self):
        text = HEADER + "1,'=Quoted,a@contoso.example,enforced\n2,=SUM(1),b@contoso.example,enabled\n"
        path = write(os.path.join(self.dir, "names.csv"), text)
        self.run_cmd("audit", path)
        first = os.path.join(self.dir, "first-users.csv")
        os.rename(os.path.join(self.out, "users.csv"), first)
        self.run_cmd("audit", first)
        names = {u["id"]: u["displayName"] for u in self.users()}
        # users.csv neutralises: one more apostrophe than the value
        self.assertEqual(names, {"1": "''=Quoted", "2": "'=SUM(1)"})
        self.assertEqual(self.summary()["source"]["format"], "mfa-migrate-users")
        code, stdout, stderr = mfatest.run(BIN, "audit", "--from-csv", first, "--format", "jsonl",
                                           "--jsonl", "-", "--out", self.out + "2")
        self.assertEqual(code, 0, stderr)
        got = {json.loads(l)["id"]: json.loads(l)["displayName"] for l in stdout.splitlines()}
        self.assertEqual(got, {"1": "'=Quoted", "2": "=SUM(1)"})

    def test_unreadable_boolean_is_a_bad_row(self):
        text = ("id,userPrincipalName,perUserMfaState,accountEnabled,isMfaRegistered\n"
                "1,a@contoso.example,enforced,maybe,true\n2,b@contoso.example,enforced,true,true\n")
        path = write(os.path.join(self.dir, "bool.csv"), text)
        stderr = self.run_cmd("audit", path)
        self.assertIn(f"{path}:2: unreadable value 'maybe'", stderr)
        self.assertEqual(self.summary()["input"]["badRows"], 1)
        by_id = {u["id"]: u for u in self.users()}
        self.assertEqual(by_id["1"]["accountEnabled"], "")

    def test_nul_and_spaces_in_quoted_fields(self):
        raw = (HEADER.encode() + b'1,"  Spaced  Name ",a@contoso.example,enforced\n'
               + b'2,"Nul\x00Name",b@contoso.example,enforced\n')
        path = write(os.path.join(self.dir, "nul.csv"), raw, "wb")
        stderr = self.run_cmd("audit", path)
        self.assertIn(f"{path}:3: column 2 ('DisplayName') holds a NUL byte", stderr)
        users = self.users()
        self.assertEqual([u["displayName"] for u in users], ["  Spaced  Name "])
        self.assertEqual(self.summary()["input"]["badRows"], 1)

    def test_terminal_escapes_never_reach_stderr(self):
        text = HEADER + "1,X,evil@contoso.example,\x1b]0;pwned\x07\x1b[2Jsideways\n"
        path = write(os.path.join(self.dir, "esc.csv"), text)
        stderr = self.run_cmd("audit", path)
        self.assertNotIn("\x1b", stderr)
        self.assertNotIn("\x07", stderr)
        self.assertIn("\\x1b]0;pwned\\x07", stderr)

    def test_gzip_bomb(self):
        path = os.path.join(self.dir, "bomb.csv.gz")
        co = zlib.compressobj(9, zlib.DEFLATED, 31)
        with open(path, "wb") as f:
            f.write(co.compress((HEADER + rows(1)).encode()))
            block = b"\n" * (1 << 20)
            for _ in range(256):
                f.write(co.compress(block))
            f.write(co.flush())
        self.assertLess(os.path.getsize(path), 2 << 20)
        stderr = self.run_cmd("audit", path, expect=1)
        self.assertIn("expands to more than 200 times its size", stderr)
        self.assertEqual(stderr.count("\n"), 1, stderr)
        self.assertFalse(os.path.exists(os.path.join(self.out, "summary.json")))
        # a genuine gzip export still reads
        ok = os.path.join(self.dir, "ok.csv.gz")
        co = zlib.compressobj(9, zlib.DEFLATED, 31)
        with open(ok, "wb") as f:
            f.write(co.compress((HEADER + rows(50)).encode()) + co.flush())
        self.run_cmd("audit", ok)
        self.assertEqual(len(self.users()), 50)


if __name__ == "__main__":
    BIN = sys.argv.pop(1)
    SAMPLES = sys.argv.pop(1)
    unittest.main()
