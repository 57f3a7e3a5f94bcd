"""End to end: safe by default (issue 14 items 1 and 2).

A live plan whose Conditional Access was read holds, by default, exactly
the users it does not cover ('not-covered'), checked user by user against
users.csv's caCoverage and graph-emulator's /_emulator/state before and
after the apply; --no-require-ca-coverage gives the plan without that rule;
offline without Conditional Access data the plan is unchanged and says
that coverage was not checked.

sms-voice-only from a registration export: exactly the users whose
registered MFA methods are all phone methods, its severity flips across
1 February 2027 with --now, and --fail-on sms-voice-only exits 3.

usage: test_safe_default.py MFA_MIGRATE_BINARY GRAPH_EMULATOR_BINARY SAMPLES_DIR
"""
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
import emu_harness  # noqa: E402
import mfatest  # noqa: E402
from emu_harness import Emulator  # noqa: E402

BIN = SAMPLES = None
# what the README asks of the app: the policies, their groups and roles
PERMISSIONS = ("User.Read.All,Policy.Read.All,AuditLog.Read.All,Policy.ReadWrite.AuthenticationMethod,"
               "GroupMember.Read.All,RoleManagement.Read.Directory")
HELD_LINE = "users held 'not-covered': disabling their per-user MFA would leave them without MFA"
NOT_CHECKED = "coverage was not checked"


def sample(name):
    return os.path.join(SAMPLES, name)


def verdict(u):
    return u["caCoverage"].split(":")[0]


def users_csv(out):
    return {u["id"]: u for u in mfatest.read_csv(os.path.join(out, "users.csv"))}


def plan_file(out):
    with open(os.path.join(out, "plan.jsonl")) as f:
        lines = f.read().splitlines()
    return json.loads(lines[0]), {d["id"]: d for d in map(json.loads, lines[1:-1])}


def summary(out):
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)


def decisions(out):
    """{id: (action, reason, from, to)} of a plan.jsonl."""
    return {i: (d["action"], d["reason"], d["from"], d["to"]) for i, d in plan_file(out)[1].items()}


def summary_lines(stderr):
    """stderr without the "mfa-migrate: " / "mfa-migrate: warning: " prefixes."""
    out = []
    for line in stderr.splitlines():
        for p in ("mfa-migrate: warning: ", "mfa-migrate: "):
            if line.startswith(p):
                line = line[len(p):]
                break
        out.append(line)
    return out


