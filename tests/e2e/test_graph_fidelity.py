"""End to end: mfa-migrate against graph-emulator answering as Graph really
does (issue 12): the undocumented perUserMfaState fast path refused with
Graph's 400, and Conditional Access member reads that need their own
permissions (GroupMember.Read.All, RoleManagement.Read.Directory).

usage: test_graph_fidelity.py MFA_MIGRATE_BINARY GRAPH_EMULATOR_BINARY README
"""
import http.server
import json
import os
import re
import sys
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
import emu_harness  # noqa: E402
import mfatest  # noqa: E402
from emu_harness import Emulator  # noqa: E402

BIN = README = None

# What the README asked for before issue 12: member reads were left out.
OLD_PERMISSIONS = ["User.Read.All", "Policy.Read.All", "AuditLog.Read.All",
                   "Policy.ReadWrite.AuthenticationMethod"]
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
REASON_REFUSED = "Graph refused $select=perUserMfaState (http 400): per-user reads"
REASON_ABSENT = "the users list did not serve perUserMfaState: per-user reads"
REASON_INLINE = "the users list served perUserMfaState"


def live(base, command, *args, login=None):
    out = os.path.join(mfatest.tmpdir(), "out")
    code, stdout, stderr = mfatest.run(BIN, command, "--graph-url", base, "--login-url",
                                       login or base, "--out", out, *args, env=emu_harness.creds())
    return code, out, stdout, stderr


def users_of(out):
    return {u["id"]: u for u in mfatest.read_csv(os.path.join(out, "users.csv"))}


def summary(out):
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)


