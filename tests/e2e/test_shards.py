"""End to end: `audit --tenants FILE --shard I/N` against one graph-emulator
serving many tenants (--tenants N), and `mfa-migrate rollup` of the shards
against the unsharded roll-up.

usage: test_shards.py MFA_MIGRATE_BINARY GRAPH_EMULATOR_BINARY
"""
import json
import os
import re
import shutil
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
import emu_harness  # noqa: E402
import mfatest  # noqa: E402
from emu_harness import CLIENT, SECRET, Emulator  # noqa: E402

BIN = None
NOBODY = "00000000-0000-4000-8000-000000000099"  # a tenant the emulator does not serve
ENV = {"AZURE_CLIENT_ID": CLIENT, "AZURE_CLIENT_SECRET": SECRET, "AZURE_TENANT_ID": "",
       "AZURE_CLIENT_CERTIFICATE_PATH": "", "MFA_MIGRATE_ACCESS_TOKEN": "",
       "JOB_COMPLETION_INDEX": "", "MFA_MIGRATE_SHARD_COUNT": ""}


def fnv_shard(tid, n):
    """The documented rule, computed here independently of the tool."""
    h = 14695981039346656037
    for b in tid.lower().encode():
        h = ((h ^ b) * 1099511628211) % 2 ** 64
    h ^= h >> 33
    h = (h * 0xff51afd7ed558ccd) % 2 ** 64
    h ^= h >> 33
    h = (h * 0xc4ceb9fe1a85ec53) % 2 ** 64
    h ^= h >> 33
    return h % n


def sheet_rows(path, name):
    """The rows of one sheet as lists of cell texts (inline or shared strings, numbers)."""
    _, z = mfatest.xlsx_sheets(path)
    wb = z.read("xl/workbook.xml").decode()
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(r'<sheet name="%s" sheetId="\d+" r:id="(rId\d+)"' % name, wb).group(1)
    target = re.search(r'Id="%s"[^>]*Target="([^"]+)"' % rid, rels) or \
        re.search(r'Target="([^"]+)"[^>]*Id="%s"' % rid, rels)
    xml = z.read("xl/" + target.group(1).lstrip("/").replace("xl/", "")).decode()
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        sst = z.read("xl/sharedStrings.xml").decode()
        shared = [re.sub(r"<[^>]+>", "", si) for si in re.findall(r"<si>(.*?)</si>", sst, re.S)]
    rows = []
    for row in re.findall(r"<row [^>]*>(.*?)</row>", xml, re.S):
        cells = []
        for attrs, body in re.findall(r"<c ([^>]*?)(?:/>|>(.*?)</c>)", row, re.S):
            v = re.search(r"<v>(.*?)</v>", body or "")
            t = re.search(r"<t[^>]*>(.*?)</t>", body or "", re.S)
            if 't="s"' in attrs and v:
                cells.append(shared[int(v.group(1))])
            elif t:
                cells.append(t.group(1))
            else:
                cells.append(v.group(1) if v else "")
        rows.append(cells)
    return rows


def jload(path):
    with open(path) as f:
        return json.load(f)


def read(path):
    with open(path) as f:
        return f.read()


def without_paths(doc):
    """A roll-up summary.json less its report-folder paths and shard record."""
    doc = json.loads(json.dumps(doc))
    doc.pop("shard", None)
    for t in doc["tenants"]:
        t.pop("folder", None)
    return doc


