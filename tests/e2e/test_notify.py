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


TESTS = [test_plan_folder, test_template_and_out]


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