def readme_permissions():
    """The application permissions README.md's app registration table asks
    for: the backquoted names in its "Permissions" table."""
    with open(README, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^ *\| feature \| application permission.*?\n((?: *\|.*\n)+)", text, re.M | re.I)
    assert m, "README.md has no feature -> permission table"
    perms = set()
    for row in m.group(1).splitlines()[1:]:
        perms.update(re.findall(r"`([A-Za-z]+(?:\.[A-Za-z]+)+)`", row.strip().split("|")[2]))
    return sorted(perms)


class StatePath(unittest.TestCase):
    """(a) the per-user MFA state, whichever way Graph serves it, equals the
    emulator's truth for every user; summary.json says which path ran."""

    def scan(self, mode, reason, path):
        with Emulator("--users", 700, "--seed", 41, "--state-select", mode) as emu:
            code, out, _, stderr = live(emu.base, "audit", "-v")
            self.assertEqual(code, 0, stderr)
            want = emu.state()
            got = users_of(out)
            self.assertEqual(set(got), set(want))
            for uid, state in want.items():
                self.assertEqual(got[uid]["perUserMfaState"], state, uid)
            g = summary(out)["graph"]
            self.assertEqual((g["statePath"], g["statePathReason"]), (path, reason))
            self.assertEqual(g["unknownStates"], 0)
            self.assertIn("per-user MFA states read ", stderr)
            self.assertIn(reason, stderr)
            return emu.stats()["byEndpoint"]

    def test_reject_falls_back_to_batch(self):
        stats = self.scan("reject", REASON_REFUSED, "batch")
        self.assertIn("batch", json.dumps(stats))
        # refused once, on the first page; the listing went on without it
        self.assertEqual(stats["users"].get("400"), 1)
        self.assertGreaterEqual(stats["users"].get("200", 0), 1)

    def test_inline(self):
        stats = self.scan("inline", REASON_INLINE, "inline")
        self.assertNotIn("batch", json.dumps(stats))

    def test_drop_falls_back_to_batch(self):
        stats = self.scan("drop", REASON_ABSENT, "batch")
        self.assertIn("batch", json.dumps(stats))

    def test_other_400_still_fails(self):
        # A 400 that does not name the property is not the fast path's
        # refusal: the scan stops as before, and no report is written.
        body = json.dumps({"error": {"code": "Request_BadRequest",
                                     "message": "Invalid page size specified: '999'."}}).encode()
        seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                seen.append(self.path)
                self.send_response(400)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        t = threading.Thread(target=srv.serve_forever, daemon=True)
        t.start()
        try:
            with Emulator("--users", 10) as emu:
                code, out, _, stderr = live("http://127.0.0.1:%d" % srv.server_port, "audit",
                                            "--no-registration", "--no-ca", login=emu.base)
        finally:
            srv.shutdown()
            srv.server_close()
        self.assertEqual(code, 1, stderr)
        self.assertIn("cannot list the tenant's users: http 400", stderr)
        # asked once, with the fast path's $select: no second try without it
        # (the tenant-posture reads run alongside: not the users list)
        seen = [p for p in seen if p.startswith("/v1.0/users")]
        self.assertEqual(len(seen), 1, seen)
        self.assertIn("perUserMfaState", seen[0])
        self.assertFalse(os.path.exists(os.path.join(out, "summary.json")))


class MemberPermissions(unittest.TestCase):
    """(b) coverage that depends on group and role members: unknown, with one
    warning per missing permission, when the app lacks them; the known
    verdicts with the README's permissions."""

    @classmethod
    def setUpClass(cls):
        with Emulator("--users", 60, "--seed", 42) as emu:
            ids = sorted(emu.state())
        cls.ids = ids
        # who is where: direct (by id), two groups, a role, one excluded
        cls.direct = ids[0]
        cls.group_a = ids[1:8]          # paged: more members than a page holds
        cls.group_b = ids[8:10]
        cls.admins = ids[10:13]
        cls.excluded = ids[13]          # in group A and an admin, but excluded by id
        cls.via_group = ids[14]         # an admin through a role-assignable group
        cls.group_a = cls.group_a + [cls.excluded]
        cls.admins = cls.admins + [cls.excluded]
        ga, gb = "aa000000-0000-4000-8000-00000000000a", "bb000000-0000-4000-8000-00000000000b"
        gr = "cc000000-0000-4000-8000-00000000000c"

        def policy(pid, name, users):
            base = {"includeUsers": [], "excludeUsers": [], "includeGroups": [], "excludeGroups": [],
                    "includeRoles": [], "excludeRoles": []}
            base.update(users)
            return {"id": pid, "displayName": name, "state": "enabled",
                    "conditions": {"clientAppTypes": ["all"],
                                   "applications": {"includeApplications": ["All"]},
                                   "users": base},
                    "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}

        fixture = {
            "policies": [
                policy("p-direct", "CA-direct", {"includeUsers": [cls.direct]}),
                policy("p-groups", "CA-groups", {"includeGroups": [ga, gb],
                                                 "excludeUsers": [cls.excluded]}),
                policy("p-admins", "CA-admins", {"includeRoles": [GLOBAL_ADMIN],
                                                 "excludeUsers": [cls.excluded]}),
            ],
            "securityDefaults": {"isEnabled": False},
            "groups": [
                # members as a user object with id + @odata.type only, too
                {"id": ga, "displayName": "Finance",
                 "members": cls.group_a[:-2] + [{"@odata.type": "#microsoft.graph.user",
                                                 "id": cls.group_a[-2]}, cls.group_a[-1]]},
                {"id": gb, "displayName": "Sales", "members": cls.group_b},
                {"id": gr, "displayName": "Tier 0 admins", "members": [cls.via_group]},
            ],
            "directoryRoles": [{"id": "r-ga", "roleTemplateId": GLOBAL_ADMIN,
                                "displayName": "Global Administrator",
                                "members": cls.admins + [{"@odata.type": "#microsoft.graph.group",
                                                          "id": gr}]}],
        }
        cls.fixture = os.path.join(mfatest.tmpdir(), "ca-fixture.json")
        with open(cls.fixture, "w") as f:
            json.dump(fixture, f)

    def audit(self, permissions, *flags):
        with Emulator("--users", 60, "--seed", 42, "--ca-fixture", self.fixture,
                      "--app-permissions", ",".join(permissions), *flags) as emu:
            code, out, _, stderr = live(emu.base, "audit", "--no-registration")
            self.assertEqual(code, 0, stderr)
            got = {uid: u["caCoverage"].split(":")[0] for uid, u in users_of(out).items()}
            self.assertEqual(set(got), set(self.ids))
            return got, stderr, emu.stats()["byEndpoint"]

    def test_old_permissions_unknown_and_named(self):
        got, stderr, _ = self.audit(OLD_PERMISSIONS)
        # Known whatever the groups and the role hold: covered by id, and
        # excluded by id from the two policies that name them.
        self.assertEqual(got[self.direct], "covered")
        self.assertEqual(got[self.excluded], "not-covered")
        for uid in self.ids:
            if uid not in (self.direct, self.excluded):
                self.assertEqual(got[uid], "unknown", uid)
        lines = stderr.splitlines()
        groups = [l for l in lines if "GroupMember.Read.All" in l]
        roles = [l for l in lines if "RoleManagement.Read.Directory" in l]
        self.assertEqual(len(groups), 1, stderr)
        self.assertEqual(len(roles), 1, stderr)
        self.assertIn("cannot read group members (http 403, Authorization_RequestDenied): 2 groups",
                      groups[0])
        self.assertIn("cannot read directory role members (http 403, Authorization_RequestDenied): "
                      "1 directory role", roles[0])
        self.assertIn("'unknown'", groups[0])
        self.assertFalse([l for l in lines if "cannot read the members of" in l], stderr)

    def test_role_through_group_needs_group_permission(self):
        # The role's own list is read, but not the role-assignable group
        # holding it: the role is not read in full, and only whoever may
        # hold it through that group is unknown.
        perms = [p for p in readme_permissions() if p != "GroupMember.Read.All"]
        got, stderr, _ = self.audit(perms)
        for uid in self.admins:
            self.assertEqual(got[uid], "not-covered" if uid == self.excluded else "covered", uid)
        self.assertEqual(got[self.via_group], "unknown")
        groups = [l for l in stderr.splitlines() if "GroupMember.Read.All" in l]
        self.assertEqual(len(groups), 1, stderr)
        self.assertIn("3 groups", groups[0])
        self.assertNotIn("RoleManagement.Read.Directory", stderr)

    def check_known(self, got):
        for uid in self.ids:
            if uid == self.direct or (uid != self.excluded and
                                      uid in self.group_a + self.group_b + self.admins +
                                      [self.via_group]):
                want = "covered"
            else:
                want = "not-covered"
            self.assertEqual(got[uid], want, uid)

    def test_readme_permissions_known_verdicts(self):
        perms = readme_permissions()
        for p in ("GroupMember.Read.All", "RoleManagement.Read.Directory", "User.Read.All",
                  "Policy.Read.All"):
            self.assertIn(p, perms)
        got, stderr, stats = self.audit(perms)
        self.check_known(got)
        self.assertNotIn("403", stderr)
        self.assertIn("groupMembers", stats)
        self.assertIn("roleMembers", stats)

    def test_paged_members_with_empty_pages(self):
        # The role's members two to a page (the client sends no $top
        # there), and empty pages carrying a nextLink in every list: every
        # page is followed.
        got, stderr, stats = self.audit(readme_permissions(), "--member-page-size", 2,
                                        "--empty-pages", 3)
        self.check_known(got)
        self.assertNotIn("403", stderr)
        # three groups and one role, each list more than one page
        self.assertGreater(stats["groupMembers"]["200"], 3)
        self.assertGreaterEqual(stats["roleMembers"]["200"], 3)


if __name__ == "__main__":
    BIN = sys.argv[1]
    emu_harness.EXE = os.path.abspath(sys.argv[2])
    README = sys.argv[3]
    unittest.main(argv=sys.argv[:1], verbosity=2)
