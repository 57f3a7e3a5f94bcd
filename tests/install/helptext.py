"""What mfa-migrate's --help says, read from its output (not from the
source tables), so the man page and the completions are checked against
what a person sees."""
import re
import subprocess

OPTION = re.compile(r"^  (?:-(?P<short>\w), |    )--(?P<long>[a-z0-9][a-z0-9-]*)(?: (?P<metavar>\S+))?\s")


def run(binary, *args):
    p = subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def commands(binary):
    """{command: summary} from `mfa-migrate --help`."""
    rc, out, err = run(binary, "--help")
    assert rc == 0, err
    listed = {}
    block = out.split("\ncommands:\n", 1)[1].split("\n\n", 1)[0]
    for line in block.splitlines():
        name, summary = line.split(None, 1)
        listed[name] = summary
    assert listed, out
    return listed


def top_options(binary):
    """The options before a command: the 'other:' line of --help."""
    rc, out, _ = run(binary, "--help")
    line = next(x for x in out.splitlines() if x.startswith("other: "))
    return re.findall(r"--([a-z0-9-]+)", line)


def exit_codes(binary):
    """[(code, meaning)] from the 'exit codes:' line of --help."""
    rc, out, _ = run(binary, "--help")
    line = next(x for x in out.splitlines() if x.startswith("exit codes: "))
    return [tuple(p.strip().split(" ", 1)) for p in line[len("exit codes: "):].split(", ")]


def options(binary, command):
    """[(long, short or None, metavar or None)] from `mfa-migrate COMMAND --help`."""
    rc, out, err = run(binary, command, "--help")
    assert rc == 0, err
    found = []
    for line in out.splitlines():
        m = OPTION.match(line + " ")
        if m:
            found.append((m["long"], m["short"], m["metavar"]))
    assert any(o[0] == "help" for o in found), out
    return found


def hint(metavar):
    """What a completion should offer for a value: 'dir', 'file' or None
    (the README's rule: a folder where the metavar says DIR, a file where
    it says FILE or names a path by its kind)."""
    if metavar is None:
        return None
    if "DIR" in metavar:
        return "dir"
    if any(k in metavar for k in ("FILE", "PLAN", "JOURNAL", "PREVIOUS")):
        return "file"
    return None
