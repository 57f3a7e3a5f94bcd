"""End to end: `mfa-migrate audit --managed-identity` against graph-emulator,
in both forms (issue 12, mfa-migrate item 5):

  IMDS         MFA_MIGRATE_IMDS_URL -> /metadata/identity/oauth2/token
  App Service  IDENTITY_ENDPOINT + IDENTITY_HEADER -> /msi/token

users.csv must equal /_emulator/state, the emulator's stats must show the
managed identity endpoint (and no client-credential token request), and
IDENTITY_HEADER must appear in no output file, stdout, stderr or trace.

usage: test_managed_identity.py MFA_MIGRATE_BINARY GRAPH_EMULATOR_BINARY
"""
import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
import emu_harness  # noqa: E402
import mfatest  # noqa: E402
from emu_harness import CLIENT, TENANT, Emulator  # noqa: E402

BIN = None
HEADER = "Zq7-rotated-identity-header-4f1e9"
OTHER_ID = "0f3c1a2b-0000-4000-8000-000000000001"


def mi_env(emu, form, **extra):
    """No client secret, no certificate, no ready token: only the managed
    identity can sign in."""
    e = {"AZURE_TENANT_ID": "", "AZURE_CLIENT_ID": "", "AZURE_CLIENT_SECRET": "",
         "AZURE_CLIENT_CERTIFICATE_PATH": "", "MFA_MIGRATE_ACCESS_TOKEN": "",
         "IDENTITY_ENDPOINT": "", "IDENTITY_HEADER": "", "MFA_MIGRATE_IMDS_URL": "",
         "IDENTITY_SERVER_THUMBPRINT": "", "IMDS_ENDPOINT": ""}
    if form == "imds":
        e["MFA_MIGRATE_IMDS_URL"] = emu.base + "/metadata/identity/oauth2/token"
    else:
        e["IDENTITY_ENDPOINT"] = emu.base + "/msi/token"
        e["IDENTITY_HEADER"] = HEADER
        # the App Service form wins over IMDS when both are there
        e["MFA_MIGRATE_IMDS_URL"] = emu.base + "/metadata/identity/oauth2/token"
    e.update(extra)
    return e


def audit(emu, env, *args):
    out = os.path.join(mfatest.tmpdir(), "out")
    code, stdout, stderr = mfatest.run(BIN, "audit", "--managed-identity", "--graph-url", emu.base,
                                       "--out", out, *args, env=env)
    return code, out, stdout, stderr


def output_texts(out, stdout, stderr):
    texts = [stdout, stderr]
    if os.path.isdir(out):
        for f in os.listdir(out):
            with open(os.path.join(out, f), "rb") as fh:
                texts.append(fh.read().decode("latin-1"))
    return texts


