"""End to end: report.xlsx's sheets, read from the workbook's own
xl/workbook.xml. With MFA_XLSX_MAX_ROWS (the CLI's test hook) the Users,
Plan, Findings and Changes sheets continue on "Name (2)", ...; each kind's
sheets stay together, in the order Summary, Users, Plan, Findings, Changes,
and every sheet-local name points at its own sheet.

usage: test_xlsx.py MFA_MIGRATE_BINARY SAMPLES_DIR
"""
import os
import re
import stat
import sys
import unittest
import zipfile

sys.path.insert(0, os.path.dirname(__file__))
import mfatest  # noqa: E402

BIN = None
SAMPLES = None
KINDS = ["Summary", "Users", "Plan", "Findings", "Changes"]


def sheets(path):
    """(name, part) per sheet, in tab order, and the defined names."""
    z = zipfile.ZipFile(path)
    wb = z.read("xl/workbook.xml").decode()
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    targets = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="(rId\d+)"', rels)})
    out = [(m.group(1), "xl/" + targets[m.group(2)])
           for m in re.finditer(r'<sheet name="([^"]+)" sheetId="\d+" r:id="(rId\d+)"', wb)]
    names = re.findall(r'<definedName name="_xlnm._FilterDatabase" localSheetId="(\d+)" '
                       r'hidden="1">([^<]+)</definedName>', wb)
    return z, out, names


def data_rows(z, part):
    return len(re.findall(r"<row ", z.read(part).decode())) - 1


class Sheets(unittest.TestCase):
    def report(self, command, *args, env=None):
        out = os.path.join(mfatest.tmpdir(), "out")
        code, _, stderr = mfatest.run(BIN, command, *args, "--out", out, "-q", env=env)
        self.assertEqual(code, 0, stderr)
        path = os.path.join(out, "report.xlsx")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assertEqual([f for f in os.listdir(out) if f.endswith(".tmp")], [])
        return out, path

    def check_order(self, path, want_kinds):
        z, got, names = sheets(path)
        kinds = []
        for i, (name, _) in enumerate(got):
            m = re.fullmatch(r"(\w+)(?: \((\d+)\))?", name)
            self.assertIsNotNone(m, name)
            kind, n = m.group(1), int(m.group(2) or 1)
            if not kinds or kinds[-1][0] != kind:
                self.assertEqual(n, 1, name)
                kinds.append([kind, 1])
            else:
                kinds[-1][1] += 1
                self.assertEqual(n, kinds[-1][1], name)
        self.assertEqual([k for k, _ in kinds], want_kinds)
        # One filter a sheet but the Summary, each on its own sheet.
        self.assertEqual(len(names), len(got) - 1)
        for idx, ref in names:
            name = got[int(idx)][0]
            self.assertTrue(ref.startswith(("'%s'!" % name) if " " in name else name + "!"),
                            (idx, ref, name))
        return z, got, dict(kinds)

    def test_plan_continued(self):
        src = os.path.join(SAMPLES, "graph-mfastate-export.csv")
        out, path = self.report("plan", "--from-csv", src, env={"MFA_XLSX_MAX_ROWS": "2"})
        z, got, counts = self.check_order(path, ["Summary", "Users", "Plan", "Findings"])
        self.assertGreater(counts["Users"], 1)
        users = mfatest.read_csv(os.path.join(out, "users.csv"))
        plan = mfatest.read_csv(os.path.join(out, "plan.csv"))
        per_kind = {}
        for name, part in got[1:]:
            kind = name.split(" ")[0]
            rows = data_rows(z, part)
            self.assertLessEqual(rows, 2, name)
            per_kind[kind] = per_kind.get(kind, 0) + rows
        self.assertEqual(per_kind["Users"], len(users))
        self.assertEqual(per_kind["Plan"], len(plan))
        # Users continue where the sheet before stopped: the users.csv order.
        upns = []
        for name, part in got:
            if name.startswith("Users"):
                upns += [t for r, t in re.findall(r'<c r="B(\d+)"[^>]*><is><t>([^<]*)</t>',
                                                  z.read(part).decode()) if int(r) > 1]
        self.assertEqual(upns, [u["userPrincipalName"] for u in users if u["userPrincipalName"]])

    def test_audit_compare_continued(self):
        src = os.path.join(SAMPLES, "lazyadmin-mfastatus.csv")
        prev = os.path.join(SAMPLES, "mfa-migrate-users.csv")
        _, path = self.report("audit", "--from-csv", src, "--compare", prev,
                              env={"MFA_XLSX_MAX_ROWS": "3"})
        _, _, counts = self.check_order(path, ["Summary", "Users", "Findings", "Changes"])
        self.assertGreater(counts["Changes"], 1)

    def test_default_rows(self):
        src = os.path.join(SAMPLES, "graph-mfastate-export.csv")
        _, path = self.report("plan", "--from-csv", src, env={"MFA_XLSX_MAX_ROWS": ""})
        _, got, _ = self.check_order(path, ["Summary", "Users", "Plan", "Findings"])
        self.assertEqual([n for n, _ in got], ["Summary", "Users", "Plan", "Findings"])


if __name__ == "__main__":
    BIN, SAMPLES = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=2)
