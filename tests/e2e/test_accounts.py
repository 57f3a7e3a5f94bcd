"""End to end: account types (issue 14 item 4) against graph-emulator.

--sign-in-activity reads signInActivity on the users scan (pages of at most
500) into lastSignInDateTime / lastNonInteractiveSignInDateTime and raises
stale-account; --mailbox-purpose reads mailboxSettings/userPurpose, 20 a
$batch, for users with a mailbox, into mailboxPurpose and raises
shared-mailbox; plan --hold-stale / --skip-shared-mailboxes hold them.
Everything is compared user by user with /_emulator/state?accounts=1, and
the request counts with /_emulator/stats. A 403 (no permission, no P1
licence) gives one warning and exit 0.

usage: test_accounts.py MFA_MIGRATE_BINARY GRAPH_EMULATOR_BINARY
"""
import csv
import datetime
import json
import math
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
import emu_harness  # noqa: E402
import mfatest  # noqa: E402
from emu_harness import Emulator  # noqa: E402

BIN = None
ALL = "User.Read.All,Policy.Read.All,AuditLog.Read.All,MailboxSettings.Read"
SIGN_IN_PAGE = 500   # Graph's largest users page with signInActivity
BATCH = 20           # $batch items


def accounts(emu):
    """{id: row} of /_emulator/state?accounts=1."""
    r = emu.request("GET", "/_emulator/state?accounts=1", token=False)
    rows = list(csv.DictReader(r.body.splitlines()))
    return {row["id"]: row for row in rows}


def mails(emu):
    """{id: mail} of the emulator's export (users.csv shape)."""
    r = emu.request("GET", "/_emulator/export", token=False)
    return {row["id"]: row["mail"] for row in csv.DictReader(r.body.splitlines())}


def when(s):
    return datetime.datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)


def stale(row, days):
    """The rule, written again: no sign-in (interactive or not) newer than
    now - days; never signed in (both empty) is stale."""
    cut = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days)
    times = [row[k] for k in ("lastSignInDateTime", "lastNonInteractiveSignInDateTime") if row[k]]
    return all(when(t) <= cut for t in times)


def run(emu, command, *flags):
    out = os.path.join(mfatest.tmpdir(), "out")
    code, _, stderr = mfatest.live(BIN, emu, command, "--no-ca", "--out", out, *flags)
    return code, out, stderr


def findings(row):
    return set(filter(None, row["findings"].split(";")))


