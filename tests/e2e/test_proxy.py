"""End to end: proxies (issue 11 item 7). A tiny recording proxy on
127.0.0.1 sees every byte sent to it. Plain http to the loopback emulator
(token requests and Graph requests alike) must never reach it, whatever
http_proxy / HTTP_PROXY / ALL_PROXY say, so the client secret never
travels to a proxy in clear text; https to a real host goes through
https_proxy as a CONNECT tunnel, and no_proxy naming the host bypasses it.

usage: test_proxy.py MFA_MIGRATE_BINARY GRAPH_EMULATOR_BINARY
"""
import os
import socket
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
PROXY_VARS = ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
              "ALL_PROXY", "no_proxy", "NO_PROXY"]
# RFC 2606: .invalid never resolves, so a request that bypasses the proxy
# cannot reach anything either
LOGIN_HOST = "login.mfa-proxy-test.invalid"
GRAPH_HOST = "graph.mfa-proxy-test.invalid"


class RecordingProxy:
    """Listens on 127.0.0.1, records what each connection sends (at most
    64 KiB per connection, 64 connections), answers every request 403 (so
    nothing is forwarded anywhere), and stops by itself after `life`
    seconds even if the test forgets to stop it."""

    def __init__(self, life=120):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.records = []
        self.lock = threading.Lock()
        self.deadline = time.monotonic() + life
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopping and time.monotonic() < self.deadline:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            with self.lock:
                if len(self.records) >= 64:
                    c.close()
                    continue
                rec = bytearray()
                self.records.append(rec)
            threading.Thread(target=self._conn, args=(c, rec), daemon=True).start()
        self.sock.close()

    def _conn(self, c, rec):
        c.settimeout(5)
        try:
            while b"\r\n\r\n" not in rec and len(rec) < 65536:
                data = c.recv(4096)
                if not data:
                    break
                with self.lock:
                    rec.extend(data)
            if rec:
                c.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        except OSError:
            pass
        finally:
            c.close()

    def seen(self):
        with self.lock:
            return [bytes(r) for r in self.records]

    def stop(self):
        self.stopping = True
        self.thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def run(args, proxy_env):
    """Runs the binary with exactly proxy_env for the proxy variables (all
    others removed) and the emulator's credentials."""
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
    env.update(emu_harness.creds())
    env.update(proxy_env)
    out = os.path.join(mfatest.tmpdir(), "out")
    p = subprocess.run([BIN, *args, "--out", out], capture_output=True, text=True, env=env,
                       timeout=120)
    return p.returncode, out, p.stdout, p.stderr


class Proxy(unittest.TestCase):
    def test_loopback_http_never_proxied(self):
        with Emulator("--users", 40, "--seed", 3) as emu, RecordingProxy() as px:
            every = {k: px.url for k in PROXY_VARS if "no_proxy" not in k.lower()}
            code, out, stdout, stderr = run(["audit", "--graph-url", emu.base,
                                             "--login-url", emu.base], every)
            self.assertEqual(code, 0, stderr)
            self.assertEqual(len(mfatest.read_csv(os.path.join(out, "users.csv"))), 40)
            seen = px.seen()
            self.assertEqual(seen, [], "the proxy was sent: %r" % seen[:1])
            for r in seen:
                self.assertNotIn(SECRET.encode(), r)

    def check_refused(self, proxy_env, px):
        code, out, stdout, stderr = run(["audit", "--graph-url", "https://" + GRAPH_HOST,
                                         "--login-url", "https://" + LOGIN_HOST], proxy_env)
        self.assertEqual(code, 1, stderr)
        seen = px.seen()
        # the token request comes first; one attempt: a refusal is final
        self.assertEqual(len(seen), 1, seen)
        self.assertTrue(seen[0].startswith(b"CONNECT %s:443 HTTP/1.1\r\n" % LOGIN_HOST.encode()),
                        seen[0])
        self.assertNotIn(SECRET.encode(), seen[0])
        lines = [ln for ln in stderr.splitlines() if "error" in ln]
        self.assertEqual(len(lines), 1, stderr)
        self.assertIn("proxy 'http://127.0.0.1:%d'" % px.port, lines[0])
        self.assertIn("refused the tunnel to '%s:443': http 403" % LOGIN_HOST, lines[0])
        self.assertIn("no_proxy", lines[0])
        self.assertFalse(os.path.exists(os.path.join(out, "users.csv")))
        return lines[0]

    def test_https_goes_through_https_proxy(self):
        with RecordingProxy() as px:
            line = self.check_refused({"https_proxy": px.url}, px)
            self.assertIn("(https_proxy)", line)

    def test_https_goes_through_all_proxy(self):
        with RecordingProxy() as px:
            line = self.check_refused({"ALL_PROXY": px.url, "http_proxy": "http://127.0.0.1:9"}, px)
            self.assertIn("(ALL_PROXY)", line)

    def test_no_proxy_bypasses(self):
        with RecordingProxy() as px:
            for no in ["mfa-proxy-test.invalid", ".mfa-proxy-test.invalid", LOGIN_HOST + "," + GRAPH_HOST, "*"]:
                code, out, stdout, stderr = run(
                    ["audit", "--graph-url", "https://" + GRAPH_HOST, "--login-url",
                     "https://" + LOGIN_HOST, "--attempts", "1"],
                    {"https_proxy": px.url, "no_proxy": no})
                self.assertEqual(code, 1, stderr)
                self.assertEqual(px.seen(), [], no)
                # it went direct: the name does not resolve
                self.assertIn("resolve", stderr, no)
                self.assertNotIn("through proxy", stderr, no)
                self.assertNotIn("127.0.0.1:%d" % px.port, stderr, no)

    def test_bad_proxy_setting(self):
        code, out, stdout, stderr = run(["audit", "--graph-url", "https://" + GRAPH_HOST,
                                         "--login-url", "https://" + LOGIN_HOST],
                                        {"HTTPS_PROXY": "ftp://user:Pr0xyPa55@proxy.example:21"})
        self.assertEqual(code, 1, stderr)
        self.assertIn("HTTPS_PROXY", stderr)
        self.assertNotIn("Pr0xyPa55", stderr)


if __name__ == "__main__":
    BIN = sys.argv[1]
    emu_harness.EXE = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
