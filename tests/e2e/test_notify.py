"""End to end: `mfa-migrate notify RUN_DIR` on a plan folder and on an apply
folder (notify.csv rows and notify/*.eml files match the users; each .eml
parses with Python's email package and carries the placeholders filled),
and `--send-from` through graph-emulator's sendMail: one message per
notifiable user, still one each after kill -9 and --resume, throttled sends
retried.

usage: test_notify.py MFA_MIGRATE_BINARY [GRAPH_EMULATOR_BINARY]
"""
import csv
import email
import email.policy
import json
import os
import stat
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
import mfatest  # noqa: E402

BIN = None
HEADER = ("id,userPrincipalName,displayName,mail,userType,accountEnabled,perUserMfaState,"
          "isMfaRegistered,isMfaCapable,methodsRegistered,defaultMfaMethod,isAdmin")
USERS = [
    # id, upn, name, mail, state
    ("u1", "ann@contoso.example", "Ann \u00c9mile", "ann.emile@contoso.example", "enforced"),
    ("u2", "bob@contoso.example", "=Bob, \"B\"", "", "enabled"),
    ("u3", "cy@contoso.example", "Cy", "cy at contoso", "enforced"),
    ("u4", "dee@contoso.example", "Dee", "dee@contoso.example", "disabled"),
    ("u5", "eve@contoso.example", "\u30a8\u30f4\u30a1 \u5c71\u7530", "eve@contoso.example", "enabled"),
]


def q(v):
    return '"%s"' % v.replace('"', '""') if any(c in v for c in ',"') else v


def csv_plan(d):
    src = os.path.join(d, "users.csv")
    with open(src, "w", encoding="utf-8") as f:
        f.write(HEADER + "\n")
        for uid, upn, name, mail, st in USERS:
            f.write(",".join([uid, upn, q(name), q(mail), "member", "true", st, "true", "true",
                              "mobilePhone", "mobilePhone", "false"]) + "\n")
    out = os.path.join(d, "plan")
    code, _, err = mfatest.run(BIN, "plan", "--from-csv", src, "--out", out, "-q")
    assert code == 0, err
    return out