class Accounts(unittest.TestCase):
    def check_sign_in(self, emu, rows, days=90):
        want = accounts(emu)
        self.assertEqual({r["id"] for r in rows}, set(want))
        n_stale = n_never = 0
        for r in rows:
            w = want[r["id"]]
            self.assertEqual(r["lastSignInDateTime"], w["lastSignInDateTime"], r["id"])
            self.assertEqual(r["lastNonInteractiveSignInDateTime"], w["lastNonInteractiveSignInDateTime"], r["id"])
            s = stale(w, days)
            self.assertEqual("stale-account" in findings(r), s, r["id"])
            n_stale += s
            n_never += not w["lastSignInDateTime"] and not w["lastNonInteractiveSignInDateTime"]
        # the tenant has each kind, so the comparison means something
        self.assertGreater(n_never, 0)
        self.assertGreater(n_stale, n_never if days < 400 else n_never - 1)
        self.assertLess(n_stale, len(rows))
        return n_stale

    def check_mailbox(self, emu, rows):
        want = accounts(emu)
        shared = 0
        for r in rows:
            w = want[r["id"]]
            self.assertEqual(r["mailboxPurpose"], w["mailboxPurpose"], r["id"])
            s = w["mailboxPurpose"] in ("shared", "room", "equipment")
            self.assertEqual("shared-mailbox" in findings(r), s, r["id"])
            shared += s
        self.assertGreater(shared, 0)
        return shared

    def test_audit_user_by_user_and_request_counts(self):
        n = 1300
        with Emulator("--users", n, "--seed", 7, "--app-permissions", ALL) as emu:
            code, out, stderr = run(emu, "audit", "--no-registration", "--sign-in-activity", "--mailbox-purpose")
            self.assertEqual(code, 0, stderr)
            self.assertNotIn("sign-in activity not read", stderr)
            self.assertNotIn("mailbox purpose not read", stderr)
            rows = mfatest.read_csv(os.path.join(out, "users.csv"))
            n_stale = self.check_sign_in(emu, rows)
            n_shared = self.check_mailbox(emu, rows)
            with_mail = sum(1 for m in mails(emu).values() if m)
            self.assertLess(with_mail, n)  # some users have no mailbox, and are not asked
            by = emu.stats()["byEndpoint"]
            # users pages: ceil(users / 500); mailbox batches: ceil(users with mail / 20)
            self.assertEqual(by["users"], {"200": math.ceil(n / SIGN_IN_PAGE)})
            self.assertEqual(by["batch"], {"200": math.ceil(with_mail / BATCH)})
            self.assertEqual(by["mailboxSettings"], {"200": with_mail})
            with open(os.path.join(out, "summary.json")) as f:
                s = json.load(f)
            text = json.dumps(s)
            self.assertIn('"stale-account": %d' % n_stale, text)
            self.assertIn('"shared-mailbox": %d' % n_shared, text)

    def test_without_flags_nothing_is_read(self):
        with Emulator("--users", 300, "--seed", 7, "--app-permissions", ALL) as emu:
            code, out, stderr = run(emu, "audit", "--no-registration")
            self.assertEqual(code, 0, stderr)
            rows = mfatest.read_csv(os.path.join(out, "users.csv"))
            self.assertTrue(all(not r["lastSignInDateTime"] and not r["mailboxPurpose"] for r in rows))
            self.assertTrue(all(not findings(r) & {"stale-account", "shared-mailbox"} for r in rows))
            by = emu.stats()["byEndpoint"]
            self.assertNotIn("mailboxSettings", by)
            self.assertEqual(by["users"], {"200": 1})

    def test_stale_days(self):
        # sign-in ages in the emulator: under 61 days, or 120 to 420: with
        # --stale-days 500 only those who never signed in are stale
        with Emulator("--users", 600, "--seed", 3, "--app-permissions", ALL) as emu:
            code, out, stderr = run(emu, "audit", "--no-registration", "--sign-in-activity", "--stale-days", "500")
            self.assertEqual(code, 0, stderr)
            rows = mfatest.read_csv(os.path.join(out, "users.csv"))
            want = accounts(emu)
            for r in rows:
                w = want[r["id"]]
                never = not w["lastSignInDateTime"] and not w["lastNonInteractiveSignInDateTime"]
                self.assertEqual("stale-account" in findings(r), never, r["id"])
                self.assertEqual(stale(w, 500), never)

    def test_per_user_state_path_and_partitions(self):
        # states read per user ($batch) and the rest of the tenant in UPN
        # ranges: the sign-in times ride along every page
        with Emulator("--users", 1800, "--seed", 11, "--state-select", "drop", "--app-permissions", ALL) as emu:
            code, out, stderr = run(emu, "audit", "--no-registration", "--sign-in-activity", "--mailbox-purpose")
            self.assertEqual(code, 0, stderr)
            rows = mfatest.read_csv(os.path.join(out, "users.csv"))
            self.assertEqual(len(rows), 1800)
            self.check_sign_in(emu, rows)
            self.check_mailbox(emu, rows)

    def test_faults_still_exact(self):
        # throttled (429 with Retry-After) and failing (5xx) $batch items and
        # pages are retried on their own: still every user's value
        with Emulator("--users", 700, "--seed", 17, "--fail-5xx", "0.06", "--fail-429", "0.06",
                      "--time-scale", "50", "--app-permissions", ALL) as emu:
            code, out, stderr = run(emu, "audit", "--no-registration", "--sign-in-activity", "--mailbox-purpose")
            self.assertEqual(code, 0, stderr)
            self.assertNotIn("mailbox purpose not read", stderr)
            rows = mfatest.read_csv(os.path.join(out, "users.csv"))
            self.check_sign_in(emu, rows)
            self.check_mailbox(emu, rows)
            self.assertGreater(emu.stats()["faults"]["429"] + emu.stats()["faults"]["5xx"], 0)

    def test_plan_holds_user_by_user(self):
        with Emulator("--users", 900, "--seed", 21, "--app-permissions", ALL) as emu:
            code, out, stderr = run(emu, "plan", "--no-registration", "--sign-in-activity", "--mailbox-purpose",
                                    "--hold-stale", "--skip-shared-mailboxes")
            self.assertEqual(code, 0, stderr)
            want = accounts(emu)
            state = emu.state()
            # users.csv carries every user's action (plan.csv only the changes and holds)
            plan = mfatest.read_csv(os.path.join(out, "users.csv"))
            self.assertEqual(len(plan), 900)
            held = {"stale-account": 0, "shared-mailbox": 0}
            for p in plan:
                w = want[p["id"]]
                if state[p["id"]] == "disabled":
                    self.assertEqual(p["action"], "keep", p["id"])
                elif stale(w, 90):
                    self.assertEqual((p["action"], p["holdReason"]), ("hold", "stale-account"), p["id"])
                elif w["mailboxPurpose"] in ("shared", "room", "equipment"):
                    self.assertEqual((p["action"], p["holdReason"]), ("hold", "shared-mailbox"), p["id"])
                else:
                    self.assertEqual((p["action"], p["holdReason"]), ("disable", ""), p["id"])
                if p["holdReason"] in held:
                    held[p["holdReason"]] += 1
            self.assertGreater(held["stale-account"], 0)
            self.assertGreater(held["shared-mailbox"], 0)
            # without the holds the same users are disabled
            code, out, stderr = run(emu, "plan", "--no-registration", "--sign-in-activity", "--mailbox-purpose")
            self.assertEqual(code, 0, stderr)
            plan = mfatest.read_csv(os.path.join(out, "users.csv"))
            self.assertFalse([p for p in plan if p["holdReason"] in held])
            self.assertEqual(sum(p["action"] == "hold" for p in plan), 0)

    def test_sign_in_forbidden_without_permission(self):
        n = 1200
        with Emulator("--users", n, "--seed", 5, "--app-permissions", "User.Read.All,Policy.Read.All") as emu:
            code, out, stderr = run(emu, "audit", "--no-registration", "--sign-in-activity")
            self.assertEqual(code, 0, stderr)
            lines = [ln for ln in stderr.splitlines() if "sign-in activity not read" in ln]
            self.assertEqual(len(lines), 1, stderr)
            self.assertIn("AuditLog.Read.All", lines[0])
            rows = mfatest.read_csv(os.path.join(out, "users.csv"))
            self.assertEqual(len(rows), n)
            self.assertTrue(all(not r["lastSignInDateTime"] and "stale-account" not in findings(r) for r in rows))
            # one refused page, then the list again at full size
            self.assertEqual(emu.stats()["byEndpoint"]["users"], {"403": 1, "200": math.ceil(n / 999)})

    def test_sign_in_forbidden_without_licence(self):
        with Emulator("--users", 200, "--seed", 5, "--no-registration-license", "--app-permissions", ALL) as emu:
            code, out, stderr = run(emu, "audit", "--no-registration", "--sign-in-activity")
            self.assertEqual(code, 0, stderr)
            lines = [ln for ln in stderr.splitlines() if "sign-in activity not read" in ln]
            self.assertEqual(len(lines), 1, stderr)
            self.assertIn("Authentication_RequestFromNonPremiumTenantOrB2CTenant", lines[0])
            self.assertIn("P1", lines[0])
            rows = mfatest.read_csv(os.path.join(out, "users.csv"))
            self.assertTrue(all(not r["lastSignInDateTime"] for r in rows))

    def test_mailbox_forbidden_without_permission(self):
        with Emulator("--users", 250, "--seed", 9,
                      "--app-permissions", "User.Read.All,Policy.Read.All,AuditLog.Read.All") as emu:
            code, out, stderr = run(emu, "audit", "--no-registration", "--mailbox-purpose")
            self.assertEqual(code, 0, stderr)
            lines = [ln for ln in stderr.splitlines() if "mailbox purpose not read" in ln]
            self.assertEqual(len(lines), 1, stderr)
            self.assertIn("MailboxSettings.Read", lines[0])
            self.assertIn("ErrorAccessDenied", lines[0])
            rows = mfatest.read_csv(os.path.join(out, "users.csv"))
            self.assertEqual(len(rows), 250)
            self.assertTrue(all(not r["mailboxPurpose"] and "shared-mailbox" not in findings(r) for r in rows))

    def test_emulator_mailbox_answers(self):
        with Emulator("--users", 200, "--seed", 9, "--app-permissions", ALL) as emu:
            m = mails(emu)
            want = accounts(emu)
            with_mail = next(i for i, v in m.items() if v)
            without = next(i for i, v in m.items() if not v)
            r = emu.request("GET", "/v1.0/users/%s/mailboxSettings/userPurpose" % with_mail)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json()["value"], want[with_mail]["mailboxPurpose"])
            r = emu.request("GET", "/v1.0/users/%s/mailboxSettings?$select=userPurpose" % with_mail)
            self.assertEqual(r.json()["userPurpose"], want[with_mail]["mailboxPurpose"])
            r = emu.request("GET", "/v1.0/users/%s/mailboxSettings/userPurpose" % without)
            self.assertEqual(r.status, 404)
            self.assertEqual(r.json()["error"]["code"], "MailboxNotEnabledForRESTAPI")
            # signInActivity only when $select names it; $top over 500 gives pages of 500
            r = emu.request("GET", "/v1.0/users?$top=999")
            self.assertNotIn("signInActivity", r.json()["value"][0])
            r = emu.request("GET", "/v1.0/users?$select=id,signInActivity&$top=999")
            self.assertEqual(r.status, 200)
            self.assertEqual(len(r.json()["value"]), 200)
        with Emulator("--users", 700, "--seed", 9, "--app-permissions", ALL) as emu:
            r = emu.request("GET", "/v1.0/users?$select=id,signInActivity&$top=999")
            self.assertEqual(len(r.json()["value"]), SIGN_IN_PAGE)
            self.assertIn("@odata.nextLink", r.json())

    def test_usage_errors(self):
        for flags, what in ((["plan", "--hold-stale"], "--hold-stale goes with --sign-in-activity"),
                            (["audit", "--stale-days", "30"], "--stale-days goes with --sign-in-activity"),
                            (["plan", "--skip-shared-mailboxes"], "--skip-shared-mailboxes goes with --mailbox-purpose"),
                            (["audit", "--from-csv", "x.csv", "--sign-in-activity"], "reads the live tenant"),
                            (["audit", "--sign-in-activity", "--stale-days", "0"], "not a whole number")):
            code, _, stderr = mfatest.run(BIN, *flags)
            self.assertEqual(code, 2, stderr)
            self.assertIn(what, stderr)
        code, _, stderr = mfatest.run(BIN, "audit", "--hold-stale")
        self.assertEqual(code, 2, stderr)  # plan only


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv[1])
    emu_harness.EXE = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1] + sys.argv[3:], verbosity=2)
