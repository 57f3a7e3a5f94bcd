"""End to end: `mfa-migrate audit/plan` against graph-emulator, the live
path. Checks what the binary wrote against the emulator's own truth.

usage: test_live_scan.py MFA_MIGRATE_BINARY GRAPH_EMULATOR_BINARY
"""
import collections
import csv
import http.server
import json
import os
import signal
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
from emu_harness import CLIENT, SECRET, TENANT, Emulator  # noqa: E402

BIN = None


def creds(secret=SECRET):
    return emu_harness.creds(secret)


def live(emu, command, *args, env=None, secret=SECRET):
    out = os.path.join(mfatest.tmpdir(), "out")
    e = creds(secret)
    e.update(env or {})
    code, stdout, stderr = mfatest.run(BIN, command, "--graph-url", emu.base, "--login-url", emu.base,
                                       "--out", out, *args, env=e)
    return code, out, stdout, stderr


def users_of(out):
    return {u["id"]: u for u in mfatest.read_csv(os.path.join(out, "users.csv"))}


def truth(emu):
    """The emulator's tenant now, as users.csv rows by id."""
    r = emu.request("GET", "/_emulator/export", token=False)
    rows = list(csv.DictReader(r.body.splitlines()))
    return {row["id"]: row for row in rows}


class LiveScan(unittest.TestCase):
    def check_matches_truth(self, emu, out, registration=True):
        got = users_of(out)
        want = truth(emu)
        ids = [u["id"] for u in mfatest.read_csv(os.path.join(out, "users.csv"))]
        self.assertEqual(len(ids), len(set(ids)), "a user appears twice")
        self.assertEqual(set(got), set(want), "users lost or invented")
        for uid, w in want.items():
            g = got[uid]
            self.assertEqual(g["perUserMfaState"], w["perUserMfaState"], uid)
            self.assertEqual(g["userPrincipalName"], w["userPrincipalName"])
            if registration:
                self.assertEqual(g["isMfaRegistered"], w["isMfaRegistered"], uid)
                self.assertEqual(set(filter(None, g["methodsRegistered"].split(";"))),
                                 set(filter(None, w["methodsRegistered"].split(";"))), uid)
                self.assertEqual(g["isAdmin"], w["isAdmin"], uid)
        return got

    def test_fast_path_matches_truth(self):
        with Emulator("--users", 2500, "--seed", 11) as emu:
            code, out, stdout, stderr = live(emu, "audit")
            self.assertEqual(code, 0, stderr)
            self.assertEqual(stdout.strip(), out)
            self.check_matches_truth(emu, out)
            s = json.load(open(os.path.join(out, "summary.json")))
            self.assertEqual(s["tenantId"], TENANT)
            self.assertIn("inline", s["source"]["format"])
            self.assertEqual(s["users"], 2500)
            self.assertGreater(s["graph"]["requests"], 0)
            # the state came inline: no per-user reads at all
            self.assertNotIn("batch", json.dumps(emu.stats()["byEndpoint"]))

    def test_fallback_matches_truth(self):
        with Emulator("--users", 1500, "--seed", 12, "--no-state-select") as emu:
            code, out, _, stderr = live(emu, "audit")
            self.assertEqual(code, 0, stderr)
            self.check_matches_truth(emu, out)
            s = json.load(open(os.path.join(out, "summary.json")))
            self.assertIn("$batch", s["source"]["format"])

    def test_live_plan_equals_export_plan(self):
        d = mfatest.tmpdir()
        export = os.path.join(d, "export.csv")
        with Emulator("--users", 1200, "--seed", 13, "--export-csv", export) as emu:
            code, out_live, _, stderr = live(emu, "plan", "--no-ca")
            self.assertEqual(code, 0, stderr)
        out_csv = os.path.join(d, "from-csv")
        code, _, stderr = mfatest.run(BIN, "plan", "--from-csv", export, "--out", out_csv)
        self.assertEqual(code, 0, stderr)
        a, b = users_of(out_live), users_of(out_csv)
        self.assertEqual(a, b)
        plan = lambda out: sorted(l for l in open(os.path.join(out, "plan.csv")).read().splitlines()[1:])
        self.assertEqual(plan(out_live), plan(out_csv))
        header = json.loads(open(os.path.join(out_live, "plan.jsonl")).readline())
        self.assertEqual(header["tenantId"], TENANT)
        self.assertEqual(header["source"]["kind"], "graph")

    def test_throttle_respected(self):
        # 12,000 per-user reads against a large tenant's 8,000 RU per 10 s:
        # the budget binds, and the client must pace itself, not storm.
        with Emulator("--users", 12000, "--seed", 14, "--no-state-select") as emu:
            t0 = time.monotonic()
            code, out, _, stderr = live(emu, "audit", "--no-registration")
            took = time.monotonic() - t0
            self.assertEqual(code, 0, stderr)
            st = emu.stats()
            self.assertLessEqual(st["throttled"], max(2, st["requests"] // 100), st)
            # Graph's bucket: 8,000 RU at once, then 800 RU/s; 12,013 RU (13 pages
            # of the list at 1 RU, 12,000 reads) take at least 5 s, and a client
            # that models the bucket needs no more. That upper side is a
            # timing (load would break it): unit/test_throttle's
            # test_no_stall_after_burst proves it, tests/bench measures it.
            self.assertGreaterEqual(took, (12013 - 8000) / 800, "over the bucket's refill rate")
            self.assertEqual(len(users_of(out)), 12000)

    def test_faults_survived(self):
        with Emulator("--users", 3000, "--seed", 15, "--no-state-select", "--fail-5xx", "0.05",
                      "--fail-429", "0.03", "--drop", "0.03", "--slow", "0.01", "--slow-seconds", "60",
                      "--latency-ms", "30", "--token-ttl", "2", "--time-scale", "20") as emu:
            code, out, _, stderr = live(emu, "plan", "--timeout", "2")
            self.assertEqual(code, 0, stderr)
            self.check_matches_truth(emu, out)
            st = emu.stats()
            self.assertGreater(sum(st["faults"].values()), 0, "the faults did not happen")
            s = json.load(open(os.path.join(out, "summary.json")))
            self.assertGreater(s["graph"]["retries"], 0)
            self.assertGreater(s["graph"]["tokenRequests"], 1, "the token never expired mid-run")

    def test_no_registration_licence(self):
        with Emulator("--users", 300, "--no-registration-license") as emu:
            code, out, _, stderr = live(emu, "audit")
            self.assertEqual(code, 0, stderr)
            self.assertIn("registration details unavailable", stderr)
            users = users_of(out)
            self.assertEqual(len(users), 300)
            self.assertTrue(all(u["isMfaRegistered"] == "" for u in users.values()))
            s = json.load(open(os.path.join(out, "summary.json")))
            self.assertFalse(s["graph"]["registrationAvailable"])


class SignIn(unittest.TestCase):
    def test_certificate_pem_and_pfx(self):
        d = mfatest.tmpdir()
        key, cert = os.path.join(d, "key.pem"), os.path.join(d, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "2", "-subj", "/CN=mfa-migrate-test"],
                       check=True, capture_output=True)
        both = os.path.join(d, "both.pem")
        open(both, "w").write(open(cert).read() + open(key).read())
        pfx = os.path.join(d, "cert.pfx")
        subprocess.run(["openssl", "pkcs12", "-export", "-inkey", key, "-in", cert, "-out", pfx,
                        "-passout", "pass:pfx-pass-123"], check=True, capture_output=True)
        with Emulator("--users", 120, "--client-cert", cert) as emu:
            for args, extra_env in (((), {"AZURE_CLIENT_CERTIFICATE_PATH": both}),
                                    (("--assertion-alg", "rs256"), {"AZURE_CLIENT_CERTIFICATE_PATH": both}),
                                    (("--certificate", pfx), {"AZURE_CLIENT_CERTIFICATE_PASSWORD": "pfx-pass-123"})):
                with self.subTest(args=args, env=sorted(extra_env)):
                    e = {"AZURE_CLIENT_SECRET": ""}
                    e.update(extra_env)
                    code, out, _, stderr = live(emu, "audit", "-v", *args, env=e)
                    self.assertEqual(code, 0, stderr)
                    self.assertIn("(certificate)", stderr)
                    self.assertEqual(len(users_of(out)), 120)
                    self.assertNotIn("pfx-pass-123", stderr)
            # the wrong certificate is refused by the tenant
            other_key, other = os.path.join(d, "k2.pem"), os.path.join(d, "c2.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                            other_key, "-out", other, "-days", "2", "-subj", "/CN=other"],
                           check=True, capture_output=True)
            wrong = os.path.join(d, "wrong.pem")
            open(wrong, "w").write(open(other).read() + open(other_key).read())
            code, out, _, stderr = live(emu, "audit", env={"AZURE_CLIENT_SECRET": "",
                                                           "AZURE_CLIENT_CERTIFICATE_PATH": wrong})
            self.assertEqual(code, 1, stderr)
            self.assertIn("sign-in failed", stderr)


class Partial(unittest.TestCase):
    def test_unreadable_states_are_unknown_and_held(self):
        # Half of all Graph answers fail and nothing is retried: the users
        # page gets through (the emulator's faults are a pure function of the
        # seed and the request number, and this seed spares the first
        # request), the per-user reads mostly do not.
        with Emulator("--users", 400, "--seed", 7, "--no-state-select", "--fail-5xx", "0.5") as emu:
            code, out, _, stderr = live(emu, "plan", "--no-registration", "--no-ca", "--attempts", "1")
            self.assertEqual(code, 4, stderr)
            self.assertIn("could not be read", stderr)
            users = users_of(out)
            self.assertEqual(set(users), set(truth(emu)))  # nobody lost
            unknown = [u for u in users.values() if u["perUserMfaState"] == "unknown"]
            self.assertGreater(len(unknown), 0)
            for u in unknown:
                self.assertEqual(u["action"], "hold")
                self.assertEqual(u["holdReason"], "state-unknown")
                self.assertIn("not read", u["stateError"])
            s = json.load(open(os.path.join(out, "summary.json")))
            self.assertEqual(s["graph"]["unknownStates"], len(unknown))

    def test_ctrl_c(self):
        with Emulator("--users", 20000, "--no-state-select", "--latency-ms", "40") as emu:
            out = os.path.join(mfatest.tmpdir(), "out")
            e = dict(os.environ)
            e.update(creds())
            p = subprocess.Popen([BIN, "plan", "--graph-url", emu.base, "--login-url", emu.base,
                                  "--out", out, "--no-registration", "--workers", "2"],
                                 env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            # Interrupt once the scan is under way (the emulator has seen
            # per-user reads), not after a guessed sleep.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if "batch" in json.dumps(emu.stats()["byEndpoint"]):
                    break
                time.sleep(0.02)
            p.send_signal(signal.SIGINT)
            stdout, stderr = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 130, stderr)
            self.assertIn("interrupted", stderr)
            s = json.load(open(os.path.join(out, "summary.json")))
            self.assertFalse(s["complete"])
            self.assertFalse(os.path.exists(os.path.join(out, "plan.jsonl")))
            scanned = users_of(out)
            # The users listed are all reported; those whose state was read
            # before Ctrl-C carry it, the rest are unknown, never disabled.
            # (A per-user scan lists in parallel ranges, so everyone may be
            # listed already.)
            self.assertGreater(len(scanned), 0, "the users scanned before Ctrl-C are reported")
            known = [u for u in scanned.values() if u["perUserMfaState"] != "unknown"]
            self.assertGreater(len(known), 0)
            self.assertLess(len(known), 20000)
            state = emu.state()
            for u in known:
                self.assertEqual(u["perUserMfaState"], state[u["id"]])


class LiveErrors(unittest.TestCase):
    def expect_error(self, code, stderr, out, needle):
        self.assertEqual(code, 1, stderr)
        lines = [l for l in stderr.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, stderr)
        self.assertIn(needle, lines[0])
        if os.path.isdir(out):
            self.assertEqual([f for f in os.listdir(out) if not f.endswith(".tmp")], [])

    def test_wrong_secret(self):
        with Emulator("--users", 50) as emu:
            code, out, _, stderr = live(emu, "audit", secret="not-the-secret-xyz")
            self.expect_error(code, stderr, out, "invalid_client")
            self.assertNotIn("not-the-secret-xyz", stderr)

    def test_missing_permission(self):
        with Emulator("--users", 50, "--app-permissions", "Policy.Read.All,AuditLog.Read.All") as emu:
            code, out, _, stderr = live(emu, "audit")
            self.expect_error(code, stderr, out, "403")

    def test_unreachable_host(self):
        with Emulator("--users", 50) as emu:
            out = os.path.join(mfatest.tmpdir(), "out")
            code, _, stderr = mfatest.run(BIN, "audit", "--graph-url", "http://127.0.0.1:9",
                                          "--login-url", emu.base, "--out", out, "--timeout", "2",
                                          env=creds())
            self.expect_error(code, stderr, out, "127.0.0.1 port 9")

    def test_plain_http_refused_off_loopback(self):
        out = os.path.join(mfatest.tmpdir(), "out")
        code, _, stderr = mfatest.run(BIN, "audit", "--graph-url", "http://graph.example.com",
                                      "--out", out, env=creds())
        self.assertIn(code, (1, 2), stderr)
        self.assertIn("http", stderr)
        self.assertFalse(os.path.exists(os.path.join(out, "users.csv")))

    def test_malformed_json(self):
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = json.dumps({"token_type": "Bearer", "expires_in": 3599,
                                   "access_token": "tok-123"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                body = b'{"value": [ {"id": "1", "userPrincipalName": '
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        t = threading.Thread(target=srv.serve_forever, daemon=True)
        t.start()
        try:
            base = "http://127.0.0.1:%d" % srv.server_address[1]
            out = os.path.join(mfatest.tmpdir(), "out")
            code, _, stderr = mfatest.run(BIN, "audit", "--graph-url", base, "--login-url", base,
                                          "--out", out, "--no-registration", env=creds())
            self.expect_error(code, stderr, out, "malformed")
        finally:
            srv.shutdown()
            srv.server_close()


class Secrets(unittest.TestCase):
    def test_secret_and_token_never_written(self):
        with Emulator("--users", 400, "--no-state-select", "--fail-5xx", "0.05", "--seed", 3) as emu:
            token = emu.token()
            d = mfatest.tmpdir()
            tokfile = os.path.join(d, "token")
            open(tokfile, "w").write(token + "\n")
            runs = [live(emu, "plan", "-v", env={"MFA_MIGRATE_TRACE": "1"}),
                    live(emu, "plan", "-v", "--access-token-file", tokfile,
                         env={"MFA_MIGRATE_TRACE": "1", "AZURE_CLIENT_SECRET": ""})]
            for code, out, stdout, stderr in runs:
                self.assertEqual(code, 0, stderr)
                self.assertIn("trace:", stderr)
                texts = [stdout, stderr]
                for f in os.listdir(out):
                    with open(os.path.join(out, f), "rb") as fh:
                        texts.append(fh.read().decode("latin-1"))
                for text in texts:
                    self.assertNotIn(SECRET, text)
                    self.assertNotIn(token, text)
                self.assertNotIn("Authorization: Bearer", stderr)


if __name__ == "__main__":
    BIN = sys.argv[1]
    emu_harness.EXE = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