class Live(unittest.TestCase):
    """Two tenants: the samples' one (named edge cases: a partial guest, a
    break-glass group) and a generated one (guests CA001 leaves out)."""

    def plan(self, emu, *extra):
        out = os.path.join(mfatest.tmpdir(), "plan")
        code, _, stderr = mfatest.live(BIN, emu, "plan", "--out", out, *extra)
        self.assertEqual(code, 0, stderr)
        return out, stderr

    def check_default(self, *tenant):
        with Emulator(*tenant, "--ca-fixture", sample("ca-fixture.json"),
                      "--app-permissions", PERMISSIONS) as emu:
            before = emu.state()
            out, stderr = self.plan(emu)
            got = users_csv(out)
            head, lines = plan_file(out)
            self.assertEqual(set(got), set(before))
            held = set()
            for uid, state in before.items():
                u = got[uid]
                with self.subTest(user=u["userPrincipalName"]):
                    self.assertEqual(u["perUserMfaState"], state)
                    d = lines[uid]
                    if state == "disabled":
                        self.assertEqual(d["action"], "keep")
                    elif verdict(u) != "covered":
                        self.assertEqual((d["action"], d["reason"]), ("hold", "not-covered"))
                        self.assertEqual((u["action"], u["holdReason"]), ("hold", "not-covered"))
                        held.add(uid)
                    else:
                        self.assertEqual(d["action"], "disable")
            changes = {i for i, d in lines.items() if d["action"] == "disable"}
            self.assertTrue(held, "the tenant has no uncovered user to hold: the test proves nothing")
            self.assertTrue(changes, "the tenant has no covered user to disable")
            # the setting, recorded
            self.assertIs(head["options"]["requireCaCoverage"], True)
            self.assertIs(head["options"]["coverageChecked"], True)
            s = summary(out)
            self.assertIs(s["requireCaCoverage"], True)
            self.assertEqual(s["byHoldReason"]["not-covered"], len(held))
            # the first line of the plan's summary: how many would lose MFA
            lines_ = summary_lines(stderr)
            first = next(i for i, l in enumerate(lines_) if HELD_LINE in l)
            self.assertTrue(lines_[first].startswith("%d %s" % (len(held), HELD_LINE)), lines_[first])
            self.assertIn("--no-require-ca-coverage", lines_[first])
            self.assertTrue(lines_[first + 1].startswith("%d users: %d to disable" % (len(before), len(changes))),
                            lines_[first + 1])
            # applied: the uncovered users keep their per-user MFA
            code, _, err = mfatest.live(BIN, emu, "apply", os.path.join(out, "plan.jsonl"), "--yes", "-q",
                                        "--out", os.path.join(mfatest.tmpdir(), "apply"))
            self.assertEqual(code, 0, err)
            after = emu.state()
            for uid, state in before.items():
                want = "disabled" if uid in changes else state
                self.assertEqual(after[uid], want, got[uid]["userPrincipalName"])
            for uid in held:
                self.assertNotEqual(after[uid], "disabled")

    def test_default_holds_exactly_the_uncovered_samples(self):
        self.check_default("--tenant-csv", sample("graph-peruser-state.csv"))

    def test_default_holds_exactly_the_uncovered_generated(self):
        self.check_default("--users", 300, "--seed", 1401)

    def test_no_require_gives_todays_plan(self):
        # today's plan: what a run that never looks at coverage decides
        with Emulator("--users", 300, "--seed", 1402, "--ca-fixture", sample("ca-fixture.json"),
                      "--app-permissions", PERMISSIONS) as emu:
            off, stderr = self.plan(emu, "--no-require-ca-coverage")
            unchecked, stderr_unchecked = self.plan(emu, "--no-ca")
            default, _ = self.plan(emu)
            want = decisions(unchecked)
            self.assertEqual(decisions(off), want)
            self.assertNotIn("not-covered", {d[1] for d in want.values()})
            # and the default did hold some of them
            self.assertIn("not-covered", {d[1] for d in decisions(default).values()})
            head, _ = plan_file(off)
            self.assertIs(head["options"]["requireCaCoverage"], False)
            self.assertIs(head["options"]["coverageChecked"], True)
            self.assertIs(summary(off)["requireCaCoverage"], False)
            self.assertNotIn(HELD_LINE, stderr)
            self.assertIn("--no-require-ca-coverage: users Conditional Access does not cover are disabled too",
                          stderr)
            self.assertIn(NOT_CHECKED, stderr_unchecked)
            self.assertIn("--no-ca", stderr_unchecked)

    def test_policies_unreadable_hold_and_say_why(self):
        # no Policy.Read.All: 403 on the policies, every coverage unknown
        with Emulator("--tenant-csv", sample("graph-peruser-state.csv"),
                      "--ca-fixture", sample("ca-fixture.json"),
                      "--app-permissions", "User.Read.All,AuditLog.Read.All") as emu:
            before = emu.state()
            out, stderr = self.plan(emu)
            got = users_csv(out)
            on = [i for i, s in before.items() if s in ("enabled", "enforced")]
            self.assertTrue(on)
            for uid in on:
                self.assertEqual(verdict(got[uid]), "unknown")
                self.assertEqual(got[uid]["holdReason"], "not-covered")
            line = next(l for l in summary_lines(stderr) if HELD_LINE in l)
            self.assertTrue(line.startswith("%d " % len(on)), line)
            self.assertIn("policies could not be read", line)
            self.assertIn("Policy.Read.All", line)

    def test_both_flags_are_a_usage_error(self):
        with Emulator("--users", 20, "--seed", 1403) as emu:
            out = os.path.join(mfatest.tmpdir(), "plan")
            code, _, stderr = mfatest.live(BIN, emu, "plan", "--out", out, "--require-ca-coverage",
                                           "--no-require-ca-coverage")
            self.assertEqual(code, 2, stderr)
            self.assertEqual(len(stderr.strip().splitlines()), 1, stderr)
            self.assertIn("--require-ca-coverage and --no-require-ca-coverage contradict", stderr)
            self.assertFalse(os.path.exists(out))
            self.assertEqual(emu.stats()["graphRequests"], 0)


