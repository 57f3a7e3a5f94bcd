"""End to end: `audit --compare` between two live audits with changes made
in between (through Graph's own PATCH), and --fail-on on new findings only.

usage: test_compare.py MFA_MIGRATE_BINARY GRAPH_EMULATOR_BINARY
"""
import json
import os
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


def audit(emu, *args):
    out = os.path.join(mfatest.tmpdir(), "audit")
    env = emu_harness.creds()
    code, _, stderr = mfatest.run(BIN, "audit", "--graph-url", emu.base, "--login-url", emu.base,
                                  "--out", out, "-q", *args, env=env)
    return code, out, stderr


class Compare(unittest.TestCase):
    def test_changes_between_two_audits(self):
        with Emulator("--users", 400, "--seed", 9) as emu:
            code, first, stderr = audit(emu)
            self.assertEqual(code, 0, stderr)
            users = mfatest.read_csv(os.path.join(first, "users.csv"))
            # A: disabled and registered; turned on again it becomes enforced.
            a = next(u for u in users if u["perUserMfaState"] == "disabled"
                     and u["isMfaRegistered"] == "true" and u["isAdmin"] != "true")
            # B: enforced, switched off.
            b = next(u for u in users if u["perUserMfaState"] == "enforced")
            for uid, state in ((a["id"], "enabled"), (b["id"], "disabled")):
                r = emu.request("PATCH", "/beta/users/%s/authentication/requirements" % uid,
                                body={"perUserMfaState": state})
                self.assertEqual(r.status, 204, r.body)

            # A plain finding fails on what was there before as well...
            code, _, stderr = audit(emu, "--fail-on", "app-passwords-possible")
            self.assertEqual(code, 3, stderr)
            # ...a new: one only on what appeared since.
            code, second, stderr = audit(emu, "--compare", first, "--fail-on",
                                         "new:admin-not-registered")
            self.assertEqual(code, 0, stderr)
            rows = mfatest.read_csv(os.path.join(second, "changes.csv"))
            self.assertEqual({r["id"] for r in rows}, {a["id"], b["id"]})
            kinds = {(r["id"], r["change"]) for r in rows}
            self.assertIn((a["id"], "state-away-from-disabled"), kinds)
            self.assertIn((a["id"], "finding-appeared"), kinds)
            self.assertIn((b["id"], "state-changed"), kinds)
            away = next(r for r in rows if r["change"] == "state-away-from-disabled")
            self.assertEqual((away["previous"], away["current"], away["severity"]),
                             ("disabled", "enforced", "high"))
            s = json.load(open(os.path.join(second, "summary.json")))
            self.assertEqual(s["changes"]["usersChanged"], 2)
            self.assertEqual(s["changes"]["byKind"]["state-away-from-disabled"], 1)
            self.assertEqual(s["changes"]["previousUsers"], 400)

            code, _, stderr = audit(emu, "--compare", first, "--fail-on",
                                    "new:app-passwords-possible")
            self.assertEqual(code, 3, stderr)
            code, _, stderr = audit(emu, "--compare", first, "--fail-on", "state-away-from-disabled")
            self.assertEqual(code, 3, stderr)
            # Against the second run nothing is new.
            code, third, stderr = audit(emu, "--compare", second, "--fail-on",
                                        "new:app-passwords-possible,state-changed,added,removed")
            self.assertEqual(code, 0, stderr)
            self.assertEqual(mfatest.read_csv(os.path.join(third, "changes.csv")), [])

    def test_history(self):
        root = os.path.join(mfatest.tmpdir(), "history")
        tenant_dir = os.path.join(root, TENANT)
        os.makedirs(tenant_dir)
        # A folder named like a run but not written by mfa-migrate: never touched.
        stranger = os.path.join(tenant_dir, "20200101T000000Z")
        os.makedirs(stranger)
        open(os.path.join(stranger, "users.csv"), "w").write("not ours\n")
        env = emu_harness.creds()
        with Emulator("--users", 200, "--seed", 4) as emu:
            def run(*args):
                code, stdout, stderr = mfatest.run(BIN, "audit", "--graph-url", emu.base, "--login-url",
                                                   emu.base, "--history", root, "--keep", "1", *args,
                                                   env=env)
                return code, stdout.strip(), stderr
            code, first, stderr = run()
            self.assertEqual(code, 0, stderr)
            self.assertTrue(first.startswith(tenant_dir + "/"), first)
            users = mfatest.read_csv(os.path.join(first, "users.csv"))
            off = next(u for u in users if u["perUserMfaState"] == "disabled" and u["isAdmin"] != "true")
            r = emu.request("PATCH", "/beta/users/%s/authentication/requirements" % off["id"],
                            body={"perUserMfaState": "enforced"})
            self.assertEqual(r.status, 204, r.body)
            code, second, stderr = run("--fail-on", "state-away-from-disabled")
            self.assertEqual(code, 3, stderr)  # compared with the first run, unasked
            s = json.load(open(os.path.join(second, "summary.json")))
            self.assertEqual(s["changes"]["previous"], first)
            self.assertEqual([r["run"] for r in s["history"]["runs"]], [os.path.basename(first)])
            rows = mfatest.read_csv(os.path.join(second, "changes.csv"))
            self.assertEqual({r["id"] for r in rows}, {off["id"]})
            code, third, stderr = run("--fail-on", "state-away-from-disabled")
            self.assertEqual(code, 0, stderr)  # nothing new since the second
            s = json.load(open(os.path.join(third, "summary.json")))
            self.assertEqual(len(s["history"]["runs"]), 2)
            # the Summary sheet's trend table, with its line chart
            _, z = mfatest.xlsx_sheets(os.path.join(third, "report.xlsx"))
            charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
            self.assertTrue(any("lineChart" in c for c in charts))
            summary_xml = z.read("xl/worksheets/sheet1.xml").decode()
            self.assertIn("trend across the kept runs", summary_xml)
        # --keep 1: the two older runs are compressed, the newest is not,
        # and nothing was deleted.
        for old in (first, second):
            names = os.listdir(old)
            self.assertIn("users.csv.gz", names)
            self.assertNotIn("users.csv", names)
            self.assertIn("summary.json", names)
            self.assertIn("report.xlsx", names)
        self.assertIn("users.csv", os.listdir(third))
        self.assertEqual(open(os.path.join(stranger, "users.csv")).read(), "not ours\n")
        # a compressed run still serves as the previous one
        code, _, stderr = mfatest.run(BIN, "audit", "--from-csv", os.path.join(third, "users.csv"),
                                      "--compare", first, "--out", os.path.join(mfatest.tmpdir(), "x"))
        self.assertEqual(code, 0, stderr)

    def test_many_tenants(self):
        ids = ["00000000-0000-0000-0000-00000000000%d" % i for i in (1, 2, 3)]
        env = {"AZURE_CLIENT_ID": CLIENT, "AZURE_CLIENT_SECRET": SECRET,
               "AZURE_CLIENT_CERTIFICATE_PATH": "", "MFA_MIGRATE_ACCESS_TOKEN": ""}
        emus = [Emulator("--users", 100 * (i + 1), "--seed", i + 1, "--tenant-id", ids[i]) for i in range(3)]
        try:
            # the third tenant's emulator is gone: that audit fails, the others do not
            emus[2].stop()
            d = mfatest.tmpdir()
            lst = os.path.join(d, "tenants.txt")
            with open(lst, "w") as f:
                f.write("# tenant, name, client id, certificate, graph url\n")
                for i, name in enumerate(("Contoso", "Fabrikam", "Broken")):
                    f.write("%s,%s,,,%s\n" % (ids[i], name, emus[i].base))
            out = os.path.join(d, "roll")
            code, stdout, stderr = mfatest.run(BIN, "audit", "--tenants", lst, "--out", out,
                                               "--timeout", "2", "--attempts", "2", env=env)
            self.assertEqual(code, 1, stderr)  # the worst of the three
            self.assertEqual(stdout.strip(), out)
            self.assertIn("[Broken] error", stderr)
            roll = json.load(open(os.path.join(out, "summary.json")))
            got = {t["name"]: t for t in roll["tenants"]}
            self.assertEqual(got["Broken"]["outcome"], "error")
            for i, name in enumerate(("Contoso", "Fabrikam")):
                t = got[name]
                self.assertEqual(t["outcome"], "done")
                self.assertEqual(t["users"], 100 * (i + 1))
                # each tenant's own complete report, against its own emulator
                own = json.load(open(os.path.join(t["folder"], "summary.json")))
                self.assertEqual(own["tenantId"], ids[i])
                self.assertEqual(len(mfatest.read_csv(os.path.join(t["folder"], "users.csv"))), 100 * (i + 1))
            self.assertEqual(roll["allTenants"]["users"], 300)
            sheets, _ = mfatest.xlsx_sheets(os.path.join(out, "report.xlsx"))
            self.assertEqual(sheets["Tenants"], 1 + 3 + 1)  # header, tenants, total
        finally:
            for e in emus:
                e.stop()

    def test_tenant_audits_inherit_no_descriptors(self):
        # each tenant's audit gets stdin, its stdout file and its log, and
        # no other descriptor its parent holds
        ids = ["00000000-0000-0000-0000-000000000001"]
        env = dict(os.environ, AZURE_CLIENT_ID=CLIENT, AZURE_CLIENT_SECRET=SECRET,
                   AZURE_CLIENT_CERTIFICATE_PATH="", MFA_MIGRATE_ACCESS_TOKEN="")
        with Emulator("--users", 20, "--tenant-id", ids[0], "--slow", 1, "--slow-seconds", 1) as emu:
            d = mfatest.tmpdir()
            lst = os.path.join(d, "tenants.txt")
            with open(lst, "w") as f:
                f.write("%s,Contoso,,,%s\n" % (ids[0], emu.base))
            marker = os.path.join(d, "marker")
            fd = os.open(marker, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                p = subprocess.Popen([BIN, "audit", "--tenants", lst, "--out", os.path.join(d, "roll")],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                     pass_fds=(fd,))
            finally:
                os.close(fd)
            seen = set()
            while p.poll() is None:
                for tid in os.listdir("/proc/%d/task" % p.pid) if os.path.isdir("/proc/%d" % p.pid) else []:
                    try:
                        kids = open("/proc/%d/task/%s/children" % (p.pid, tid)).read().split()
                    except OSError:
                        continue
                    for kid in kids:
                        try:
                            # between posix_spawn's clone and its exec the
                            # child still holds the parent's descriptors:
                            # only an audit that runs (its own argv) counts
                            with open("/proc/%s/cmdline" % kid, "rb") as f:
                                if b"\0--tenant\0" not in f.read():
                                    continue
                            for n in os.listdir("/proc/%s/fd" % kid):
                                seen.add(os.readlink("/proc/%s/fd/%s" % (kid, n)))
                        except OSError:
                            pass
                time.sleep(0.05)
            out, err = p.communicate()
            self.assertEqual(p.returncode, 0, err)
            self.assertTrue(any(x.endswith(".log.tmp") for x in seen), seen)  # the child was seen (its log)
            self.assertNotIn(marker, seen)

    def test_tenant_name_outside_rollup(self):
        # a tenant line ".." (or one with a '/') would name a folder outside
        # the roll-up: the run is refused before any audit starts
        d = mfatest.tmpdir()
        for bad in ("..", ".", "../elsewhere", "a/b"):
            lst = os.path.join(d, "tenants.txt")
            with open(lst, "w") as f:
                f.write("00000000-0000-0000-0000-000000000001,Contoso\n%s,Bad\n" % bad)
            out = os.path.join(d, "roll")
            before = sorted(os.listdir(d))
            code, stdout, stderr = mfatest.run(BIN, "audit", "--tenants", lst, "--out", out)
            self.assertEqual(code, 1, stderr)
            self.assertIn("tenants.txt:2:", stderr)
            self.assertIn("cannot name a folder", stderr)
            self.assertEqual(stdout, "")
            self.assertEqual(sorted(os.listdir(d)), before)

    def test_usage(self):
        with Emulator("--users", 10) as emu:
            code, _, stderr = audit(emu, "--fail-on", "new:admin-not-registered")
            self.assertEqual(code, 2, stderr)
            code, _, stderr = audit(emu, "--compare", "/nonexistent/run")
            self.assertEqual(code, 1, stderr)
            self.assertIn("/nonexistent/run", stderr)
            code, _, stderr = audit(emu, "--compare", "/tmp", "--fail-on", "new:no-such-finding")
            self.assertEqual(code, 2, stderr)


if __name__ == "__main__":
    BIN = sys.argv[1]
    emu_harness.EXE = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