def parse_eml(path):
    with open(path, "rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.default)


def check_messages(folder, users, date):
    """notify.csv against the users ({id: (upn, name, mail, from, to)}), and
    every .eml against its row. Returns notify.csv's rows."""
    rows = list(csv.DictReader(open(os.path.join(folder, "notify.csv"), encoding="utf-8")))
    assert {r["id"] for r in rows} == set(users), (rows, users)
    assert stat.S_IMODE(os.stat(os.path.join(folder, "notify.csv")).st_mode) == 0o600
    emls = set()
    for r in rows:
        upn, name, mail, frm, to = users[r["id"]]
        assert r["userPrincipalName"] == upn and r["from"] == frm and r["to"] == to, r
        # a formula-looking name is neutralised in the CSV, whole in the message
        assert r["displayName"] in (name, "'" + name), r
        assert r["mail"] == mail, r
        assert r["change"] and r["todo"], r
        ok = "@" in mail and " " not in mail
        assert r["notifiable"] == ("true" if ok else "false"), r
        if not ok:
            # never guessed from the UPN
            assert r["message"] == "" and r["reason"], r
            continue
        assert r["reason"] == "" and r["message"].startswith("notify/"), r
        path = os.path.join(folder, r["message"])
        emls.add(os.path.basename(path))
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        m = parse_eml(path)
        assert m["To"].addresses[0].addr_spec == mail, m["To"]
        assert m["To"].addresses[0].display_name == name, (m["To"], name)
        assert m["Subject"] and m["Date"] and m["Message-ID"], dict(m)
        assert m.get_content_type() == "text/plain"
        body = m.get_content()
        assert upn in body and "https://aka.ms/mfasetup" in body and date in body, body
        assert name in body, body
        assert "{" not in body and "{" not in m["Subject"], body
        if to == "enforced":
            assert "App password" in body, body
    assert set(os.listdir(os.path.join(folder, "notify"))) == emls
    return rows


def plan_changes(plan_dir):
    lines = open(os.path.join(plan_dir, "plan.jsonl"), encoding="utf-8").read().splitlines()
    out = {}
    for line in lines[1:-1]:
        u = json.loads(line)
        if u["action"] not in ("keep", "hold"):
            out[u["id"]] = u
    return out


def test_plan_folder():
    d = mfatest.tmpdir()
    plan = csv_plan(d)
    changes = plan_changes(plan)
    by_id = {u[0]: u for u in USERS}
    want = {i: (by_id[i][1], by_id[i][2], by_id[i][3], u["from"], u["to"]) for i, u in changes.items()}
    assert set(want) == {"u1", "u2", "u3", "u5"}, want  # dee is already disabled
    code, out, err = mfatest.run(BIN, "notify", plan)
    assert code == 0, err
    assert out.strip() == plan
    assert "not notifiable" in err or "no usable mail" in err, err
    check_messages(plan, want, "in the coming days")
    # a second run is refused and leaves the first one's files alone
    before = open(os.path.join(plan, "notify.csv"), "rb").read()
    code, _, err = mfatest.run(BIN, "notify", plan)
    assert code == 1 and "already exists" in err and "notify.csv" in err, err
    assert open(os.path.join(plan, "notify.csv"), "rb").read() == before


def test_template_and_out():
    d = mfatest.tmpdir()
    plan = csv_plan(d)
    tpl = os.path.join(d, "t.txt")
    with open(tpl, "w", encoding="utf-8") as f:
        f.write("Subject: {displayName}: per-user MFA {from} -> {to}\n\n"
                "Dear {displayName} ({userPrincipalName}),\nfrom {from} to {to} on {date}.\n"
                "Register: {registrationUrl}\nApp password note.\n")
    out = os.path.join(d, "told")
    code, stdout, err = mfatest.run(BIN, "notify", plan, "--template", tpl, "--out", out,
                                    "--date", "3 December")
    assert code == 0, err
    assert stdout.strip() == out
    assert not os.path.exists(os.path.join(plan, "notify.csv"))
    changes = plan_changes(plan)
    by_id = {u[0]: u for u in USERS}
    want = {i: (by_id[i][1], by_id[i][2], by_id[i][3], u["from"], u["to"]) for i, u in changes.items()}
    rows = check_messages(out, want, "3 December")
    for r in rows:
        if r["message"]:
            m = parse_eml(os.path.join(out, r["message"]))
            name = by_id[r["id"]][2]
            assert m["Subject"] == "%s: per-user MFA %s -> %s" % (name, r["from"], r["to"]), m["Subject"]
            assert "from %s to %s on 3 December." % (r["from"], r["to"]) in m.get_content()

    # a template with a typo: one line naming file and line, nothing written
    bad = os.path.join(d, "bad.txt")
    with open(bad, "w") as f:
        f.write("Subject: hi\n\nDear {displayname}\n")
    out2 = os.path.join(d, "told2")
    code, _, err = mfatest.run(BIN, "notify", plan, "--template", bad, "--out", out2)
    assert code == 1, err
    assert "bad.txt" in err and "line 3" in err and "{displayname}" in err, err
    assert not os.path.exists(os.path.join(out2, "notify.csv"))
    # a folder that is no run folder
    code, _, err = mfatest.run(BIN, "notify", d)
    assert code == 1 and "neither plan.jsonl nor journal.jsonl" in err, err
    # sending needs --yes
    code, _, err = mfatest.run(BIN, "notify", plan, "--send-from", "it@contoso.example")
    assert code == 2 and "--yes" in err, err


def test_target_plans():
    """Plans to enabled and to enforced get their own built-in messages."""
    d = mfatest.tmpdir()
    csv_plan(d)
    src = os.path.join(d, "users.csv")
    by_id = {u[0]: u for u in USERS}
    for target, needle in (("enforced", "App password"), ("enabled", "More information required")):
        plan = os.path.join(d, "plan-" + target)
        code, _, err = mfatest.run(BIN, "plan", "--from-csv", src, "--target", target,
                                   "--despite-conditional-access", "--out", plan, "-q")
        assert code == 0, err
        changes = plan_changes(plan)
        assert changes and all(u["to"] == target for u in changes.values()), changes
        want = {i: (by_id[i][1], by_id[i][2], by_id[i][3], u["from"], u["to"]) for i, u in changes.items()}
        code, _, err = mfatest.run(BIN, "notify", plan)
        assert code == 0, err
        rows = check_messages(plan, want, "in the coming days")
        sent = [r for r in rows if r["message"]]
        assert sent, rows
        for r in sent:
            assert needle in parse_eml(os.path.join(plan, r["message"])).get_content()


# ---- against graph-emulator ------------------------------------------------

PERMS = "User.Read.All,Policy.Read.All,AuditLog.Read.All,Policy.ReadWrite.AuthenticationMethod,Mail.Send"


env = mfatest.live_env


def mfa(emu, *args, extra_env=None):
    return mfatest.live(BIN, emu, *args, env=extra_env)


def tenant_users(emu):
    """{id: user} from the emulator's /users, mail included."""
    out = {}
    url = "/v1.0/users?$select=id,userPrincipalName,displayName,mail,userType&$top=999"
    while url:
        page = emu.get_json(url)
        for u in page["value"]:
            out[u["id"]] = u
        url = page.get("@odata.nextLink")
    return out


def sender(users):
    return next(u["userPrincipalName"] for u in users.values()
                if u.get("mail") and u.get("userType") == "Member")


def applied(emu):
    """A live plan and its apply: (plan folder, apply folder)."""
    d = mfatest.tmpdir()
    plan = os.path.join(d, "plan")
    code, _, err = mfa(emu, "plan", "--out", plan, "-q", "--no-require-ca-coverage")
    assert code == 0, err
    out = os.path.join(d, "apply")
    # --max-changes: the apply changes fewer users than the plan would, so
    # the apply folder's users are told, not the plan's
    code, _, err = mfa(emu, "apply", os.path.join(plan, "plan.jsonl"), "--yes", "--out", out, "-q",
                       "--max-changes", "15")
    assert code in (0, 4), err
    return plan, out


def journal_changed(apply_dir):
    changed = {}
    for line in open(os.path.join(apply_dir, "journal.jsonl")).read().splitlines()[1:]:
        e = json.loads(line)
        if e["event"] == "outcome":
            changed[e["id"]] = e["outcome"] == "changed"
    return {i for i, c in changed.items() if c}


def mail_log(emu):
    r = emu.request("GET", "/_emulator/mail", token=False)
    assert r.status == 200, r.body
    return r.json()


def per_address(log):
    counts = {}
    for m in log:
        for a in m["to"]:
            counts[a] = counts.get(a, 0) + 1
    return counts


def results(folder):
    return {r["id"]: r for r in csv.DictReader(open(os.path.join(folder, "notify-results.csv"),
                                                    encoding="utf-8"))}


def test_apply_folder_and_send():
    from emu_harness import Emulator
    with Emulator("--users", "60", "--app-permissions", PERMS) as emu:
        users = tenant_users(emu)
        plan, out = applied(emu)
        # the scan carried mail into the plan, as the tenant has it (null when none)
        for line in open(os.path.join(plan, "plan.jsonl"), encoding="utf-8").read().splitlines()[1:-1]:
            u = json.loads(line)
            assert u["mail"] == users[u["id"]].get("mail"), (u, users[u["id"]])
        changed = journal_changed(out)
        assert len(changed) == 15, changed
        assert len(plan_changes(plan)) > 15
        want = {i: (users[i]["userPrincipalName"], users[i]["displayName"], users[i].get("mail") or "",
                    None, "disabled") for i in changed}
        plan_lines = {json.loads(l)["id"]: json.loads(l)
                      for l in open(os.path.join(plan, "plan.jsonl")).read().splitlines()[1:-1]}
        want = {i: (w[0], w[1], w[2], plan_lines[i]["from"], w[4]) for i, w in want.items()}
        frm = sender(users)
        code, stdout, err = mfa(emu, "notify", out, "--send-from", frm, "--yes")
        assert code == 0, err
        assert stdout.strip() == out
        rows = check_messages(out, want, time.strftime("%Y-%m-%d", time.gmtime()))
        notifiable = {r["id"]: r["mail"] for r in rows if r["notifiable"] == "true"}
        log = mail_log(emu)
        # one message per notifiable user, none to anyone else, from the mailbox named
        assert per_address(log) == {m: 1 for m in notifiable.values()}, (per_address(log), notifiable)
        assert all(m["mailbox"] == frm and m["saveToSentItems"] is False for m in log)
        res = results(out)
        assert set(res) == set(notifiable) and all(r["result"] == "sent" and r["status"] == "202"
                                                   for r in res.values()), res
        # the body Graph was given is the .eml's
        by_mail = {m["to"][0]: m for m in log}
        for r in rows:
            if r["notifiable"] == "true":
                eml = parse_eml(os.path.join(out, r["message"]))
                assert by_mail[r["mail"]]["subject"] == eml["Subject"]
                assert by_mail[r["mail"]]["content"].replace("\r\n", "\n") == \
                    eml.get_content().replace("\r\n", "\n")
        # run again with --resume: everybody was sent, nobody is mailed twice
        code, _, err = mfa(emu, "notify", out, "--send-from", frm, "--yes", "--resume")
        assert code == 0, err
        assert len(mail_log(emu)) == len(notifiable)


test_apply_folder_and_send.needs_emulator = True


def wait_for(pred, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)


def outcome_lines(path):
    try:
        return sum(1 for l in open(path).read().splitlines()[1:] if '"event":"outcome"' in l)
    except FileNotFoundError:
        return 0


def test_kill_and_resume():
    from emu_harness import Emulator
    # latency makes each send take ~0.3 s, so the kill lands mid-run; the
    # time scale keeps Exchange's 30 a minute from making it slow
    with Emulator("--users", "80", "--app-permissions", PERMS, "--latency-ms", "300",
                  "--time-scale", "100") as emu:
        users = tenant_users(emu)
        plan = os.path.join(mfatest.tmpdir(), "plan")
        code, _, err = mfa(emu, "plan", "--out", plan, "-q", "--no-require-ca-coverage")
        assert code == 0, err
        code, _, err = mfa(emu, "notify", plan)
        assert code == 0, err
        rows = list(csv.DictReader(open(os.path.join(plan, "notify.csv"), encoding="utf-8")))
        notifiable = {r["id"]: r["mail"] for r in rows if r["notifiable"] == "true"}
        assert len(notifiable) > 20, len(notifiable)
        # users without mail are listed, never mailed at their UPN
        nomail = [r for r in rows if r["notifiable"] == "false"]
        assert nomail and all(r["reason"] == "no mail property" and not r["mail"] for r in nomail), nomail
        frm = sender(users)
        journal = os.path.join(plan, "notify-journal.jsonl")
        p = subprocess.Popen([BIN, "notify", plan, "--send-from", frm, "--yes", "--resume",
                              "--graph-url", emu.base, "--login-url", emu.base],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             env=env({"MFA_MIGRATE_TIME_SCALE": "100"}))
        wait_for(lambda: outcome_lines(journal) >= 5 or p.poll() is not None, "five sends")
        p.kill()
        p.wait()
        p.stderr.close()
        sent_before = outcome_lines(journal)
        assert sent_before < len(notifiable), "the kill came after the run ended"
        code, _, err = mfa(emu, "notify", plan, "--send-from", frm, "--yes", "--resume",
                           extra_env={"MFA_MIGRATE_TIME_SCALE": "100"})
        res = results(plan)
        unknown = [i for i, r in res.items() if r["result"] == "unknown"]
        # at most the one send in flight at the kill is unknown, and it is not sent again
        assert len(unknown) <= 1, res
        assert code == (4 if unknown else 0), err
        assert all(r["result"] in ("sent", "unknown") for r in res.values()), res
        got = per_address(mail_log(emu))
        # nobody mailed twice; everyone reported sent has exactly one
        assert all(got.get(notifiable[i]) == 1 for i, r in res.items() if r["result"] == "sent"), got
        assert set(got) <= set(notifiable.values()) and max(got.values()) == 1, got
        if unknown:
            # the kill came between the journal's intent and Graph's answer:
            # the send may or may not have reached Graph. The admin checks
            # (here: the emulator's log) and only when it did not, sends it again
            # with --resend-unknown
            assert "unknown" in err and "--resend-unknown" in err, err
            if got.get(notifiable[unknown[0]], 0) == 0:
                code, _, err = mfa(emu, "notify", plan, "--send-from", frm, "--yes", "--resume",
                                   "--resend-unknown", extra_env={"MFA_MIGRATE_TIME_SCALE": "100"})
                assert code == 0, err
                assert results(plan)[unknown[0]]["result"] == "sent"
        # still one message each
        got = per_address(mail_log(emu))
        assert got == {m: 1 for m in notifiable.values()}, \
            [(res.get(i), got.get(m)) for i, m in notifiable.items() if got.get(m) != 1]
        # and a resume after everything went out sends nothing
        code, _, err = mfa(emu, "notify", plan, "--send-from", frm, "--yes", "--resume",
                           extra_env={"MFA_MIGRATE_TIME_SCALE": "100"})
        assert per_address(mail_log(emu)) == got


test_kill_and_resume.needs_emulator = True


def test_throttled_sends_retried():
    from emu_harness import Emulator
    # Exchange at 5 a (scaled) minute, the client paced for 30: Graph answers
    # 429 with Retry-After and the engine sends again
    with Emulator("--users", "40", "--app-permissions", PERMS, "--time-scale", "60",
                  "--mail-per-minute", "5") as emu:
        users = tenant_users(emu)
        plan = os.path.join(mfatest.tmpdir(), "plan")
        code, _, err = mfa(emu, "plan", "--out", plan, "-q", "--no-require-ca-coverage")
        assert code == 0, err
        frm = sender(users)
        code, _, err = mfa(emu, "notify", plan, "--send-from", frm, "--yes",
                           extra_env={"MFA_MIGRATE_TIME_SCALE": "60"})
        assert code == 0, err
        rows = list(csv.DictReader(open(os.path.join(plan, "notify.csv"), encoding="utf-8")))
        notifiable = {r["id"]: r["mail"] for r in rows if r["notifiable"] == "true"}
        assert len(notifiable) > 10
        stats = emu.stats()["byEndpoint"]["sendMail"]
        assert stats.get("429", 0) > 0, stats
        assert stats["202"] == len(notifiable), stats
        assert per_address(mail_log(emu)) == {m: 1 for m in notifiable.values()}
        res = results(plan)
        assert all(r["result"] == "sent" for r in res.values()), res
        assert any(int(r["attempts"]) > 1 for r in res.values()), res
        # lowered below Exchange's: no 429 at all
        emu.request("POST", "/_emulator/reset", token=False)
        plan2 = os.path.join(mfatest.tmpdir(), "plan2")
        code, _, err = mfa(emu, "plan", "--out", plan2, "-q", "--no-require-ca-coverage")
        assert code == 0, err
        code, _, err = mfa(emu, "notify", plan2, "--send-from", frm, "--yes", "--mail-per-minute", "4",
                           extra_env={"MFA_MIGRATE_TIME_SCALE": "60"})
        assert code == 0, err
        stats = emu.stats()["byEndpoint"]["sendMail"]
        assert stats == {"202": len(notifiable)}, stats


test_throttled_sends_retried.needs_emulator = True


def test_day_cap_stops_and_resumes():
    from emu_harness import Emulator
    # --mail-per-day 3: three go out, the rest are listed not sent with the
    # reason and a warning; a resume sends the next three, never a second
    # message to anyone
    with Emulator("--users", "40", "--app-permissions", PERMS, "--time-scale", "60") as emu:
        users = tenant_users(emu)
        plan = os.path.join(mfatest.tmpdir(), "plan")
        code, _, err = mfa(emu, "plan", "--out", plan, "-q", "--no-require-ca-coverage")
        assert code == 0, err
        frm = sender(users)
        env = {"MFA_MIGRATE_TIME_SCALE": "60"}
        code, _, err = mfa(emu, "notify", plan, "--send-from", frm, "--yes", "--mail-per-day", "3",
                           extra_env=env)
        assert "the day's limit" in err and "--resume" in err, err
        res = results(plan)
        assert sum(r["result"] == "sent" for r in res.values()) == 3, res
        rest = [r for r in res.values() if r["result"] != "sent"]
        assert rest and all(r["result"] == "not-sent" and "day's mail limit" in r["error"] for r in rest), rest
        assert len(mail_log(emu)) == 3
        code, _, err = mfa(emu, "notify", plan, "--resume", "--send-from", frm, "--yes",
                           "--mail-per-day", "3", extra_env=env)
        res = results(plan)
        assert sum(r["result"] == "sent" for r in res.values()) == 6, res
        log = mail_log(emu)
        assert len(log) == 6 and max(per_address(log).values()) == 1, log


test_day_cap_stops_and_resumes.needs_emulator = True


TESTS = [test_plan_folder, test_template_and_out, test_target_plans, test_apply_folder_and_send, test_kill_and_resume,
         test_throttled_sends_retried, test_day_cap_stops_and_resumes]


def main():
    global BIN
    BIN = os.path.abspath(sys.argv[1])
    emu = sys.argv[2] if len(sys.argv) > 2 else None
    only = sys.argv[3:]
    failed = 0
    for fn in TESTS:
        if only and fn.__name__ not in only:
            continue
        if getattr(fn, "needs_emulator", False):
            if not emu:
                continue
            import emu_harness
            emu_harness.EXE = os.path.abspath(emu)
        t0 = time.monotonic()
        try:
            fn()
            print("ok   %s (%.2f s)" % (fn.__name__, time.monotonic() - t0), flush=True)
        except Exception as e:  # noqa: BLE001
            import traceback
            traceback.print_exc()
            print("FAIL %s: %s" % (fn.__name__, e), flush=True)
            failed += 1
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
