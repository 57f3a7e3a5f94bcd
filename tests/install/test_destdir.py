"""`cmake --install` into a DESTDIR: every file in its place and nothing
else, the generated files the same as the binary makes them, the systemd
units pointed at the installed binary, hardened, and clean for
`systemd-analyze verify`."""
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

BUILD = None
SRC = None

# What an install holds (README "Install"), relative to the prefix.
FILES = {
    "bin/mfa-migrate",
    "share/man/man1/mfa-migrate.1.gz",
    "share/bash-completion/completions/mfa-migrate",
    "share/zsh/vendor-completions/_mfa-migrate",
    "share/fish/vendor_completions.d/mfa-migrate.fish",
    "share/mfa-migrate/tenant.conf.example",
    "share/doc/mfa-migrate/copyright",
    "lib/systemd/system/mfa-migrate-audit@.service",
    "lib/systemd/system/mfa-migrate-audit@.timer",
}
UNIT_DIR = "lib/systemd/system"


def install(prefix):
    """DESTDIR install of the build at prefix; the DESTDIR root."""
    dest = tempfile.mkdtemp(prefix="mfa-destdir-")
    p = subprocess.run(["cmake", "--install", BUILD, "--prefix", prefix],
                       env=dict(os.environ, DESTDIR=dest), capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    return dest


def listing(root):
    return {os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs}


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


class Destdir(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dest = install("/usr")
        cls.root = os.path.join(cls.dest, "usr")
        cls.bin = os.path.join(cls.root, "bin/mfa-migrate")

    def made(self, *args):
        p = subprocess.run([self.bin, *args], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def test_every_file_and_nothing_else(self):
        self.assertEqual(listing(self.dest), {"usr/" + f for f in FILES})
        self.assertTrue(os.access(self.bin, os.X_OK))

    def test_files_are_what_the_binary_makes(self):
        self.assertEqual(gzip.decompress(read(os.path.join(self.root, "share/man/man1/mfa-migrate.1.gz"), "rb"))
                         .decode(), self.made("--help-man"))
        for shell, path in (("bash", "share/bash-completion/completions/mfa-migrate"),
                            ("zsh", "share/zsh/vendor-completions/_mfa-migrate"),
                            ("fish", "share/fish/vendor_completions.d/mfa-migrate.fish")):
            self.assertEqual(read(os.path.join(self.root, path)), self.made("completion", shell), shell)
        self.assertEqual(read(os.path.join(self.root, "share/doc/mfa-migrate/copyright")),
                         read(os.path.join(SRC, "LICENSE")))

    def test_man_finds_the_page(self):
        env = dict(os.environ, MANPATH=os.path.join(self.root, "share/man"))
        p = subprocess.run(["man", "-w", "mfa-migrate"], capture_output=True, text=True, env=env)
        self.assertEqual(p.stdout.strip(), os.path.join(self.root, "share/man/man1/mfa-migrate.1.gz"), p.stderr)

    def test_bash_loads_the_installed_script(self):
        path = os.path.join(self.root, "share/bash-completion/completions/mfa-migrate")
        p = subprocess.run(["bash", "-c", 'source "$1" && complete -p mfa-migrate', "-", path],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"-F \S+ mfa-migrate$")

    def test_the_unit_runs_the_installed_binary(self):
        service = read(os.path.join(self.root, UNIT_DIR, "mfa-migrate-audit@.service"))
        self.assertRegex(service, r"(?m)^ExecStart=/usr/bin/mfa-migrate audit ")
        # another prefix: ExecStart follows it
        dest = install("/opt/mfa")
        service = read(os.path.join(dest, "opt/mfa", UNIT_DIR, "mfa-migrate-audit@.service"))
        self.assertRegex(service, r"(?m)^ExecStart=/opt/mfa/bin/mfa-migrate audit ")
        self.assertTrue(os.path.exists(os.path.join(dest, "opt/mfa/bin/mfa-migrate")))
        self.assertEqual(listing(dest), {"opt/mfa/" + f for f in FILES})


def directives(text):
    """[(key, value)] of a unit file, in order (comments left out)."""
    return [tuple(x.split("=", 1)) for x in text.splitlines() if "=" in x and not x.startswith("#")]


class Units(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dest = install("/usr")
        cls.units = os.path.join(cls.dest, "usr", UNIT_DIR)
        cls.service = directives(read(os.path.join(cls.units, "mfa-migrate-audit@.service")))

    def test_hardening_and_the_secret_as_a_credential(self):
        d = dict(self.service)
        want = {
            "EnvironmentFile": "/etc/mfa-migrate/%i.conf",
            "LoadCredential": "azure-client-secret:/etc/mfa-migrate/%i.secret",
            "DynamicUser": "yes", "StateDirectory": "mfa-migrate/%i",
            "ProtectSystem": "strict", "ReadWritePaths": "%S/mfa-migrate/%i",
            "PrivateTmp": "yes", "NoNewPrivileges": "yes", "UMask": "0077",
        }
        for key, value in want.items():
            self.assertEqual(d.get(key), value, key)
        # the history goes to the one folder it may write
        self.assertIn("--history ${STATE_DIRECTORY}", d["ExecStart"])
        # no secret in the environment or on the command line
        for key, value in self.service:
            if key in ("Environment", "ExecStart", "PassEnvironment", "SetCredential"):
                self.assertNotRegex(value, r"(?i)secret", key)
        example = read(os.path.join(self.dest, "usr/share/mfa-migrate/tenant.conf.example"))
        settings = [x for x in example.splitlines() if x and not x.startswith("#")]
        self.assertIn("AZURE_TENANT_ID=contoso.onmicrosoft.com", settings)
        self.assertFalse([x for x in settings if "SECRET" in x.split("=")[0]], settings)

    def test_the_timer_starts_the_instance(self):
        timer = dict(directives(read(os.path.join(self.units, "mfa-migrate-audit@.timer"))))
        self.assertIn("OnCalendar", timer)
        self.assertEqual(timer.get("WantedBy"), "timers.target")
        self.assertNotIn("Unit", timer)  # the same instance of the .service

    @unittest.skipUnless(shutil.which("systemd-analyze"), "systemd-analyze is not installed (tests/install-deps.sh installs systemd)")
    def test_systemd_analyze(self):
        # verify wants ExecStart to exist and the Documentation= page to be
        # found: point them at this DESTDIR (after the .deb install,
        # tests/install/deb.sh verifies the units as installed)
        work = tempfile.mkdtemp(prefix="mfa-units-")
        binary = os.path.join(self.dest, "usr/bin/mfa-migrate")
        for name in ("mfa-migrate-audit@.service", "mfa-migrate-audit@.timer"):
            text = read(os.path.join(self.units, name)).replace("=/usr/bin/mfa-migrate ", "=%s " % binary)
            with open(os.path.join(work, name), "w") as f:
                f.write(text)
        env = dict(os.environ, MANPATH=os.path.join(self.dest, "usr/share/man"))
        instance = [os.path.join(work, "mfa-migrate-audit@contoso.service"),
                    os.path.join(work, "mfa-migrate-audit@contoso.timer")]
        p = subprocess.run(["systemd-analyze", "verify", *instance], capture_output=True, text=True, env=env)
        self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""))
        # the exposure systemd-analyze scores: at most 2.0 ("OK"), out of 10
        p = subprocess.run(["systemd-analyze", "security", "--offline=true", "--threshold=20", instance[0]],
                           capture_output=True, text=True, env=env)
        score = re.search(r"Overall exposure level for \S+: (\d+\.\d)", p.stdout)
        self.assertEqual(p.returncode, 0, p.stdout[-2000:] + p.stderr)
        self.assertLessEqual(float(score.group(1)), 2.0)


if __name__ == "__main__":
    BUILD, SRC = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=2)