class Shards(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator("--tenants", 7, "--users", 30, "--seed", 3)
        ids = [t["id"] for t in cls.emu.get_json("/_emulator/tenants", token=False)["tenants"]]
        cls.ids = ids[:4] + [NOBODY] + ids[4:]  # the failing one in the middle of the file
        cls.d = mfatest.tmpdir()
        cls.lst = os.path.join(cls.d, "tenants.txt")
        with open(cls.lst, "w") as f:
            f.write("# tenant, name, client id, certificate, graph url\n")
            for i, tid in enumerate(cls.ids):
                # upper case in the file: the hash lowercases
                f.write("%s,Tenant %d,,,%s\n" % (tid.upper() if i == 2 else tid, i, cls.emu.base))
        cls.whole = os.path.join(cls.d, "whole")
        cls.whole_code, out, err = cls.audit("--out", cls.whole)
        assert out.strip() == cls.whole, err

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()
        shutil.rmtree(cls.d, ignore_errors=True)

    @classmethod
    def audit(cls, *args, env=None):
        e = dict(ENV)
        e.update(env or {})
        return mfatest.run(BIN, "audit", "--tenants", cls.lst, "-q", *args, env=e)

    def shard(self, i, n, env=None, flags=None):
        out = os.path.join(self.d, "s%d-of-%d%s" % (i, n, "-env" if env else ""))
        code, stdout, stderr = self.audit("--out", out, *(flags or ["--shard", "%d/%d" % (i, n)]), env=env)
        self.assertEqual(stdout.strip(), out, stderr)
        return code, out, jload(os.path.join(out, "summary.json"))

    def test_whole_run(self):
        self.assertEqual(self.whole_code, 1)  # the tenant nobody serves failed
        doc = jload(os.path.join(self.whole, "summary.json"))
        self.assertNotIn("shard", doc)
        self.assertEqual([t["tenant"].lower() for t in doc["tenants"]], self.ids)
        self.assertEqual(doc["tenants"][4]["outcome"], "error")
        self.assertEqual(doc["allTenants"]["users"], 7 * 30)

    def test_shards_cover_every_tenant_once_and_roll_up_to_the_whole(self):
        whole = jload(os.path.join(self.whole, "summary.json"))
        whole_rows = sheet_rows(os.path.join(self.whole, "report.xlsx"), "Tenants")
        for n in (1, 2, 3, 5, 12):
            dirs, seen, codes = [], [], []
            for i in range(n):
                code, out, doc = self.shard(i, n)
                sh = doc["shard"]
                self.assertEqual((sh["index"], sh["count"], sh["fileTenants"]), (i, n, len(self.ids)))
                held = [t["tenant"].lower() for t in doc["tenants"]]
                self.assertEqual(held, [t["tenant"].lower() for t in sh["tenants"]])
                # exactly the tenants the documented hash puts here, in file order
                self.assertEqual(held, [t for t in self.ids if fnv_shard(t, n) == i], (i, n))
                self.assertEqual([t["position"] for t in sh["tenants"]],
                                 [self.ids.index(t) for t in held])
                seen += held
                dirs.append(out)
                codes.append(code)
                # its own audits ran: the counts are there (but the failed one's)
                for t in doc["tenants"]:
                    self.assertEqual("users" in t, t["tenant"] != NOBODY, t)
            self.assertEqual(sorted(seen), sorted(self.ids), n)  # every tenant, once
            if n == 12:
                self.assertIn(0, [len(jload(os.path.join(d, "summary.json"))["tenants"]) for d in dirs])
            merged = os.path.join(self.d, "merged-%d" % n)
            code, stdout, stderr = mfatest.run(BIN, "rollup", *reversed(dirs), "--out", merged, "-q")
            self.assertEqual(code, self.whole_code, stderr)
            self.assertEqual(code, max(codes), codes)
            self.assertEqual(stdout.strip(), merged)
            got = jload(os.path.join(merged, "summary.json"))
            self.assertEqual(without_paths(got), without_paths(whole), n)
            rows = sheet_rows(os.path.join(merged, "report.xlsx"), "Tenants")
            # every column but the report folder's (the last)
            self.assertEqual([r[:-1] if len(r) == len(whole_rows[0]) else r for r in rows],
                             [r[:-1] if len(r) == len(whole_rows[0]) else r for r in whole_rows], n)
            self.assertEqual(len(rows), 1 + len(self.ids) + 1)

    def test_job_completion_index_is_shard(self):
        for i in range(3):
            _, _, by_flag = self.shard(i, 3)
            _, _, by_env = self.shard(i, 3, env={"JOB_COMPLETION_INDEX": str(i)}, flags=["--shard-count", "3"])
            self.assertEqual(by_env["shard"], by_flag["shard"])
        _, _, by_var = self.shard(2, 3, env={"JOB_COMPLETION_INDEX": "2", "MFA_MIGRATE_SHARD_COUNT": "3"},
                                  flags=[])
        self.assertEqual(by_var["shard"]["tenants"], by_flag["shard"]["tenants"])
        # --shard wins over the environment
        _, _, doc = self.shard(1, 3, env={"JOB_COMPLETION_INDEX": "2", "MFA_MIGRATE_SHARD_COUNT": "3"})
        self.assertEqual(doc["shard"]["index"], 1)

    def test_shard_usage_errors(self):
        out = os.path.join(self.d, "never")
        cases = [
            (["--shard", "3/3"], {}, "numbered 0 to 2"),
            (["--shard", "1"], {}, "is not I/N"),
            (["--shard", "0/2", "--shard-count", "2"], {}, "drop --shard-count"),
            (["--shard-count", "3"], {}, "set JOB_COMPLETION_INDEX"),
            (["--shard-count", "3"], {"JOB_COMPLETION_INDEX": "3"}, "JOB_COMPLETION_INDEX: '3'"),
            ([], {"MFA_MIGRATE_SHARD_COUNT": "x", "JOB_COMPLETION_INDEX": "0"}, "MFA_MIGRATE_SHARD_COUNT: 'x'"),
        ]
        for flags, env, msg in cases:
            code, stdout, stderr = self.audit("--out", out, *flags, env=env)
            self.assertEqual(code, 2, (flags, stderr))
            self.assertIn(msg, stderr)
            self.assertEqual(stdout, "")
            self.assertFalse(os.path.exists(out))
        code, _, stderr = mfatest.run(BIN, "audit", "--from-csv", "/dev/null", "--shard", "0/2", env=ENV)
        self.assertEqual(code, 2)
        self.assertIn("--tenants", stderr)

    def test_rollup_refuses_what_is_not_one_run(self):
        s = [self.shard(i, 3)[1] for i in range(3)]
        other = self.shard(0, 2)[1]
        out = os.path.join(self.d, "refused")

        def refused(*dirs, msg):
            code, stdout, stderr = mfatest.run(BIN, "rollup", *dirs, "--out", out)
            self.assertEqual(code, 1, stderr)
            self.assertIn(msg, stderr)
            self.assertEqual(stdout, "")
            self.assertFalse(os.path.exists(out), dirs)
        refused(s[0], s[2], msg="1 of 3 shards missing (shard 1)")
        refused(s[1], msg="2 of 3 shards missing (shard 0, 2)")
        refused(s[0], s[1], s[2], s[1], msg="shard 1 of 3 is given twice")
        refused(s[0], s[1], s[2], other, msg="but '%s' is of 3" % s[0])
        refused(self.whole, msg="unsharded run")
        refused(os.path.join(self.d, "nothing-here"), msg="holds no roll-up")
        # a shard of another file (one tenant less)
        lst2 = os.path.join(self.d, "tenants2.txt")
        with open(self.lst) as f, open(lst2, "w") as g:
            g.writelines(f.readlines()[:-1])
        alien = os.path.join(self.d, "alien")
        code, _, stderr = mfatest.run(BIN, "audit", "--tenants", lst2, "--shard", "1/3", "--out", alien, "-q",
                                      env=ENV)
        refused(s[0], alien, s[2], msg="another tenants file")
        # a tenant in two shards (a shard's record edited)
        fake = os.path.join(self.d, "fake")
        shutil.copytree(s[2], fake)
        doc = jload(os.path.join(s[1], "summary.json"))
        doc2 = jload(os.path.join(fake, "summary.json"))
        self.assertTrue(doc["tenants"] and doc2["tenants"])  # the ids are fixed: both shards hold some
        doc2["tenants"][0] = doc["tenants"][0]
        doc2["shard"]["tenants"][0] = doc["shard"]["tenants"][0]
        with open(os.path.join(fake, "summary.json"), "w") as f:
            json.dump(doc2, f)
        refused(s[0], s[1], fake, msg="is in both")
        code, _, stderr = mfatest.run(BIN, "rollup")
        self.assertEqual(code, 2, stderr)
        # --out one of the shards: refused, that shard untouched
        before = read(os.path.join(s[0], "summary.json"))
        code, _, stderr = mfatest.run(BIN, "rollup", *s, "--out", s[0])
        self.assertEqual(code, 1, stderr)
        self.assertIn("is the shard folder", stderr)
        self.assertEqual(read(os.path.join(s[0], "summary.json")), before)


if __name__ == "__main__":
    BIN = sys.argv[1]
    emu_harness.EXE = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
