"""Helpers shared by the end-to-end tests: run the binary, read what it wrote."""
import csv
import io
import json
import os
import re
import subprocess
import tempfile
import zipfile

UPN_COLUMNS = ["userprincipalname", "upn", "user principal name"]
ID_COLUMNS = ["id", "objectid"]


def run(binary, *args, cwd=None, env=None):
    """Runs mfa-migrate; returns (exit code, stdout, stderr)."""
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run([binary, *args], capture_output=True, text=True, cwd=cwd, env=e,
                       timeout=300)
    return p.returncode, p.stdout, p.stderr


def live_env(extra=None):
    """This environment plus the sign-in of graph-emulator's own app
    (emu_harness.creds(); tests/emulator must be on sys.path) and extra."""
    import emu_harness
    e = dict(os.environ)
    e.update(emu_harness.creds())
    e.update(extra or {})
    return e


def live(binary, emu, *args, env=None, stdin=subprocess.DEVNULL):
    """Runs mfa-migrate live against graph-emulator emu (its Graph and
    sign-in URLs, its app's credentials, env added); returns (exit code,
    stdout, stderr)."""
    p = subprocess.run([binary, *args, "--graph-url", emu.base, "--login-url", emu.base],
                       capture_output=True, text=True, env=live_env(env), stdin=stdin,
                       timeout=300)
    return p.returncode, p.stdout, p.stderr


def read_text(path):
    """Decodes an export the way a person's tools write them."""
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        import gzip
        raw = gzip.decompress(raw)
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig")


def read_csv(path):
    """Rows of a CSV file as dicts (independent of mfa-migrate's reader)."""
    text = read_text(path)
    first = text.split("\n", 1)[0]
    delim = ";" if first.count(";") > first.count(",") else ","
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delim))


def norm(h):
    return re.sub(r"[\s_\-]", "", h or "").lower()


def user_keys(rows):
    """The set of users an export names: UPN (lowercased) or else id."""
    keys = []
    for r in rows:
        cols = {norm(k): (v or "").strip() for k, v in r.items() if k is not None}
        upn = next((cols[norm(c)] for c in UPN_COLUMNS if cols.get(norm(c)) not in (None, "", "-")), "")
        uid = next((cols[norm(c)] for c in ID_COLUMNS if cols.get(norm(c)) not in (None, "", "-")), "")
        if upn or uid:
            keys.append(upn.lower() if upn else uid.lower())
    return keys


def xlsx_sheets(path):
    """Sheet name -> number of rows, read from the workbook's XML."""
    z = zipfile.ZipFile(path)
    wb = z.read("xl/workbook.xml").decode()
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    targets = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="(rId\d+)"', rels)})
    out = {}
    for name, rid in re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="(rId\d+)"', wb):
        xml = z.read("xl/" + targets[rid].lstrip("/").replace("xl/", "")).decode()
        out[name.replace("&amp;", "&")] = len(re.findall(r"<row ", xml))
    return out, z


def tmpdir():
    return tempfile.mkdtemp(prefix="mfa-e2e-")