class Offline(unittest.TestCase):
    def plan(self, *extra):
        out = os.path.join(mfatest.tmpdir(), "plan")
        code, _, stderr = mfatest.run(BIN, "plan", "--from-csv", sample("graph-peruser-state.csv"),
                                      "--registration", sample("registration-details-graph.csv"),
                                      "--out", out, *extra)
        self.assertEqual(code, 0, stderr)
        return out, stderr

    def test_without_ca_data_unchanged_and_said(self):
        out, stderr = self.plan()
        old, _ = self.plan("--no-require-ca-coverage")
        self.assertEqual(decisions(out), decisions(old))
        self.assertNotIn("not-covered", {d[1] for d in decisions(out).values()})
        self.assertIn("disable", {d[0] for d in decisions(out).values()})
        lines = summary_lines(stderr)
        first = next(i for i, l in enumerate(lines) if l.startswith(NOT_CHECKED))
        self.assertIn("give --ca-policies, or run live", lines[first])
        self.assertRegex(lines[first + 1], r"^\d+ users: \d+ to disable")
        head, _ = plan_file(out)
        self.assertIs(head["options"]["requireCaCoverage"], False)
        self.assertIs(head["options"]["coverageChecked"], False)
        self.assertIs(summary(out)["requireCaCoverage"], False)

    def test_ca_policies_file_is_checked_coverage(self):
        out, stderr = self.plan("--ca-policies", sample("ca-policies.json"),
                                "--ca-members", sample("ca-members.json"))
        got = users_csv(out)
        held = {i for i, u in got.items() if u["holdReason"] == "not-covered"}
        self.assertTrue(held)
        self.assertEqual(held, {i for i, u in got.items()
                                if u["perUserMfaState"] in ("enabled", "enforced", "enabled-or-enforced")
                                and verdict(u) != "covered"})
        self.assertNotIn(NOT_CHECKED, stderr)
        self.assertIn("%d %s" % (len(held), HELD_LINE), stderr)

    def test_require_offline_keeps_its_meaning(self):
        # --require-ca-coverage without Conditional Access data: everyone
        # who would change is held, as before
        out, stderr = self.plan("--require-ca-coverage")
        d = decisions(out)
        self.assertNotIn("disable", {a for a, _, _, _ in d.values()})
        self.assertIn("not-covered", {r for _, r, _, _ in d.values()})
        self.assertIs(plan_file(out)[0]["options"]["requireCaCoverage"], True)


# sms-voice-only, as the README states the rule, written again here from
# Graph's method names: the phone methods; what is no MFA method
PHONES = {"mobilePhone", "alternateMobilePhone", "officePhone"}
NOT_MFA = {"email", "securityQuestion", "temporaryAccessPass"}
KNOWN = PHONES | NOT_MFA | {
    "microsoftAuthenticatorPush", "microsoftAuthenticatorPasswordless", "softwareOneTimePasscode",
    "hardwareOneTimePasscode", "fido2SecurityKey", "windowsHelloForBusiness", "passKeyDeviceBound",
    "passKeyDeviceBoundAuthenticator", "passKeyDeviceBoundWindowsHello", "macOsSecureEnclaveKey"}
PORTAL_NAMES = {"Mobile phone": "mobilePhone", "Alternate mobile phone": "alternateMobilePhone",
                "Office phone": "officePhone", "Email": "email"}
# Variants of samples/registration-details-graph.csv rows (methodsRegistered
# by UPN): every combination the rule must get right, on users of the
# sample tenant
VARIANTS = {
    "lynne.robbins@contoso.example": "mobilePhone;email",                 # phone + email: yes
    "diego.siciliani@contoso.example": "officePhone",                     # office alone: yes
    "miriam.graham@contoso.example": "alternateMobilePhone;officePhone;securityQuestion",
    "megan.bowen@contoso.example": "mobilePhone;temporaryAccessPass",     # a TAP is no MFA method
    "isaiah.langer@contoso.example": "email;securityQuestion",            # no MFA method at all: no
    "patti.fernandez@contoso.example": "officePhone;fido2SecurityKey",    # a key besides: no
    "payroll.notice@contoso.example": "mobilePhone;qrCodePin",            # unknown method: no
}


