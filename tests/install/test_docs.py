"""The man page (`--help-man`) and the completion scripts (`completion
bash|zsh|fish`) against what --help says: every command, every option of
each command, files and folders where an option takes one; --version is
the project's version."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import helptext

BIN = None
SRC = None


def render(page_path):
    """`man -l` of a page as plain text; (text, warnings)."""
    env = dict(os.environ, MANWIDTH="120", MAN_KEEP_FORMATTING="")
    p = subprocess.run(["man", "--warnings", "-P", "cat", "-l", page_path], capture_output=True,
                       text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    return re.sub(r".\x08", "", p.stdout), p.stderr


def sections(text):
    """{SECTION: [lines]} of a rendered page (headings at column 0)."""
    out, name = {}, None
    for line in text.splitlines():
        if re.match(r"^[A-Z][A-Z ]+$", line):
            name = line.strip()
            out[name] = []
        elif name:
            out[name].append(line)
    return out


def tags(lines):
    """The option names on the tag lines of a block: '--out', '-q'..."""
    found = set()
    for line in lines:
        m = re.match(r"^\s+((?:-\w, )?--[a-z0-9-]+)(?: \S+)?$", line)
        if m:
            found.update(x.strip() for x in m.group(1).split(","))
    return found


def expected(command):
    names = set()
    for long, short, _ in helptext.options(BIN, command):
        names.add("--" + long)
        if short:
            names.add("-" + short)
    return names


class Version(unittest.TestCase):
    def test_version_is_the_projects(self):
        with open(os.path.join(SRC, "CMakeLists.txt")) as f:
            text = f.read()
        version = re.search(r"project\(mfa-migrate VERSION (\S+)", text).group(1)
        rc, out, _ = helptext.run(BIN, "--version")
        self.assertEqual((rc, out), (0, "mfa-migrate %s\n" % version))


class ManPage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="mfa-man-")
        cls.page = os.path.join(cls.dir, "mfa-migrate.1")
        with open(cls.page, "w") as f:
            p = subprocess.run([BIN, "--help-man"], stdout=f, stderr=subprocess.PIPE, text=True)
        assert p.returncode == 0, p.stderr
        cls.text, cls.warnings = render(cls.page)
        cls.sections = sections(cls.text)

    def test_renders_without_warnings(self):
        self.assertEqual(self.warnings, "")
        for name in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "EXIT STATUS"):
            self.assertIn(name, self.sections)

    def command_blocks(self):
        blocks, name = {}, None
        for line in self.sections["COMMANDS"]:
            m = re.match(r"^   (\S+)$", line)
            if m:
                name = m.group(1)
                blocks[name] = []
            elif name:
                blocks[name].append(line)
        return blocks

    def test_a_section_per_command_with_every_option(self):
        blocks = self.command_blocks()
        listed = helptext.commands(BIN)
        self.assertEqual(list(blocks), list(listed))
        for command in listed:
            with self.subTest(command=command):
                self.assertEqual(tags(blocks[command]), expected(command))
                # the synopsis --help prints opens the section
                rc, out, _ = helptext.run(BIN, command, "--help")
                synopsis = out.splitlines()[0][len("usage: "):]
                self.assertIn(synopsis, "\n".join(x.strip() for x in blocks[command]))

    def test_commands_and_top_options_described(self):
        text = "\n".join(self.sections["DESCRIPTION"])
        for command in helptext.commands(BIN):
            self.assertRegex(text, r"(?m)^\s+%s\b" % re.escape(command))
        self.assertEqual(tags(self.sections["OPTIONS"]),
                         {"--" + o for o in helptext.top_options(BIN)} | {"-h"})

    def test_exit_codes(self):
        text = "\n".join(self.sections["EXIT STATUS"])
        for code, meaning in helptext.exit_codes(BIN):
            self.assertRegex(text, r"(?m)^\s+%s\s+%s$" % (code, re.escape(meaning)))

    def test_a_full_disk_is_an_error(self):
        for args in (["--help-man"], ["completion", "bash"]):
            with open("/dev/full", "w") as f:
                p = subprocess.run([BIN, *args], stdout=f, stderr=subprocess.PIPE, text=True)
            self.assertEqual(p.returncode, 1, args)
            self.assertIn("cannot write", p.stderr)


def script(shell):
    p = subprocess.run([BIN, "completion", shell], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    path = os.path.join(tempfile.mkdtemp(prefix="mfa-comp-"), shell)
    with open(path, "w") as f:
        f.write(p.stdout)
    return path


def workdir():
    """A folder with a file and a folder in it, for the value hints."""
    d = tempfile.mkdtemp(prefix="mfa-hint-")
    open(os.path.join(d, "users.csv"), "w").close()
    os.mkdir(os.path.join(d, "runs"))
    return d


class Bash(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.script = script("bash")
        cls.cwd = workdir()
        p = subprocess.run(["bash", "-c", 'source "$1" && complete -p mfa-migrate', "-", cls.script],
                           capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        cls.fn = re.search(r"-F (\S+)", p.stdout).group(1)

    def complete(self, *words):
        """COMPREPLY for the command line words (the last one is being typed)."""
        prog = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); '
                '%s; printf "%%s\\n" "${COMPREPLY[@]}"' % self.fn)
        p = subprocess.run(["bash", "-c", prog, "-", self.script, "mfa-migrate", *words],
                           capture_output=True, text=True, cwd=self.cwd)
        self.assertEqual(p.stderr, "")
        return {x for x in p.stdout.splitlines() if x}

    def test_commands(self):
        self.assertEqual(self.complete(""), set(helptext.commands(BIN)) |
                         {"--" + o for o in helptext.top_options(BIN)})
        self.assertEqual(self.complete("pl"), {"plan"})

    def test_every_commands_options(self):
        for command in helptext.commands(BIN):
            with self.subTest(command=command):
                self.assertEqual(self.complete(command, "-"), expected(command))

    def test_values(self):
        want = {"file": {"users.csv", "runs"}, "dir": {"runs"}, None: set()}
        for command in helptext.commands(BIN):
            for long, _, metavar in helptext.options(BIN, command):
                if metavar:
                    with self.subTest(command=command, option=long):
                        self.assertEqual(self.complete(command, "--" + long, ""),
                                         want[helptext.hint(metavar)])
        # --opt=value: bash splits the word at '='
        self.assertEqual(self.complete("audit", "--history", "=", "r"), {"runs"})
        self.assertEqual(self.complete("apply", ""), {"users.csv", "runs"})
        self.assertEqual(self.complete("completion", ""), {"bash", "zsh", "fish"})


@unittest.skipUnless(shutil.which("zsh"), "zsh is not installed (tests/install-deps.sh installs it)")
class Zsh(unittest.TestCase):
    def test_loads_and_names_every_option(self):
        path = script("zsh")
        p = subprocess.run(["zsh", "-n", path], capture_output=True, text=True)
        self.assertEqual((p.returncode, p.stderr), (0, ""))
        p = subprocess.run(["zsh", "-fc", 'autoload -U compinit && compinit -u -D && source "$1" && '
                            'print -r -- ${_comps[mfa-migrate]}', "-", path],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(p.stdout.strip(), "compdef registered nothing")
        with open(path) as f:
            text = f.read()
        for command in helptext.commands(BIN):
            block = re.search(r"(?s)\n\t\(%s\)\n(.*?)\n\t\t;;" % re.escape(command), text).group(1)
            found = set()
            for m in re.finditer(r"(?m)^\t\t\t'(?:\((-\w) (--[\w-]+)\)'|(--[\w-]+))", block):
                found.update(x for x in m.groups() if x)
            self.assertEqual(found, expected(command), command)


@unittest.skipUnless(shutil.which("fish"), "fish is not installed (tests/install-deps.sh installs it)")
class Fish(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.script = script("fish")
        cls.cwd = workdir()

    def complete(self, line):
        p = subprocess.run(["fish", "--no-config", "-c", 'source $argv[1]; complete -C$argv[2]',
                            self.script, line], capture_output=True, text=True, cwd=self.cwd)
        self.assertEqual(p.stderr, "")
        return {x.split("\t")[0] for x in p.stdout.splitlines() if x}

    def test_syntax(self):
        p = subprocess.run(["fish", "--no-execute", self.script], capture_output=True, text=True)
        self.assertEqual((p.returncode, p.stderr), (0, ""))

    def test_commands_options_values(self):
        self.assertEqual(self.complete("mfa-migrate "), set(helptext.commands(BIN)))
        for command in helptext.commands(BIN):
            with self.subTest(command=command):
                longs = {"--" + o[0] for o in helptext.options(BIN, command)}
                self.assertEqual(self.complete("mfa-migrate %s --" % command), longs)
        self.assertEqual(self.complete("mfa-migrate audit --history "), {"runs/"})
        self.assertEqual(self.complete("mfa-migrate plan --from-csv "), {"runs/", "users.csv"})


if __name__ == "__main__":
    BIN, SRC = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=2)
