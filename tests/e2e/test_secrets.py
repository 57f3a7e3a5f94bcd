"""End to end: the client secret from a file (--client-secret-file,
AZURE_CLIENT_SECRET_FILE) and from a systemd credential
($CREDENTIALS_DIRECTORY/azure-client-secret) signs in to graph-emulator, and
the secret is never in /proc/<pid>/cmdline or /proc/<pid>/environ of
mfa-migrate or of the tenants' audits of --tenants (caught while they run:
the emulator's latency keeps them alive), nor in stdout, stderr or any file
written (issue 16 item 3).

usage: test_secrets.py MFA_MIGRATE_BINARY GRAPH_EMULATOR_BINARY
"""
import json
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
import emu_harness  # noqa: E402
import mfatest  # noqa: E402
from emu_harness import CLIENT, SECRET, TENANT, Emulator  # noqa: E402

BIN = None
# the emulator's app takes only its own secret: a non-default one makes a
# leak of exactly this string findable
STRONG = "Xq8~secret-from-a-file-7f3a9c2e4b1d"
HEADER = "Hd9-identity-header-in-env-2c71"
PROXY_PW = "Pw5-proxy-password-b3e8"


def base_env(**extra):
    """No secret anywhere in the environment unless extra puts one."""
    e = dict(os.environ)
    for k in ("AZURE_CLIENT_SECRET", "AZURE_CLIENT_SECRET_FILE", "CREDENTIALS_DIRECTORY",
              "AZURE_CLIENT_CERTIFICATE_PATH", "MFA_MIGRATE_ACCESS_TOKEN", "IDENTITY_HEADER",
              "IDENTITY_ENDPOINT", "MFA_MIGRATE_WEBHOOK_URL"):
        e.pop(k, None)
    e.update({"AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": CLIENT})
    e.update(extra)
    return e