def phone_only(methods):
    names = {m for m in methods if m}
    mfa = names - NOT_MFA
    return bool(mfa) and mfa <= PHONES and names <= KNOWN


def sheet_rows(z, part):
    """Rows of a worksheet part as lists of cell texts (inline strings and numbers)."""
    import re
    xml = z.read(part).decode()
    rows = []
    for row in re.findall(r"<row [^>]*>(.*?)</row>", xml, re.S):
        cells = re.findall(r'<c r="[A-Z]+\d+"[^>]*?(?:/>|>(.*?)</c>)', row, re.S)
        rows.append([(re.findall(r"<t[^>]*>([^<]*)</t>", c) or re.findall(r"<v>([^<]*)</v>", c) or [""])[0]
                     for c in cells])
    return rows


def workbook(out):
    """{sheet name: rows} of report.xlsx."""
    _, z = mfatest.xlsx_sheets(os.path.join(out, "report.xlsx"))
    import re
    wb = z.read("xl/workbook.xml").decode()
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    targets = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="(rId\d+)"', rels)})
    return {name: sheet_rows(z, "xl/" + targets[rid].lstrip("/").replace("xl/", ""))
            for name, rid in re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="(rId\d+)"', wb)}


SEVERITY_RANK = ["none", "info", "low", "medium", "high"]


class SmsVoiceOnly(unittest.TestCase):
    def variant(self, changes):
        """A copy of the Graph-format registration sample with some users'
        methodsRegistered replaced."""
        import csv
        rows = mfatest.read_csv(sample("registration-details-graph.csv"))
        for r in rows:
            if r["userPrincipalName"] in changes:
                r["methodsRegistered"] = changes[r["userPrincipalName"]]
        path = os.path.join(mfatest.tmpdir(), "registration.csv")
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            w.writeheader()
            w.writerows(rows)
        return path, {r["userPrincipalName"].lower() for r in rows
                      if phone_only(r["methodsRegistered"].split(";"))}

    def audit(self, registration, *extra, code=0):
        out = os.path.join(mfatest.tmpdir(), "audit")
        got, _, stderr = mfatest.run(BIN, "audit", "--from-csv", sample("graph-peruser-state.csv"),
                                     "--registration", registration, "--out", out, "-q", *extra)
        self.assertEqual(got, code, stderr)
        return out

    def flagged(self, out):
        return {u["userPrincipalName"].lower() for u in mfatest.read_csv(os.path.join(out, "users.csv"))
                if "sms-voice-only" in u["findings"].split(";")}

    def test_exactly_the_phone_only_users(self):
        path, want = self.variant(VARIANTS)
        # the variants cover both answers
        self.assertTrue({"lynne.robbins@contoso.example", "megan.bowen@contoso.example"} <= want)
        self.assertFalse({"isaiah.langer@contoso.example", "payroll.notice@contoso.example"} & want)
        out = self.audit(path)
        self.assertEqual(self.flagged(out), want)
        s = summary(out)
        self.assertEqual(s["byFinding"]["sms-voice-only"], len(want))
        rows = workbook(out)
        counts = {r[0]: r for r in rows["Summary"] if r and r[0] == "sms-voice-only"}
        self.assertEqual(float(counts["sms-voice-only"][2]), len(want))
        self.assertEqual({r[0].lower() for r in rows["Findings"][1:] if r[2] == "sms-voice-only"}, want)
        advice = next(r[4] for r in rows["Findings"][1:] if r[2] == "sms-voice-only")
        self.assertIn("1 February 2027", advice)

    def test_the_samples_as_they_are(self):
        graph = {r["userPrincipalName"].lower() for r in mfatest.read_csv(sample("registration-details-graph.csv"))
                 if phone_only(r["methodsRegistered"].split(";"))}
        portal = {r["User principal name"].lower()
                  for r in mfatest.read_csv(sample("registration-details-portal.csv"))
                  if phone_only([PORTAL_NAMES.get(m.strip(), m.strip())
                                 for m in r["Methods registered"].split(",")])}
        self.assertTrue(graph)
        self.assertEqual(self.flagged(self.audit(sample("registration-details-graph.csv"))), graph)
        self.assertEqual(self.flagged(self.audit(sample("registration-details-portal.csv"))), portal)

    def check_severity(self, out, want):
        s = summary(out)
        self.assertEqual(s["findingSeverity"]["sms-voice-only"], want)
        sev = s["findingSeverity"]
        users = mfatest.read_csv(os.path.join(out, "users.csv"))
        for u in users:
            names = [f for f in u["findings"].split(";") if f]
            risk = max([SEVERITY_RANK.index(sev[f]) for f in names] or [0])
            self.assertEqual(u["risk"], SEVERITY_RANK[risk], u["userPrincipalName"])
            if "sms-voice-only" in names and want == "high":
                self.assertEqual(u["risk"], "high")
        for k, n in s["byRisk"].items():
            self.assertEqual(n, sum(1 for u in users if (u["risk"] or "none") == k), k)
        rows = workbook(out)
        self.assertEqual({r[3] for r in rows["Findings"][1:] if r[2] == "sms-voice-only"}, {want})
        self.assertEqual([r[1] for r in rows["Summary"] if r and r[0] == "sms-voice-only"], [want])
        return s

    def test_severity_flips_on_1_february_2027(self):
        path, want = self.variant(VARIANTS)
        before = self.check_severity(self.audit(path, "--now", "2027-01-31"), "medium")
        after = self.check_severity(self.audit(path, "--now", "2027-02-01"), "high")
        self.assertEqual(before["findingsJudgedAt"], "2027-01-31T00:00:00Z")
        self.assertEqual(after["findingsJudgedAt"], "2027-02-01T00:00:00Z")
        self.assertGreater(after["byRisk"]["high"], before["byRisk"]["high"])
        # the second before midnight UTC, and midnight
        self.check_severity(self.audit(path, "--now", "2027-01-31T23:59:59Z"), "medium")
        self.check_severity(self.audit(path, "--now", "2027-02-01T00:00:00Z"), "high")
        self.check_severity(self.audit(path, "--now", "2027-02-01T01:00:00+01:00"), "high")
        # plan judges the same way: plan.jsonl carries each user's risk
        out = os.path.join(mfatest.tmpdir(), "plan")
        code, _, stderr = mfatest.run(BIN, "plan", "--from-csv", sample("graph-peruser-state.csv"),
                                      "--registration", path, "--now", "2027-02-01", "--out", out, "-q")
        self.assertEqual(code, 0, stderr)
        by_upn = {d["userPrincipalName"].lower(): d for d in plan_file(out)[1].values()}
        for upn in want & set(by_upn):
            self.assertIn("sms-voice-only", by_upn[upn]["findings"])
            self.assertEqual(by_upn[upn]["risk"], "high", upn)

    def test_fail_on_sms_voice_only(self):
        path, want = self.variant(VARIANTS)
        self.assertTrue(want)
        self.audit(path, "--fail-on", "sms-voice-only", code=3)
        # nobody phone-only: the same check passes
        none = {r["userPrincipalName"]: "microsoftAuthenticatorPush"
                for r in mfatest.read_csv(sample("registration-details-graph.csv"))}
        clean, nobody = self.variant(none)
        self.assertFalse(nobody)
        out = self.audit(clean, "--fail-on", "sms-voice-only", code=0)
        self.assertEqual(summary(out)["byFinding"]["sms-voice-only"], 0)

    def test_bad_now_is_one_usage_line(self):
        for bad in ("2027-02-30", "01/02/2027", "2027-02-01T25:00:00Z", "tomorrow", ""):
            with self.subTest(now=bad):
                out = os.path.join(mfatest.tmpdir(), "audit")
                code, _, stderr = mfatest.run(BIN, "audit", "--from-csv", sample("graph-peruser-state.csv"),
                                              "--now", bad, "--out", out)
                self.assertEqual(code, 2, stderr)
                self.assertEqual(len(stderr.strip().splitlines()), 1, stderr)
                self.assertIn("--now: '%s'" % bad, stderr)
                self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    BIN = sys.argv[1]
    emu_harness.EXE = os.path.abspath(sys.argv[2])
    SAMPLES = sys.argv[3]
    unittest.main(argv=sys.argv[:1], verbosity=2)
