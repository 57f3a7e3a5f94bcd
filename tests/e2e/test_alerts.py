"""End to end: audit --notify-webhook / --notify-mail (issue 16 item 4).

A local receiver (http.server on 127.0.0.1) gets exactly one message per
failing run, in each --webhook-format (the JSON shape checked), none for a
passing run, and no secret in it; a receiver that answers 500 (then 200,
or always) is retried and never changes the audit's exit code; the webhook
URL (a secret: it carries a token) is in no output; --notify-mail puts one
message in graph-emulator's /_emulator/mail.

usage: test_alerts.py MFA_MIGRATE_BINARY GRAPH_EMULATOR_BINARY SAMPLES_DIR
"""
import csv
import http.server
import io
import json
import os
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
import emu_harness  # noqa: E402
import mfatest  # noqa: E402
from emu_harness import Emulator  # noqa: E402

BIN = None
SAMPLES = None
TOKEN = "sig=Wh7-webhook-token-9b2e4c"   # the secret part of the URL
FAILING = "stuck-enabled"               # 4 users of the sample have it
PASSING = "admin-not-registered"        # nobody has it


class Receiver:
    """Answers POSTs with the statuses given in turn (the last one
    repeating), recording each request."""

    def __init__(self, statuses=(200,), retry_after=None):
        self.statuses = list(statuses)
        self.retry_after = retry_after
        self.requests = []
        rec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                i = len(rec.requests)
                status = rec.statuses[min(i, len(rec.statuses) - 1)]
                rec.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                     "status": status, "at": time.monotonic()})
                self.send_response(status)
                if status == 429 and rec.retry_after:
                    self.send_header("Retry-After", str(rec.retry_after))
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/workflows/abc/triggers/manual/run?%s" % (self.server.server_port, TOKEN)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def accepted(self):
        return [json.loads(r["body"]) for r in self.requests if 200 <= r["status"] < 300]

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def env(**extra):
    e = dict(os.environ)
    for k in ("MFA_MIGRATE_WEBHOOK_URL", "MFA_MIGRATE_WEBHOOK_URL_FILE", "CREDENTIALS_DIRECTORY",
              "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        e.pop(k, None)
    e["MFA_MIGRATE_TIME_SCALE"] = "20"  # the webhook's backoff, shortened for the test
    e.update(extra)
    return e


def audit(*args, e=None, csv_path=None):
    out = os.path.join(mfatest.tmpdir(), "out")
    p = subprocess.run([BIN, "audit", "--from-csv", csv_path or os.path.join(SAMPLES, "mfa-migrate-users.csv"),
                        "--out", out, *args], capture_output=True, text=True, env=e or env(), timeout=300)
    return p.returncode, out, p.stdout, p.stderr


def no_token_anywhere(test, out, stdout, stderr):
    test.assertNotIn(TOKEN, stdout)
    test.assertNotIn(TOKEN, stderr)
    test.assertNotIn("workflows/abc", stderr)
    for root, _, names in os.walk(out):
        for n in names:
            with open(os.path.join(root, n), "rb") as f:
                test.assertNotIn(TOKEN.encode(), f.read(), n)


class Alerts(unittest.TestCase):
    def test_each_format_one_message_per_failing_run(self):
        for fmt in ("teams", "slack", "json"):
            with self.subTest(format=fmt), Receiver() as r:
                code, out, stdout, stderr = audit("--fail-on", FAILING, "--webhook-format", fmt,
                                                  e=env(MFA_MIGRATE_WEBHOOK_URL=r.url))
                self.assertEqual(code, 3, stderr)  # as without the webhook
                self.assertEqual(len(r.requests), 1, stderr)
                req = r.requests[0]
                self.assertTrue(req["path"].endswith(TOKEN))
                self.assertEqual(req["headers"]["Content-Type"], "application/json")
                msg = json.loads(req["body"])
                self.assertNotIn(TOKEN, req["body"].decode())
                self.assertIn("alert posted to the webhook at '127.0.0.1'", stderr)
                no_token_anywhere(self, out, stdout, stderr)
                if fmt == "teams":
                    self.assertEqual(msg["type"], "message")
                    self.assertEqual(len(msg["attachments"]), 1)
                    att = msg["attachments"][0]
                    self.assertEqual(att["contentType"], "application/vnd.microsoft.card.adaptive")
                    card = att["content"]
                    self.assertEqual(card["type"], "AdaptiveCard")
                    self.assertEqual(card["version"], "1.4")
                    texts = [b.get("text", "") for b in card["body"] if b["type"] == "TextBlock"]
                    self.assertTrue(any("--fail-on %s matched" % FAILING in t for t in texts), texts)
                    self.assertTrue(any(out in t for t in texts), texts)
                    facts = {f["title"]: f["value"] for b in card["body"] if b["type"] == "FactSet"
                             for f in b["facts"]}
                    self.assertEqual(facts["Users"], "20")
                    self.assertEqual(facts[FAILING], "4")
                elif fmt == "slack":
                    self.assertIn("--fail-on %s matched" % FAILING, msg["text"])
                    kinds = [b["type"] for b in msg["blocks"]]
                    self.assertEqual(kinds[0], "header")
                    self.assertIn("section", kinds)
                    self.assertEqual(kinds[-1], "context")
                    self.assertIn(out, msg["blocks"][-1]["elements"][0]["text"])
                    self.assertIn("%s: 4" % FAILING, msg["blocks"][1]["text"]["text"])
                else:
                    self.assertEqual(msg["kind"], "mfa-migrate-alert")
                    self.assertEqual(msg["formatVersion"], 1)
                    self.assertEqual(msg["reasons"], ["fail-on"])
                    self.assertEqual(msg["failOn"], FAILING)
                    self.assertEqual(msg["counts"]["users"], 20)
                    self.assertEqual(msg["counts"]["findings"][FAILING], 4)
                    self.assertEqual(msg["topChanges"], [])
                    self.assertEqual(msg["reportFolder"], out)

    def test_passing_run_sends_nothing(self):
        with Receiver() as r:
            code, out, stdout, stderr = audit("--fail-on", PASSING, "--notify-webhook", r.url)
            self.assertEqual(code, 0, stderr)
            self.assertEqual(r.requests, [])
            no_token_anywhere(self, out, stdout, stderr)

    def test_high_severity_change_alerts_without_fail_on(self):
        # the previous run had Alex disabled; now he is enabled again
        # (state-away-from-disabled, high): an alert with that change on top
        d = mfatest.tmpdir()
        with open(os.path.join(SAMPLES, "mfa-migrate-users.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        before = os.path.join(d, "before.csv")
        with open(before, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            w.writeheader()
            for row in rows:
                row = dict(row)
                if row["userPrincipalName"] == "alex.wilber@contoso.example":
                    row["perUserMfaState"] = "disabled"
                w.writerow(row)
        code, prev, _, stderr = audit(csv_path=before)
        self.assertEqual(code, 0, stderr)
        with Receiver() as r:
            code, out, stdout, stderr = audit("--compare", prev, "--webhook-format", "json",
                                              e=env(MFA_MIGRATE_WEBHOOK_URL=r.url))
            self.assertEqual(code, 0, stderr)
            msgs = r.accepted()
            self.assertEqual(len(msgs), 1, stderr)
            m = msgs[0]
            self.assertEqual(m["reasons"], ["high-severity-changes"])
            self.assertGreaterEqual(m["counts"]["changesHigh"], 1)
            top = m["topChanges"][0]
            self.assertEqual((top["change"], top["severity"], top["userPrincipalName"]),
                             ("state-away-from-disabled", "high", "alex.wilber@contoso.example"))
            self.assertEqual((top["previous"], top["current"]), ("disabled", "enabled"))
            self.assertLessEqual(len(m["topChanges"]), 10)
            # the same comparison with nothing new since: no alert
        with Receiver() as r:
            code, _, _, stderr = audit("--compare", out, "--notify-webhook", r.url)
            self.assertEqual(code, 0, stderr)
            self.assertEqual(r.requests, [])

    def test_500_then_200_is_retried(self):
        with Receiver(statuses=(500, 200)) as r:
            # traced too: by host, never the URL (whose path may be the secret, as Slack's is)
            code, out, stdout, stderr = audit("--fail-on", FAILING, "--notify-webhook", r.url,
                                              e=env(MFA_MIGRATE_TRACE="1"))
            self.assertIn("trace: POST webhook 127.0.0.1 -> 500", stderr)
            self.assertEqual(code, 3, stderr)
            self.assertEqual([q["status"] for q in r.requests], [500, 200])
            self.assertEqual(len(r.accepted()), 1)
            self.assertNotIn("warning", stderr)
            no_token_anywhere(self, out, stdout, stderr)

    def test_429_retry_after_is_honoured(self):
        with Receiver(statuses=(429, 200), retry_after=1) as r:
            code, _, _, stderr = audit("--fail-on", FAILING, "--notify-webhook", r.url)
            self.assertEqual(code, 3, stderr)
            self.assertEqual([q["status"] for q in r.requests], [429, 200])
            self.assertGreaterEqual(r.requests[1]["at"] - r.requests[0]["at"], 0.9)

    def test_always_500_never_fails_the_audit(self):
        with Receiver(statuses=(500,)) as r:
            t0 = time.monotonic()
            code, out, stdout, stderr = audit("--fail-on", FAILING, "--notify-webhook", r.url)
            self.assertEqual(code, 3, stderr)  # the exit code without a webhook
            self.assertEqual(len(r.requests), 5)  # retried, then given up
            self.assertIn("warning: could not post the alert: webhook '127.0.0.1': http 500", stderr)
            self.assertIn("exit code are not affected", stderr)
            self.assertLess(time.monotonic() - t0, 60)
            no_token_anywhere(self, out, stdout, stderr)
            self.assertTrue(os.path.exists(os.path.join(out, "summary.json")))
        # and a passing run is still 0 with a dead receiver
        with Receiver(statuses=(500,)) as r:
            code, _, _, stderr = audit("--fail-on", PASSING, "--notify-webhook", r.url)
            self.assertEqual(code, 0, stderr)

    def test_unreachable_receiver(self):
        with Receiver() as r:
            url = r.url
        code, out, stdout, stderr = audit("--fail-on", FAILING, "--notify-webhook", url)
        self.assertEqual(code, 3, stderr)
        self.assertIn("warning: could not post the alert: webhook '127.0.0.1'", stderr)
        no_token_anywhere(self, out, stdout, stderr)

    def test_url_from_file_and_credential(self):
        d = mfatest.tmpdir()
        creds = os.path.join(d, "creds")
        os.mkdir(creds, 0o700)
        for how in ("file", "credential"):
            with self.subTest(how=how), Receiver() as r:
                if how == "file":
                    path = os.path.join(d, "url")
                    with open(path, "w") as f:
                        f.write(r.url + "\n")
                    os.chmod(path, 0o600)
                    e = env(MFA_MIGRATE_WEBHOOK_URL_FILE=path)
                else:
                    path = os.path.join(creds, "webhook-url")
                    with open(path, "w") as f:
                        f.write(r.url + "\n")
                    os.chmod(path, 0o400)
                    e = env(CREDENTIALS_DIRECTORY=creds)
                code, out, stdout, stderr = audit("--fail-on", FAILING, e=e)
                self.assertEqual(code, 3, stderr)
                self.assertEqual(len(r.accepted()), 1, stderr)
                no_token_anywhere(self, out, stdout, stderr)

    def test_bad_options(self):
        for args, e, code, needle in (
                (("--notify-webhook", "http://hooks.example.com/x?" + TOKEN), None, 2,
                 "--notify-webhook: the webhook URL to 'hooks.example.com' must be https"),
                (("--notify-webhook", "ftp://hooks.example.com/" + TOKEN), None, 2, "--notify-webhook:"),
                (("--webhook-format", "teams"), None, 2, "--webhook-format goes with --notify-webhook"),
                (("--webhook-format", "discord", "--notify-webhook", "https://h.example/"), None, 2,
                 "--webhook-format: 'discord' is not a webhook format (use teams, slack or json)"),
                (("--notify-mail", "secops@contoso.example"), None, 2, "--notify-mail and --send-from go together"),
                ((), env(MFA_MIGRATE_WEBHOOK_URL_FILE="/nonexistent/url"), 1,
                 "MFA_MIGRATE_WEBHOOK_URL_FILE: cannot read '/nonexistent/url'")):
            c, out, stdout, stderr = audit(*args, e=e)
            self.assertEqual(c, code, (args, stderr))
            self.assertIn(needle, stderr)
            self.assertNotIn(TOKEN, stderr)
            self.assertFalse(os.path.exists(os.path.join(out, "summary.json")))

    def test_notify_mail_sends_one_message(self):
        with Emulator("--users", 30, "--app-permissions",
                      "User.Read.All,Policy.Read.All,AuditLog.Read.All,Mail.Send") as emu:
            users = emu.get_json("/v1.0/users?$select=userPrincipalName,mail,userType")["value"]
            sender = next(u for u in users if u.get("mail") and u.get("userType") != "Guest")
            for fail_on, want in ((PASSING, 0), ("enabled", 1)):
                emu.request("POST", "/_emulator/reset", token=False)
                out = os.path.join(mfatest.tmpdir(), "out")
                code, stdout, stderr = mfatest.live(BIN, emu, "audit", "--out", out, "--fail-on", fail_on,
                                                    "--notify-mail", "secops@contoso.example",
                                                    "--send-from", sender["userPrincipalName"])
                self.assertEqual(code, 3 if want else 0, stderr)
                mail = emu.get_json("/_emulator/mail", token=False)
                self.assertEqual(len(mail), want, stderr)
                if want:
                    m = mail[0]
                    self.assertEqual(m["to"], ["secops@contoso.example"])
                    self.assertIn("--fail-on enabled matched", json.dumps(m))
                    self.assertIn("alert mailed to 'secops@contoso.example'", stderr)

    def test_tenants_each_audit_alerts_url_never_in_a_child(self):
        # each tenant's audit posts its own alert; the URL reaches it on
        # its --secret-fd pipe, never in its argv or environment
        ids = ["00000000-0000-0000-0000-00000000000%d" % i for i in (1, 2)]
        emus = [Emulator("--users", 30, "--seed", i + 1, "--tenant-id", ids[i], "--latency-ms", 100)
                for i in range(2)]
        try:
            d = mfatest.tmpdir()
            lst = os.path.join(d, "tenants.txt")
            with open(lst, "w") as f:
                for i, name in enumerate(("Contoso", "Fabrikam")):
                    f.write("%s,%s,,,%s\n" % (ids[i], name, emus[i].base))
            with Receiver() as r:
                e = env(AZURE_CLIENT_ID=emu_harness.CLIENT, AZURE_CLIENT_SECRET=emu_harness.SECRET,
                        AZURE_CLIENT_CERTIFICATE_PATH="", MFA_MIGRATE_ACCESS_TOKEN="")
                out = os.path.join(d, "roll")
                p = subprocess.Popen([BIN, "audit", "--tenants", lst, "--out", out, "--fail-on", "enabled",
                                      "--webhook-format", "json", "--notify-webhook", r.url],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e)
                seen = []
                while p.poll() is None:
                    try:
                        with open("/proc/%d/task/%d/children" % (p.pid, p.pid)) as f:
                            kids = f.read().split()
                    except OSError:
                        kids = []
                    for k in kids:
                        try:
                            with open("/proc/%s/cmdline" % k, "rb") as f:
                                cmd = f.read()
                            with open("/proc/%s/environ" % k, "rb") as f:
                                envb = f.read()
                        except OSError:
                            continue
                        # between posix_spawn's clone and its exec a child
                        # is still the parent's image: only the audit counts
                        if b"--secret-fd" in cmd:
                            seen.append((cmd, envb))
                    time.sleep(0.01)
                stdout, stderr = p.communicate()
                self.assertEqual(p.returncode, 3, stderr)
                self.assertTrue(seen)  # the tenants' audits were caught running
                for cmd, envb in seen:
                    self.assertNotIn(TOKEN.encode(), cmd)
                    self.assertNotIn(TOKEN.encode(), envb)
                    self.assertNotIn(b"--notify-webhook", cmd)
                msgs = r.accepted()
                self.assertEqual(sorted(m["tenant"] for m in msgs), ids)
                no_token_anywhere(self, out, stdout.decode(), stderr.decode())
        finally:
            for x in emus:
                x.stop()


if __name__ == "__main__":
    BIN = sys.argv[1]
    emu_harness.EXE = os.path.abspath(sys.argv[2])
    SAMPLES = sys.argv[3]
    unittest.main(argv=sys.argv[:1], verbosity=2)
