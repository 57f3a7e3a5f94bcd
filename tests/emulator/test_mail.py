"""Users' mail property (served, exported, read back); sendMail (body
checks, Mail.Send, unknown mailboxes, Exchange's per-mailbox limits, faults);
GET /_emulator/mail and its reset."""
import csv
import io
import json
import os
import tempfile
import time

import emu_harness as h


def test_mail_property():
    with tempfile.TemporaryDirectory() as d:
        exp = os.path.join(d, "users.csv")
        with h.Emulator("--users", 2000, "--seed", 21, "--export-csv", exp, "--limits", "off") as emu:
            users = emu.get_json("/v1.0/users?$select=id,userPrincipalName,userType,mail&$top=999")["value"]
            default = emu.get_json("/v1.0/users?$top=5")["value"]
        # every user answers mail (a string or null), members at the mail domain
        assert all("mail" in u for u in users)
        members = [u for u in users if u["userType"] == "Member"]
        guests = [u for u in users if u["userType"] == "Guest"]
        none = [u for u in members if u["mail"] is None]
        assert 0.02 < len(none) / len(members) < 0.09, len(none)
        for u in members:
            if u["mail"] is not None:
                assert u["mail"] == u["userPrincipalName"].split("@")[0] + "@mail.contoso.example", u
        assert guests and all(u["mail"] is not None for u in guests)
        for u in guests:
            # first.lastN_fabrikam.com#EXT#@contoso.onmicrosoft.com -> first.lastN@fabrikam.com
            local, domain = u["userPrincipalName"].split("#EXT#")[0].rsplit("_", 1)
            assert u["mail"] == local + "@" + domain, u
        # Graph's default property set names mail too
        assert all("mail" in u for u in default)

        with open(exp, encoding="utf-8") as f:
            text = f.read()
        rows = list(csv.DictReader(io.StringIO(text)))
        assert list(rows[0].keys())[:4] == ["id", "userPrincipalName", "displayName", "mail"]
        by_id = {u["id"]: u["mail"] for u in users}
        assert all((r["mail"] or None) == by_id[r["id"]] for r in rows if r["id"] in by_id)

        # read back: the export, and a file whose mail column is edited and moved
        with h.Emulator("--tenant-csv", exp, "--limits", "off") as emu:
            assert emu.request("GET", "/_emulator/export", token=False).body == text
        edited = os.path.join(d, "edited.csv")
        fields = [k for k in rows[0].keys() if k != "mail"] + ["MAIL"]
        with open(edited, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            for i, r in enumerate(rows[:50]):
                r = dict(r)
                r["MAIL"] = "" if i == 0 else "person%d@elsewhere.example" % i
                del r["mail"]
                w.writerow(r)
        with h.Emulator("--tenant-csv", edited, "--limits", "off") as emu:
            got = emu.get_json("/v1.0/users?$select=id,mail&$top=999")["value"]
        assert [u["mail"] for u in got] == [None] + ["person%d@elsewhere.example" % i for i in range(1, 50)]
        # a file without the column: nobody has mail
        bare = os.path.join(d, "bare.csv")
        with open(bare, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=fields[:-1])
            w.writeheader()
            for r in rows[:10]:
                w.writerow({k: r[k] for k in fields[:-1]})
        with h.Emulator("--tenant-csv", bare, "--limits", "off") as emu:
            got = emu.get_json("/v1.0/users?$select=id,mail")["value"]
        assert len(got) == 10 and all(u["mail"] is None for u in got)


MAIL = "User.Read.All,Mail.Send"


def mail_of(to, subject="hello", content="body text", **extra):
    msg = {"subject": subject, "body": {"contentType": "Text", "content": content},
           "toRecipients": [{"emailAddress": {"address": a}} for a in to]}
    msg.update(extra)
    return {"message": msg, "saveToSentItems": False}


def senders(emu):
    """(member with mail, member without mail, guest) from the tenant."""
    users = emu.get_json("/v1.0/users?$select=id,userPrincipalName,userType,mail&$top=999")["value"]
    with_mail = [u for u in users if u["userType"] == "Member" and u["mail"]]
    without = [u for u in users if u["userType"] == "Member" and not u["mail"]]
    guests = [u for u in users if u["userType"] == "Guest"]
    return with_mail, without, guests


def send(emu, mailbox, body, version="v1.0"):
    return emu.request("POST", "/%s/users/%s/sendMail" % (version, h.q(mailbox)), body=body)


def mails(emu):
    r = emu.request("GET", "/_emulator/mail", token=False)
    assert r.status == 200, r.body
    return r.json()


def test_send_and_log():
    with h.Emulator("--users", 300, "--app-permissions", MAIL) as emu:
        boxes, _, _ = senders(emu)
        a, b = boxes[0], boxes[1]
        r = send(emu, a["userPrincipalName"], mail_of(["x@example.com", "y@example.org"], "first", "one"))
        assert r.status == 202 and r.body == "", (r.status, r.body)
        assert "content-type" not in r.headers, r.headers
        body = mail_of(["z@example.net"], "second", "<p>two</p>")
        body["message"]["body"]["contentType"] = "html"
        body["message"]["ccRecipients"] = [{"emailAddress": {"address": "cc@example.com", "name": "C"}}]
        del body["saveToSentItems"]
        assert send(emu, a["id"], body, "beta").status == 202  # by object id, on beta too
        assert send(emu, b["userPrincipalName"], mail_of(["w@example.com"], "third", "")).status == 202
        log = mails(emu)
        assert [m["subject"] for m in log] == ["first", "second", "third"]
        assert log[0]["mailbox"] == a["userPrincipalName"] and log[0]["from"] == a["mail"]
        assert log[0]["to"] == ["x@example.com", "y@example.org"] and log[0]["cc"] == []
        assert log[0]["contentType"] == "Text" and log[0]["content"] == "one"
        assert log[0]["saveToSentItems"] is False and log[1]["saveToSentItems"] is True
        assert log[1]["mailbox"] == a["userPrincipalName"] and log[1]["contentType"] == "HTML"
        assert log[1]["content"] == "<p>two</p>" and log[1]["cc"] == ["cc@example.com"]
        assert log[2]["mailbox"] == b["userPrincipalName"] and log[2]["to"] == ["w@example.com"]
        now = time.time()
        for m in log:
            at = time.mktime(time.strptime(m["at"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
            assert abs(at - now) < 60, m["at"]
        assert emu.stats()["byEndpoint"]["sendMail"] == {"202": 3}
        # reset clears the log
        assert emu.request("POST", "/_emulator/reset", token=False).status == 200
        assert mails(emu) == []
        assert send(emu, a["userPrincipalName"], mail_of(["x@example.com"], "after")).status == 202
        assert [m["subject"] for m in mails(emu)] == ["after"]


def test_permission():
    with h.Emulator("--users", 100) as emu:  # the default permissions lack Mail.Send
        boxes, _, _ = senders(emu)
        r = send(emu, boxes[0]["userPrincipalName"], mail_of(["x@example.com"]))
        assert r.status == 403 and r.json()["error"]["code"] == "ErrorAccessDenied", r.body
        assert mails(emu) == []
    with h.Emulator("--users", 100, "--app-permissions", "Mail.Send") as emu:
        # Mail.Send alone cannot list users: a twin (same seed, same tenant) names a mailbox
        with h.Emulator("--users", 100) as twin:
            uid = senders(twin)[0][0]["id"]
        assert emu.request("GET", "/v1.0/users").status == 403
        r = send(emu, uid, mail_of(["x@example.com"]))
        assert r.status == 202, r.body


def test_bad_bodies():
    with h.Emulator("--users", 300, "--app-permissions", MAIL) as emu:
        boxes, without, guests = senders(emu)
        upn = boxes[0]["userPrincipalName"]
        good = mail_of(["x@example.com"])

        def expect(body, status, code, headers=None, mailbox=upn):
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
            hdrs = {"Content-Type": "application/json"}
            hdrs.update(headers or {})
            r = emu.request("POST", "/v1.0/users/%s/sendMail" % h.q(mailbox), body=body, headers=hdrs)
            assert r.status == status, (body, r.status, r.body)
            err = r.json()["error"]
            assert err["code"] == code, (body, err)
            assert err["innerError"]["request-id"]
            return err["message"]

        assert "Unable to read JSON request payload" in expect('{"message": {', 400, "BadRequest")
        expect("", 400, "BadRequest")
        expect("[1]", 400, "BadRequest")
        expect(good, 400, "BadRequest", {"Content-Type": "text/plain"})
        assert "'Message'" in expect({"saveToSentItems": False}, 400, "ErrorInvalidParameter")
        expect({"message": "hello"}, 400, "ErrorInvalidParameter")
        none = dict(good, message=dict(good["message"], toRecipients=[]))
        assert "no recipients" in expect(none, 400, "ErrorInvalidRecipients")
        missing = {"message": {k: v for k, v in good["message"].items() if k != "toRecipients"}}
        expect(missing, 400, "ErrorInvalidRecipients")
        for bad in ({"emailAddress": {"address": "not-an-address"}}, {"emailAddress": {}}, {},
                    {"emailAddress": {"address": "a@b@c"}}, {"emailAddress": {"address": ""}}):
            body = dict(good, message=dict(good["message"],
                                           toRecipients=[{"emailAddress": {"address": "ok@example.com"}}, bad]))
            expect(body, 400, "ErrorInvalidRecipients")
        bad_cc = dict(good, message=dict(good["message"], ccRecipients=[{"emailAddress": {"address": "x"}}]))
        assert "'x'" in expect(bad_cc, 400, "ErrorInvalidRecipients")
        expect(dict(good, saveToSentItems="false"), 400, "BadRequest")
        bad_type = dict(good, message=dict(good["message"], body={"contentType": "markdown", "content": "x"}))
        assert "bodyType" in expect(bad_type, 400, "BadRequest")
        # the mailbox: unknown, a member without mail (no mailbox), a guest (mailbox elsewhere)
        assert "'nobody@contoso.example'" in expect(good, 404, "ErrorInvalidUser", mailbox="nobody@contoso.example")
        expect(good, 404, "ErrorInvalidUser", mailbox="00000000-0000-4000-8000-000000000000")
        expect(good, 404, "MailboxNotEnabledForRESTAPI", mailbox=without[0]["userPrincipalName"])
        expect(good, 404, "MailboxNotEnabledForRESTAPI", mailbox=guests[0]["id"])
        r = emu.request("GET", "/v1.0/users/%s/sendMail" % h.q(upn))
        assert r.status == 405, r.body
        assert mails(emu) == []
        # the same good body goes through
        assert send(emu, upn, good).status == 202 and len(mails(emu)) == 1


def burst(emu, mailbox, body, limit=1000):
    """Sends body until the first non-202; returns (accepted, that reply, seconds)."""
    t0 = time.monotonic()
    ok = 0
    while ok < limit:
        r = send(emu, mailbox, body)
        if r.status != 202:
            return ok, r, time.monotonic() - t0
        ok += 1
    raise AssertionError("no limit after %d messages" % limit)


def test_per_minute_limit():
    # Exchange's 30 messages / minute per mailbox, refilled at 0.5 / s
    with h.Emulator("--users", 300, "--app-permissions", MAIL) as emu:
        boxes, _, _ = senders(emu)
        ok, r, took = burst(emu, boxes[0]["userPrincipalName"], mail_of(["x@example.com"]))
        assert 30 <= ok <= int(30 + 0.5 * took), (ok, took)  # never more than the bucket and its refill
        assert r.status == 429 and r.json()["error"]["code"] == "ApplicationThrottled", r.body
        ra = float(r.headers["retry-after"])
        assert 0 < ra <= 2.001, ra
        # per mailbox: another one still sends
        assert send(emu, boxes[1]["userPrincipalName"], mail_of(["x@example.com"])).status == 202
        assert len(mails(emu)) == ok + 1
        assert emu.stats()["byEndpoint"]["sendMail"] == {"202": ok + 1, "429": 1}
    # lowered and time-scaled: 5 / minute, the minute lasting 1 s (5 / s refill)
    with h.Emulator("--users", 300, "--app-permissions", MAIL, "--mail-per-minute", 5,
                    "--time-scale", 60) as emu:
        boxes, _, _ = senders(emu)
        upn = boxes[0]["userPrincipalName"]
        ok, r, took = burst(emu, upn, mail_of(["x@example.com"]))
        assert 5 <= ok <= int(5 + 5 * took), (ok, took)
        assert r.status == 429 and r.json()["error"]["code"] == "ApplicationThrottled"
        ra = float(r.headers["retry-after"])
        assert 0 < ra <= 0.201, ra
        time.sleep(ra)
        assert send(emu, upn, mail_of(["x@example.com"])).status == 202
    # --limits off: no limit
    with h.Emulator("--users", 300, "--app-permissions", MAIL, "--mail-per-minute", 2, "--limits", "off") as emu:
        boxes, _, _ = senders(emu)
        for _ in range(5):
            assert send(emu, boxes[0]["userPrincipalName"], mail_of(["x@example.com"])).status == 202


def test_daily_recipient_limit():
    # 10,000 recipients / day per mailbox, to + cc + bcc: 20 messages of 500 fill it
    with h.Emulator("--users", 300, "--app-permissions", MAIL) as emu:
        boxes, _, _ = senders(emu)
        upn = boxes[0]["userPrincipalName"]
        big = mail_of(["r%d@example.com" % i for i in range(400)])
        big["message"]["ccRecipients"] = [{"emailAddress": {"address": "c%d@example.com" % i}} for i in range(50)]
        big["message"]["bccRecipients"] = [{"emailAddress": {"address": "b%d@example.com" % i}} for i in range(50)]
        ok, r, took = burst(emu, upn, big)
        assert ok == 20, ok  # a day refills 0.116 recipients / s: not one more message's worth
        assert r.status == 429 and r.json()["error"]["code"] == "ErrorSubmissionQuotaExceeded", r.body
        ra = float(r.headers["retry-after"])
        # 500 recipients at 10,000 / 86,400 s
        assert 4000 < ra <= 4320 + 1, ra
        assert send(emu, boxes[1]["userPrincipalName"], big).status == 202
    # lowered: 10 a day; 4 + 4 go, 4 more wait for 2 to refill, 2 go, 11 never do
    with h.Emulator("--users", 300, "--app-permissions", MAIL, "--mail-recipients-per-day", 10) as emu:
        boxes, _, _ = senders(emu)
        upn = boxes[0]["userPrincipalName"]
        four = mail_of(["a@example.com", "b@example.com", "c@example.com", "d@example.com"])
        assert send(emu, upn, four).status == 202 and send(emu, upn, four).status == 202
        r = send(emu, upn, four)
        assert r.status == 429 and r.json()["error"]["code"] == "ErrorSubmissionQuotaExceeded"
        assert 17000 < float(r.headers["retry-after"]) <= 17280 + 1, r.headers["retry-after"]
        assert send(emu, upn, mail_of(["a@example.com", "b@example.com"])).status == 202
        r = send(emu, boxes[1]["userPrincipalName"], mail_of(["x%d@example.com" % i for i in range(11)]))
        assert r.status == 429 and r.headers["retry-after"] == "86400", r.headers
        assert [len(m["to"]) for m in mails(emu)] == [4, 4, 2]


def test_faults():
    # a dropped sendMail was carried out before the connection dropped
    with h.Emulator("--users", 300, "--app-permissions", MAIL, "--drop", 1) as emu:
        with h.Emulator("--users", 300) as twin:
            boxes = senders(twin)[0]
        try:
            r = send(emu, boxes[0]["userPrincipalName"], mail_of(["x@example.com"], "dropped"))
            raise AssertionError("not dropped: %d" % r.status)
        except (ConnectionError, OSError, http_client_errors()):
            pass
        assert [m["subject"] for m in mails(emu)] == ["dropped"]
    # a 5xx or an injected 429 did not send it
    for flag in ("--fail-5xx", "--fail-429"):
        with h.Emulator("--users", 300, "--app-permissions", MAIL, flag, 1) as emu:
            with h.Emulator("--users", 300) as twin:
                upn = senders(twin)[0][0]["userPrincipalName"]
            r = send(emu, upn, mail_of(["x@example.com"]))
            assert r.status in (500, 502, 503, 504, 429), r.status
            assert mails(emu) == []


def http_client_errors():
    import http.client
    return http.client.HTTPException


if __name__ == "__main__":
    h.run([test_mail_property, test_send_and_log, test_permission, test_bad_bodies, test_per_minute_limit,
           test_daily_recipient_limit, test_faults])
