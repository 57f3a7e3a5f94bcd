"""End to end: audit --sign-ins DAYS against graph-emulator's sign-in logs
(real binary): who gets MFA only from per-user MFA before a migration,
that nobody is still prompted by it after apply, --fail-on, the licence
refusal, and flat memory over 200,000 sign-ins.

usage: test_signins.py MFA_MIGRATE_BINARY GRAPH_EMULATOR_BINARY
"""
import csv
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
import emu_harness  # noqa: E402
import mfatest  # noqa: E402
from emu_harness import Emulator  # noqa: E402

BIN = None
PERMS = ("User.Read.All,Policy.Read.All,AuditLog.Read.All,Policy.ReadWrite.AuthenticationMethod,"
         "GroupMember.Read.All,RoleManagement.Read.Directory")
GROUP = "c0ffee00-0000-4000-8000-000000000001"
ON = ("enabled", "enforced")


def policy(pid, name, state, users):
    return {"id": pid, "displayName": name, "state": state,
            "conditions": {"users": users, "applications": {"includeApplications": ["All"]},
                           "clientAppTypes": ["all"]},
            "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}


# Everyone required MFA by one enabled policy: every verdict `covered`.
CA_ALL = {"policies": [policy("00000000-0000-0000-0000-0000000000a1", "MFA for all users", "enabled",
                              {"includeUsers": ["All"]})]}


def fixture_file(obj):
    path = os.path.join(mfatest.tmpdir(), "fixture.json")
    with open(path, "w") as f:
        json.dump(obj, f)
    return path


def tenant_ids(users, seed):
    """The generated tenant's ids and states (an emulator without fixture)."""
    with Emulator("--users", str(users), "--seed", str(seed)) as emu:
        return emu.state()


def audit(emu, *extra):
    out = os.path.join(mfatest.tmpdir(), "audit")
    code, _, stderr = mfatest.live(BIN, emu, "audit", "--out", out, *extra)
    return code, out, stderr


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def with_finding(out, name):
    return {r["id"] for r in rows(os.path.join(out, "users.csv")) if name in r["findings"].split(";")}


def advance(emu):
    r = emu.request("POST", "/_emulator/sign-ins/advance", body=b"", token=False)
    assert r.status == 200, r.body
    return r.json()


class BeforeMigration(unittest.TestCase):
    def test_only_from_per_user_is_the_uncovered_per_user_users(self):
        states = tenant_ids(60, 7)
        ids = sorted(states)
        members = ids[::3]  # the group an enabled policy requires MFA of
        fixture = {
            "policies": [
                policy("00000000-0000-0000-0000-0000000000b1", "MFA for the group", "enabled",
                       {"includeGroups": [GROUP]}),
                # neither of these requires anything of anyone
                policy("00000000-0000-0000-0000-0000000000b2", "MFA for all (report-only)",
                       "enabledForReportingButNotEnforced", {"includeUsers": ["All"]}),
                policy("00000000-0000-0000-0000-0000000000b3", "MFA for all (old)", "disabled",
                       {"includeUsers": ["All"]}),
            ],
            "groups": [{"id": GROUP, "displayName": "MFA users", "members": members}],
        }
        with Emulator("--users", "60", "--seed", "7", "--sign-ins-per-user", "3",
                      "--ca-fixture", fixture_file(fixture), "--app-permissions", PERMS) as emu:
            self.assertEqual(emu.state(), states)
            code, out, stderr = audit(emu, "--sign-ins", "7")
            self.assertEqual(code, 0, stderr)
            want = {i for i, s in states.items() if s in ON and i not in members}
            self.assertTrue(want, "the tenant has per-user MFA users outside the group")
            self.assertEqual(with_finding(out, "mfa-only-from-per-user"), want)
            # the policies agree: nobody `covered` got MFA from per-user MFA alone
            self.assertEqual(with_finding(out, "coverage-disagrees"), set())
            # everyone per-user MFA is on for was last prompted by it
            self.assertEqual(with_finding(out, "still-prompted-by-per-user-mfa"),
                             {i for i, s in states.items() if s in ON})
            users = {r["id"]: r for r in rows(os.path.join(out, "users.csv"))}
            sis = {r["id"]: r for r in rows(os.path.join(out, "signins.csv"))}
            self.assertEqual(set(sis), set(states))
            for i, r in sis.items():
                self.assertEqual(r["signIns"], "3", i)
                self.assertEqual(users[i]["signIns"], "3", i)
                self.assertEqual(r["mfaByPerUser"], "3" if states[i] in ON else "0", i)
                self.assertEqual(r["mfaByConditionalAccess"], "3" if i in members else "0", i)
                self.assertEqual(users[i]["mfaByConditionalAccess"], r["mfaByConditionalAccess"], i)
            legacy = {i for i, r in sis.items() if r["legacyClientSignIns"] != "0"}
            self.assertEqual(with_finding(out, "legacy-client-sign-ins"), legacy)
            stats = emu.stats()["byEndpoint"]
            self.assertIn("signIns", stats)

            # Policies read from a file that say everyone is covered: the
            # sign-ins disagree for exactly the same users.
            files = os.path.join(mfatest.tmpdir(), "ca-all.json")
            with open(files, "w") as f:
                json.dump({"value": CA_ALL["policies"]}, f)
            code, out, stderr = audit(emu, "--sign-ins", "7", "--ca-policies", files)
            self.assertEqual(code, 0, stderr)
            self.assertEqual(with_finding(out, "coverage-disagrees"), want)

    def test_without_licence_or_permission_the_run_goes_on(self):
        for args in (["--no-registration-license"],
                     ["--app-permissions", "User.Read.All,Policy.Read.All"]):
            with Emulator("--users", "20", "--sign-ins-per-user", "2", *args) as emu:
                code, out, stderr = audit(emu, "--sign-ins", "7")
                self.assertEqual(code, 0, stderr)
                self.assertIn("sign-in logs unavailable", stderr)
                self.assertIn("AuditLog.Read.All", stderr)
                self.assertFalse(os.path.exists(os.path.join(out, "signins.csv")))
                us = rows(os.path.join(out, "users.csv"))
                self.assertEqual(len(us), 20)
                self.assertTrue(all(r["signIns"] == "" for r in us))

    def test_usage(self):
        with Emulator("--users", "5") as emu:
            for extra in (["plan", "--sign-ins", "7"], ["audit", "--sign-ins", "0"],
                          ["audit", "--sign-ins", "31"], ["audit", "--sign-ins"]):
                code, _, stderr = mfatest.live(BIN, emu, *extra)
                self.assertEqual(code, 2, stderr)
                self.assertIn("sign-ins", stderr)
        code, _, stderr = mfatest.run(BIN, "audit", "--from-csv", os.path.join(HERE, "..", "..", "samples",
                                      "graph-peruser-state.csv"), "--sign-ins", "7")
        self.assertEqual(code, 2, stderr)
        self.assertIn("--from-csv", stderr)


class AfterMigration(unittest.TestCase):
    def test_still_prompted_after_apply(self):
        with Emulator("--users", "60", "--seed", "3", "--sign-ins-per-user", "2",
                      "--ca-fixture", fixture_file(CA_ALL), "--app-permissions", PERMS) as emu:
            before = emu.state()
            left = sorted(i for i, s in before.items() if s == "enforced")[0]
            ex = os.path.join(mfatest.tmpdir(), "exclude.txt")
            with open(ex, "w") as f:
                f.write(left + "\n")

            def migrate(*extra):
                out = os.path.join(mfatest.tmpdir(), "plan")
                code, _, stderr = mfatest.live(BIN, emu, "plan", "--out", out, *extra)
                self.assertEqual(code, 0, stderr)
                code, _, stderr = mfatest.live(BIN, emu, "apply", os.path.join(out, "plan.jsonl"),
                                               "--yes", "--out", os.path.join(mfatest.tmpdir(), "apply"))
                self.assertEqual(code, 0, stderr)

            # one user left enforced (excluded from the plan)
            migrate("--exclude", ex)
            after = emu.state()
            self.assertEqual({i for i, s in after.items() if s in ON}, {left})
            self.assertEqual(advance(emu)["rounds"], 2)
            code, out, stderr = audit(emu, "--sign-ins", "7", "--fail-on", "still-prompted-by-per-user-mfa")
            self.assertEqual(code, 3, stderr)
            self.assertEqual(with_finding(out, "still-prompted-by-per-user-mfa"), {left})
            # the older round still shows per-user MFA in the counts
            sis = {r["id"]: r for r in rows(os.path.join(out, "signins.csv"))}
            some = next(i for i, s in before.items() if s in ON and i != left)
            self.assertEqual(sis[some]["mfaByPerUser"], "2")
            self.assertEqual(sis[some]["lastMfaByPerUser"], "false")
            self.assertEqual(sis[left]["lastMfaByPerUser"], "true")

            # the rest of the migration: nobody is still prompted
            migrate()
            self.assertEqual({i for i, s in emu.state().items() if s in ON}, set())
            advance(emu)
            code, out, stderr = audit(emu, "--sign-ins", "7", "--fail-on", "still-prompted-by-per-user-mfa")
            self.assertEqual(code, 0, stderr)
            self.assertEqual(with_finding(out, "still-prompted-by-per-user-mfa"), set())


def peak_rss_kib(args, env):
    """Runs mfa-migrate under /usr/bin/time -v; its peak RSS (KiB). (The
    rusage wait4 gives would count the forked copy of this Python process
    before the exec, hiding the child's own peak.)"""
    p = subprocess.run(["/usr/bin/time", "-v", BIN, *args], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    for line in p.stderr.splitlines():
        if "Maximum resident set size" in line:
            return int(line.rsplit(":", 1)[1])
    raise AssertionError("no peak RSS in /usr/bin/time's output: " + p.stderr[-500:])


def sanitized(binary):
    """True for a binary built with AddressSanitizer (CI's second run):
    its allocator keeps freed memory in quarantine and pads every block,
    so its peak RSS says nothing about the program's own memory."""
    p = subprocess.run(["ldd", binary], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return "libasan" in p.stdout


class Memory(unittest.TestCase):
    def test_200000_sign_ins_in_flat_memory(self):
        # 20,000 users x 10 sign-ins; reports budget and emulator time-scaled alike
        with Emulator("--users", "20000", "--sign-ins-per-user", "10", "--time-scale", "100",
                      "--app-permissions", PERMS) as emu:
            env = mfatest.live_env()
            base = ["audit", "--graph-url", emu.base, "--login-url", emu.base, "--reports-budget", "500"]
            plain = peak_rss_kib(base + ["--out", os.path.join(mfatest.tmpdir(), "a")], env)
            out = os.path.join(mfatest.tmpdir(), "b")
            signins = peak_rss_kib(base + ["--out", out, "--sign-ins", "7"], env)
            total = sum(int(r["signIns"]) for r in rows(os.path.join(out, "signins.csv")))
            self.assertEqual(total, 200000)
            print("peak RSS: %d KiB without --sign-ins, %d KiB with" % (plain, signins), file=sys.stderr)
            if sanitized(BIN):
                # the figure is judged in the plain build's run of this test
                print("(AddressSanitizer build: peak RSS not judged)", file=sys.stderr)
                return
            self.assertLess(signins - plain, 32 * 1024)


if __name__ == "__main__":
    BIN = sys.argv[1]
    emu_harness.EXE = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
