"""End to end: mfa-migrate over HTTP/2 and TLS (issue 12). graph-emulator
serves HTTPS with a throwaway CA's certificate; nghttpx (package
nghttp2-proxy) is an HTTP/2 TLS front before it, and the emulator's
--public-url names the front so nextLinks lead back through it. A live audit
and a plan + apply run through the front with --ca-bundle, and what they
wrote is compared with /_emulator/state; summary.json says HTTP/2 carried
the traffic (graph-emulator itself speaks only HTTP/1.1). Without
--ca-bundle the run stops at the certificate: verification is always on.

usage: test_http2.py MFA_MIGRATE_BINARY GRAPH_EMULATOR_BINARY
"""
import contextlib
import json
import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
import emu_harness  # noqa: E402
import mfatest  # noqa: E402
from emu_harness import Emulator  # noqa: E402

BIN = None
# variables that could make a TLS failure pass (or a pass fail) for reasons
# outside the test: OpenSSL's default trust locations, proxies
CLEARED = {k: "" for k in ("SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE", "http_proxy",
                           "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")}


@contextlib.contextmanager
def h2_tenant(*flags):
    """An HTTPS graph-emulator behind an nghttpx HTTP/2 front. Yields
    (emulator, front URL, CA file)."""
    ca, cert, key = emu_harness.make_tls(mfatest.tmpdir())
    port = emu_harness.free_port()
    with Emulator(*flags, "--public-url", "https://127.0.0.1:%d" % port, tls=(ca, cert, key)) as emu:
        with emu_harness.nghttpx(port, emu.base, cert, key, ca=ca) as front:
            yield emu, front, ca


def mfa(front, command, *args, ca=None, trace=False):
    """Runs mfa-migrate with Graph and sign-in both at the front; returns
    (exit code, output folder, stdout, stderr)."""
    out = os.path.join(mfatest.tmpdir(), command)
    env = dict(CLEARED, MFA_MIGRATE_TRACE="1" if trace else "")
    env.update(emu_harness.creds())
    live = ["--graph-url", front, "--login-url", front] + (["--ca-bundle", ca] if ca else [])
    code, stdout, stderr = mfatest.run(BIN, command, *args, *live, "--out", out, env=env)
    return code, out, stdout, stderr


def summary(out):
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)


def plan_users(out):
    with open(os.path.join(out, "plan.jsonl")) as f:
        lines = f.read().splitlines()
    return [json.loads(l) for l in lines[1:-1]]


class Http2(unittest.TestCase):
    def test_audit_over_h2(self):
        with h2_tenant("--users", 2000, "--seed", 41) as (emu, front, ca):
            code, out, stdout, stderr = mfa(front, "audit", "-q", ca=ca, trace=True)
            self.assertEqual(code, 0, stderr)
            self.assertEqual(stdout.strip(), out)
            truth = emu.state()
            rows = mfatest.read_csv(os.path.join(out, "users.csv"))
            self.assertEqual(len(rows), len({r["id"] for r in rows}), "a user appears twice")
            self.assertEqual({r["id"]: r["perUserMfaState"] for r in rows}, truth)
            self.assertEqual(summary(out)["graph"]["httpVersion"], "2")
            self.assertEqual(summary(out)["users"], 2000)
            # every request went to the front, nextLinks included (the trace
            # names each URL); the emulator's own port would be HTTP/1.1 only
            urls = re.findall(r"trace: (?:GET|POST|PATCH) (\S+) -> 200 ", stderr)
            self.assertGreater(len(urls), 3)
            self.assertEqual([u for u in urls if not u.startswith(front + "/")], [])
            pages = [u for u in urls if u.startswith(front + "/v1.0/users?")]
            self.assertEqual(len(pages), 3)
            self.assertEqual(emu.stats()["byEndpoint"]["users"], {"200": 3})

    def test_plan_apply_over_h2(self):
        with h2_tenant("--users", 600, "--seed", 42) as (emu, front, ca):
            before = emu.state()
            pilot = sorted(u for u, s in before.items() if s != "disabled")[:6]
            self.assertEqual(len(pilot), 6)
            only = os.path.join(mfatest.tmpdir(), "pilot.txt")
            with open(only, "w") as f:
                f.write("\n".join(pilot) + "\n")
            code, plan_out, _, stderr = mfa(front, "plan", "--only", only, "-q", "--no-require-ca-coverage", ca=ca)
            self.assertEqual(code, 0, stderr)
            self.assertEqual(summary(plan_out)["graph"]["httpVersion"], "2")
            disable = sorted(u["id"] for u in plan_users(plan_out) if u["action"] == "disable")
            self.assertEqual(disable, pilot)

            code, out, stdout, stderr = mfa(front, "apply", os.path.join(plan_out, "plan.jsonl"),
                                            "--yes", "-q", ca=ca)
            self.assertEqual(code, 0, stderr)
            self.assertEqual(stdout.strip(), out)
            want = dict(before)
            want.update({u: "disabled" for u in pilot})
            self.assertEqual(emu.state(), want)
            s = summary(out)
            self.assertEqual(s["outcomes"]["changed"], len(pilot))
            self.assertEqual(s["graph"]["httpVersion"], "2")
            st = emu.stats()
            self.assertEqual(st["writesPerUser"], {u: 1 for u in pilot})
            self.assertEqual(st["byEndpoint"]["requirements.patch"], {"204": len(pilot)})

    def test_tls_verified_without_ca_bundle(self):
        with h2_tenant("--users", 50, "--seed", 43) as (emu, front, _):
            code, out, stdout, stderr = mfa(front, "audit")
            self.assertEqual(code, 1, stderr)
            self.assertEqual(stdout, "")
            self.assertRegex(stderr, r"(?i)certificate")
            self.assertEqual(len(stderr.strip().splitlines()), 1, stderr)
            self.assertFalse(os.path.exists(os.path.join(out, "users.csv")))
            self.assertFalse(os.path.exists(os.path.join(out, "summary.json")))
            # refused at the handshake: not even the token request got through
            self.assertEqual(emu.stats()["byEndpoint"], {})


if __name__ == "__main__":
    BIN = sys.argv[1]
    emu_harness.EXE = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