class ManagedIdentity(unittest.TestCase):
    def check_scan(self, emu, out, form):
        want = emu.state()
        got = {u["id"]: u["perUserMfaState"] for u in mfatest.read_csv(os.path.join(out, "users.csv"))}
        self.assertEqual(got, want)
        with open(os.path.join(out, "summary.json")) as f:
            s = json.load(f)
        self.assertEqual(s["graph"]["signIn"], "managed-identity")
        self.assertEqual(s["graph"]["managedIdentity"], form)
        self.assertEqual(s["tenantId"], TENANT)  # from the token: none was given
        by = emu.stats()["byEndpoint"]
        used, unused = ("imds", "msi") if form == "imds" else ("msi", "imds")
        self.assertGreaterEqual(by[used].get("200", 0), 1, by)
        self.assertEqual(set(by[used]), {"200"}, by)
        self.assertNotIn(unused, by)
        self.assertNotIn("token", by)  # no client-credential request at all
        return s, by

    def test_imds(self):
        with Emulator("--users", 700, "--seed", 21) as emu:
            code, out, stdout, stderr = audit(emu, mi_env(emu, "imds"))
            self.assertEqual(code, 0, stderr)
            self.assertEqual(stdout.strip(), out)
            self.check_scan(emu, out, "imds")

    def test_app_service(self):
        with Emulator("--users", 700, "--seed", 22, "--no-state-select",
                      "--identity-header", HEADER) as emu:
            code, out, stdout, stderr = audit(emu, mi_env(emu, "app-service", MFA_MIGRATE_TRACE="1"), "-v")
            self.assertEqual(code, 0, stderr)
            self.check_scan(emu, out, "app-service")
            self.assertIn("trace: GET managed-identity endpoint", stderr)
            for text in output_texts(out, stdout, stderr):
                self.assertNotIn(HEADER, text)

    def test_user_assigned_identity(self):
        for form in ("imds", "app-service"):
            with Emulator("--users", 50, "--identity-header", HEADER) as emu:
                code, out, _, stderr = audit(emu, mi_env(emu, form, AZURE_CLIENT_ID=CLIENT))
                self.assertEqual(code, 0, stderr)
                self.check_scan(emu, out, form)
                code, out, stdout, stderr = audit(emu, mi_env(emu, form), "--client-id", OTHER_ID)
                self.assertEqual(code, 1, stderr)
                self.assertIn("sign-in failed", stderr)
                self.assertIn("Identity not found" if form == "imds" else "Managed Identity", stderr)
                self.assertFalse(os.path.exists(os.path.join(out, "users.csv")))

    def test_token_lifetime_drives_refresh(self):
        # 1 s tokens and a scan of several seconds: each form's lifetime
        # (expires_in for IMDS, expires_on for App Service) must be read,
        # or the run would fail on expired tokens or never refresh
        for form in ("imds", "app-service"):
            with Emulator("--users", 1000, "--no-state-select", "--latency-ms", 200, "--token-ttl", 1,
                          "--identity-header", HEADER) as emu:
                t0 = time.monotonic()
                code, out, _, stderr = audit(emu, mi_env(emu, form), "--workers", "2",
                                             "--no-registration", "--no-ca")
                elapsed = time.monotonic() - t0
                self.assertEqual(code, 0, stderr)
                self.assertGreater(elapsed, 3.0, "the scan must outlast several tokens")
                s, by = self.check_scan(emu, out, form)
                used = "imds" if form == "imds" else "msi"
                # a token a second, refreshed ahead of its end
                self.assertGreaterEqual(by[used]["200"], int(elapsed), by)
                self.assertEqual(s["graph"]["tokenRequests"], by[used]["200"])
                # refreshed before the end of each token, never after a 401:
                # a lifetime misread (expires_on taken for an hour) shows as 401s
                self.assertEqual([r for r, st in by.items() if "401" in st], [], by)

    def test_wrong_identity_header(self):
        with Emulator("--users", 20, "--identity-header", HEADER) as emu:
            wrong = HEADER[::-1]
            code, out, stdout, stderr = audit(emu, mi_env(emu, "app-service", IDENTITY_HEADER=wrong,
                                                          MFA_MIGRATE_TRACE="1"))
            self.assertEqual(code, 1, stderr)
            errors = [l for l in stderr.splitlines() if "error:" in l]
            self.assertEqual(len(errors), 1, stderr)
            self.assertIn("http 401", errors[0])
            self.assertIn("IDENTITY_HEADER", errors[0])
            for text in output_texts(out, stdout, stderr):
                self.assertNotIn(wrong, text)
                self.assertNotIn(HEADER, text)
            self.assertEqual(emu.stats()["byEndpoint"]["msi"], {"401": 1})

    def test_identity_endpoint_rules(self):
        with Emulator("--users", 5, "--identity-header", HEADER) as emu:
            env = mi_env(emu, "app-service", IDENTITY_ENDPOINT="http://192.0.2.10:8081/msi/token")
            code, _, _, stderr = audit(emu, env)
            self.assertEqual(code, 1, stderr)
            self.assertIn("IDENTITY_ENDPOINT", stderr)
            self.assertIn("use https (http is allowed only for loopback hosts)", stderr)
            self.assertNotIn(HEADER, stderr)
            self.assertNotIn("msi", emu.stats()["byEndpoint"])

    def test_other_tenant_refused(self):
        with Emulator("--users", 5, "--identity-header", HEADER) as emu:
            for form in ("imds", "app-service"):
                env = mi_env(emu, form, AZURE_TENANT_ID="11111111-2222-4333-8444-555555555555")
                code, out, _, stderr = audit(emu, env)
                self.assertEqual(code, 1, stderr)
                self.assertIn("managed identity belongs to tenant '%s'" % TENANT, stderr)
                self.assertFalse(os.path.exists(os.path.join(out, "users.csv")))


if __name__ == "__main__":
    BIN = sys.argv[1]
    emu_harness.EXE = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