def secret_file(d, name="secret", text=STRONG + "\n", mode=0o600):
    path = os.path.join(d, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    os.write(fd, text.encode())
    os.close(fd)
    os.chmod(path, mode)
    return path


def proc_texts(pid):
    """cmdline and environ of pid (bytes), or None once it is gone."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            cmd = f.read()
        with open("/proc/%d/environ" % pid, "rb") as f:
            env = f.read()
    except OSError:
        return None
    return cmd, env


def children(pid):
    kids = []
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return kids
    for tid in tasks:
        try:
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                kids += [int(k) for k in f.read().split()]
        except OSError:
            pass
    return kids


def run_watched(args, env):
    """Runs mfa-migrate, reading /proc of it and of its children until it
    ends. Returns (code, stdout, stderr, {pid: [(cmdline, environ), ...]})."""
    p = subprocess.Popen([BIN, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    seen = {}
    while p.poll() is None:
        for pid in [p.pid] + children(p.pid):
            t = proc_texts(pid)
            # a zombie has an empty cmdline; between posix_spawn's clone and
            # its exec a child is still the parent's image (seen as the
            # parent): a tenant's audit counts once it runs (--secret-fd)
            if t is not None and t[0] and (pid == p.pid or b"--secret-fd" in t[0]):
                seen.setdefault(pid, []).append(t)
        time.sleep(0.01)
    out, err = p.communicate()
    return p.returncode, out.decode(), err.decode(), seen


def files_under(d):
    for root, _, names in os.walk(d):
        for n in names:
            with open(os.path.join(root, n), "rb") as f:
                yield os.path.join(root, n), f.read()


class Secrets(unittest.TestCase):
    def assert_nowhere(self, secret, out, stdout, stderr, seen):
        b = secret.encode()
        for pid, texts in seen.items():
            for cmd, env in texts:
                self.assertNotIn(b, cmd, "cmdline of %d" % pid)
                self.assertNotIn(b, env, "environ of %d" % pid)
        self.assertNotIn(secret, stdout)
        self.assertNotIn(secret, stderr)
        for path, data in files_under(out):
            self.assertNotIn(b, data, path)

    def check_signed_in(self, emu, out):
        want = emu.state()
        got = {u["id"]: u["perUserMfaState"] for u in mfatest.read_csv(os.path.join(out, "users.csv"))}
        self.assertEqual(got, want)
        with open(os.path.join(out, "summary.json")) as f:
            s = json.load(f)
        self.assertEqual(s["graph"]["signIn"], "secret")

    def audit(self, emu, env, *args):
        out = os.path.join(mfatest.tmpdir(), "out")
        r = run_watched(["audit", "--graph-url", emu.base, "--login-url", emu.base, "--out", out,
                         *args], env)
        return (out,) + r

    def test_each_source_signs_in_and_leaks_nowhere(self):
        with Emulator("--users", 60, "--client-secret", STRONG, "--latency-ms", 150) as emu:
            d = mfatest.tmpdir()
            path = secret_file(d)
            creds = os.path.join(d, "creds")
            os.mkdir(creds, 0o700)
            secret_file(creds, "azure-client-secret")
            for name, env, args in (
                    ("--client-secret-file", base_env(), ("--client-secret-file", path)),
                    ("AZURE_CLIENT_SECRET_FILE", base_env(AZURE_CLIENT_SECRET_FILE=path), ()),
                    ("CREDENTIALS_DIRECTORY", base_env(CREDENTIALS_DIRECTORY=creds), ())):
                with self.subTest(source=name):
                    out, code, stdout, stderr, seen = self.audit(emu, env, *args)
                    self.assertEqual(code, 0, stderr)
                    self.check_signed_in(emu, out)
                    self.assertEqual(len(seen), 1, seen.keys())  # it was caught while running
                    self.assertNotIn("other users", stderr)  # 0600: no warning
                    self.assert_nowhere(STRONG, out, stdout, stderr, seen)

    def test_precedence(self):
        # --client-secret-file wins over AZURE_CLIENT_SECRET, which wins over
        # AZURE_CLIENT_SECRET_FILE, which wins over the credential
        with Emulator("--users", 5, "--client-secret", STRONG) as emu:
            d = mfatest.tmpdir()
            good = secret_file(d, "good")
            bad = secret_file(d, "bad", "wrong-secret\n")
            creds = os.path.join(d, "creds")
            os.mkdir(creds, 0o700)
            secret_file(creds, "azure-client-secret", "wrong-credential\n")
            cases = (
                (base_env(AZURE_CLIENT_SECRET="wrong"), ("--client-secret-file", good), 0),
                (base_env(AZURE_CLIENT_SECRET=STRONG, AZURE_CLIENT_SECRET_FILE=bad), (), 0),
                (base_env(AZURE_CLIENT_SECRET_FILE=good, CREDENTIALS_DIRECTORY=creds), (), 0),
                (base_env(CREDENTIALS_DIRECTORY=creds), (), 1),  # the wrong credential is used
                (base_env(AZURE_CLIENT_SECRET_FILE=bad), ("--client-secret-file", good), 0),
            )
            for env, args, want in cases:
                out, code, _, stderr, _ = self.audit(emu, env, *args)
                self.assertEqual(code, want, (args, stderr))
                if want:
                    self.assertIn("AADSTS7000215", stderr)

    def test_readable_file_warns(self):
        with Emulator("--users", 5, "--client-secret", STRONG) as emu:
            path = secret_file(mfatest.tmpdir(), mode=0o644)
            out, code, _, stderr, _ = self.audit(emu, base_env(), "--client-secret-file", path)
            self.assertEqual(code, 0, stderr)
            self.assertIn("warning: --client-secret-file: '%s' can be read by other users: chmod 600" % path,
                          stderr)

    def test_bad_files(self):
        with Emulator("--users", 5, "--client-secret", STRONG) as emu:
            d = mfatest.tmpdir()
            empty = secret_file(d, "empty", "")
            two = secret_file(d, "two", STRONG + "\nmore\n")
            missing = os.path.join(d, "missing")
            for env, args, needle in (
                    (base_env(), ("--client-secret-file", missing), "--client-secret-file: cannot read '%s'" % missing),
                    (base_env(AZURE_CLIENT_SECRET_FILE=missing), (), "AZURE_CLIENT_SECRET_FILE: cannot read '%s'" % missing),
                    (base_env(), ("--client-secret-file", empty), "'%s' is empty" % empty),
                    (base_env(), ("--client-secret-file", two), "'%s' has more than one line" % two),
                    (base_env(), ("--client-secret-file", d), "'%s' is not a regular file" % d)):
                out, code, stdout, stderr, _ = self.audit(emu, env, *args)
                self.assertEqual(code, 1, stderr)
                self.assertIn(needle, stderr)
                self.assertNotIn(STRONG, stderr)
                self.assertFalse(os.path.exists(os.path.join(out, "users.csv")))
            self.assertNotIn("token", emu.stats()["byEndpoint"])  # none signed in

    def test_tenants_children_get_no_secret_in_env_or_argv(self):
        ids = ["00000000-0000-0000-0000-00000000000%d" % i for i in (1, 2)]
        emus = [Emulator("--users", 40, "--seed", i + 1, "--tenant-id", ids[i], "--client-secret", STRONG,
                         "--latency-ms", 150) for i in range(2)]
        try:
            d = mfatest.tmpdir()
            lst = os.path.join(d, "tenants.txt")
            with open(lst, "w") as f:
                for i, name in enumerate(("Contoso", "Fabrikam")):
                    f.write("%s,%s,,,%s\n" % (ids[i], name, emus[i].base))
            creds = os.path.join(d, "creds")
            os.mkdir(creds, 0o700)
            secret_file(creds, "azure-client-secret")
            # the secret in the parent's own environment too, and other
            # secrets there: none reaches a child's environment
            for name, env, args in (
                    ("credential", base_env(CREDENTIALS_DIRECTORY=creds), ()),
                    ("file", base_env(), ("--client-secret-file", secret_file(d, "s2"))),
                    ("environment", base_env(AZURE_CLIENT_SECRET=STRONG, IDENTITY_HEADER=HEADER,
                                             https_proxy="http://u:%s@127.0.0.1:9" % PROXY_PW,
                                             NO_PROXY="127.0.0.1"), ())):
                with self.subTest(source=name):
                    out = os.path.join(d, "roll-" + name)
                    code, stdout, stderr, seen = run_watched(["audit", "--tenants", lst, "--out", out, *args], env)
                    self.assertEqual(code, 0, stderr)
                    with open(os.path.join(out, "summary.json")) as f:
                        roll = json.load(f)
                    self.assertEqual([t["outcome"] for t in roll["tenants"]], ["done", "done"], stderr)
                    kids = [pid for pid, texts in seen.items() if any(b"--secret-fd" in c for c, _ in texts)]
                    self.assertEqual(len(kids), 2, seen.keys())  # both audits caught running
                    for pid in kids:
                        for cmd, envb in seen[pid]:
                            for s in (STRONG, HEADER, PROXY_PW):
                                self.assertNotIn(s.encode(), cmd)
                                self.assertNotIn(s.encode(), envb)
                            self.assertNotIn(b"AZURE_CLIENT_SECRET", envb)
                    if name != "environment":
                        self.assert_nowhere(STRONG, out, stdout, stderr, seen)
                    else:
                        for _, data in files_under(out):
                            self.assertNotIn(STRONG.encode(), data)
        finally:
            for e in emus:
                e.stop()

    def test_certificate_credential(self):
        # $CREDENTIALS_DIRECTORY/azure-client-certificate: a PEM with its
        # key, as --certificate takes it; AZURE_CLIENT_CERTIFICATE_PATH wins
        d = mfatest.tmpdir()
        key, cert = os.path.join(d, "key.pem"), os.path.join(d, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "2", "-subj", "/CN=mfa-migrate-test"],
                       check=True, capture_output=True)
        creds = os.path.join(d, "creds")
        os.mkdir(creds, 0o700)
        with open(cert) as c, open(key) as k:
            secret_file(creds, "azure-client-certificate", c.read() + k.read(), 0o400)
        with Emulator("--users", 10, "--client-cert", cert) as emu:
            out, code, stdout, stderr, _ = self.audit(emu, base_env(CREDENTIALS_DIRECTORY=creds))
            self.assertEqual(code, 0, stderr)
            with open(os.path.join(out, "summary.json")) as f:
                self.assertEqual(json.load(f)["graph"]["signIn"], "certificate")
            out, code, _, stderr, _ = self.audit(emu, base_env(CREDENTIALS_DIRECTORY=creds,
                                                               AZURE_CLIENT_CERTIFICATE_PATH=os.path.join(d, "none.pem")))
            self.assertEqual(code, 1, stderr)
            self.assertIn("none.pem", stderr)

    def test_secret_fd_wins_over_the_environment(self):
        # --secret-fd by hand: the audit signs in with what the pipe holds
        # and ignores the environment's secret
        with Emulator("--users", 5, "--client-secret", STRONG) as emu:
            r, w = os.pipe()
            os.write(w, ("client-secret=%s\n" % STRONG).encode())
            os.close(w)
            out = os.path.join(mfatest.tmpdir(), "out")
            p = subprocess.run([BIN, "audit", "--graph-url", emu.base, "--login-url", emu.base, "--out", out,
                                "--secret-fd", str(r)], env=base_env(AZURE_CLIENT_SECRET="wrong"),
                               pass_fds=(r,), capture_output=True, text=True, timeout=120)
            os.close(r)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.check_signed_in(emu, out)
            for bad in ("0", "x", "2"):
                p = subprocess.run([BIN, "audit", "--graph-url", emu.base, "--secret-fd", bad],
                                   env=base_env(), capture_output=True, text=True, timeout=60)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn("--secret-fd: '%s' is not a descriptor number above 2" % bad, p.stderr)


if __name__ == "__main__":
    BIN = sys.argv[1]
    emu_harness.EXE = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
