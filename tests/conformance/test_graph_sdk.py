"""Conformance: Microsoft's own Graph JS SDK (@microsoft/microsoft-graph-client
3.0.7, installed at test time, unchanged) as an independent client of the
https graph-emulator. What the SDK read and wrote is compared with the
emulator's truth (/_emulator/state) and what it sent with /_emulator/stats.

usage: test_graph_sdk.py GRAPH_EMULATOR WORK_DIR [NODE [NPM]]
  WORK_DIR  a folder in the build tree: package.json, package-lock.json and
            graph_sdk.js are copied into a new folder under it and the SDK is
            installed there (never into the source tree), removed at the end

npm installs exactly what package-lock.json pins (npm ci, integrity checked,
no install scripts). If npm cannot reach the registry the test fails.
"""
import csv
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
import emu_harness  # noqa: E402
from emu_harness import CLIENT, SECRET, TENANT, Emulator  # noqa: E402

SDK = "@microsoft/microsoft-graph-client"
SDK_VERSION = "3.0.7"
USERS = 2000
PAGE = 999
WORK = NODE = NPM = None
APP = None  # the installed copy: package files, graph_sdk.js, node_modules


def node_env(ca=None):
    """The environment node runs in: nothing that weakens or bends TLS."""
    e = {k: v for k, v in os.environ.items()
         if k not in ("NODE_TLS_REJECT_UNAUTHORIZED", "NODE_OPTIONS", "NODE_EXTRA_CA_CERTS",
                      "SSL_CERT_FILE", "SSL_CERT_DIR")}
    if ca:
        e["NODE_EXTRA_CA_CERTS"] = ca
    return e


def install():
    """npm ci into a fresh folder under WORK; returns the folder."""
    for tool, name in ((NODE, "node"), (NPM, "npm")):
        if not tool or not shutil.which(tool):
            raise AssertionError("'%s' not found: run tests/install-deps.sh" % name)
    os.makedirs(WORK, exist_ok=True)
    app = tempfile.mkdtemp(prefix="graph-sdk-", dir=WORK)
    try:
        return npm_ci(app)
    except BaseException:
        shutil.rmtree(app, ignore_errors=True)
        raise


def npm_ci(app):
    with open(os.path.join(HERE, "package.json")) as f:
        pinned = json.load(f)["dependencies"].get(SDK)
    if pinned != SDK_VERSION:
        raise AssertionError("package.json must pin %s to exactly %s, not %r" % (SDK, SDK_VERSION, pinned))
    for f in ("package.json", "package-lock.json", "graph_sdk.js"):
        shutil.copy(os.path.join(HERE, f), app)
    p = subprocess.run([NPM, "ci", "--no-audit", "--no-fund", "--ignore-scripts",
                        "--loglevel=error"], cwd=app, capture_output=True, text=True,
                       env=node_env(), timeout=300)
    if p.returncode != 0:
        raise AssertionError("npm ci of %s@%s failed (exit %d; is the npm registry reachable?): %s"
                             % (SDK, SDK_VERSION, p.returncode, (p.stderr or p.stdout)[-2000:]))
    with open(os.path.join(app, "node_modules", *SDK.split("/"), "package.json")) as f:
        got = json.load(f)["version"]
    if got != SDK_VERSION:
        raise AssertionError("npm installed %s %s, not %s" % (SDK, got, SDK_VERSION))
    return app


def sdk(emu, ca):
    """Runs graph_sdk.js against emu; returns (exit code, stdout, stderr)."""
    p = subprocess.run([NODE, os.path.join(APP, "graph_sdk.js"), emu.base, TENANT, CLIENT, SECRET],
                       cwd=APP, capture_output=True, text=True, env=node_env(ca), timeout=300)
    return p.returncode, p.stdout, p.stderr


def throwaway_tls():
    """(ca, cert, key) of a new throwaway CA, removed when the run ends."""
    d = tempfile.mkdtemp(prefix="tls-", dir=APP)
    return emu_harness.make_tls(d)


def upns(emu):
    """{id: userPrincipalName} from /_emulator/state."""
    r = emu.request("GET", "/_emulator/state", token=False)
    return {row["id"]: row["userPrincipalName"] for row in csv.DictReader(r.body.splitlines())}


class GraphSdk(unittest.TestCase):
    def test_sdk_pages_batches_and_patches(self):
        tls = throwaway_tls()
        with Emulator("--users", USERS, "--seed", 31, tls=tls) as emu:
            before = emu.state()
            names = upns(emu)
            code, stdout, stderr = sdk(emu, tls[0])
            self.assertEqual(code, 0, stderr)
            out = json.loads(stdout)
            after = emu.state()
            stats = emu.stats()
        self.assertEqual(out["sdkVersion"], SDK_VERSION)

        # every user paged exactly once, as the emulator holds them, and only
        # the properties $select named
        ids = [u["id"] for u in out["users"]]
        self.assertEqual(len(ids), USERS)
        self.assertEqual(len(ids), len(set(ids)), "a user was paged twice")
        self.assertEqual(set(ids), set(before))
        for u in out["users"]:
            self.assertEqual(u["userPrincipalName"], names[u["id"]], u["id"])
        self.assertEqual(out["userKeys"], ["id", "userPrincipalName"])

        # the $batch's states are the emulator's, for every item
        batch = out["batch"]
        self.assertEqual(len(batch["ids"]), 20)
        self.assertEqual(len(set(batch["ids"])), 20)
        self.assertEqual(batch["statuses"], {i: 200 for i in batch["ids"]})
        self.assertEqual(batch["states"], {i: before[i] for i in batch["ids"]})

        # the PATCH changed that user, and only that user
        patch = out["patch"]
        self.assertEqual(patch["from"], before[patch["id"]])
        self.assertNotEqual(patch["to"], patch["from"])
        self.assertEqual(after[patch["id"]], patch["to"])
        self.assertEqual(patch["readBack"], patch["to"])
        self.assertEqual({u: s for u, s in after.items() if s != before[u]}, {patch["id"]: patch["to"]})

        # and the requests came as the SDK is meant to send them
        by = stats["byEndpoint"]
        self.assertEqual(by.get("token"), {"200": 1})
        self.assertEqual(by.get("users"), {"200": math.ceil(USERS / PAGE)})
        self.assertEqual(by.get("batch"), {"200": 1})
        self.assertEqual(by.get("requirements.get"), {"200": 20 + 1})  # the batch's items + the read-back
        self.assertEqual(by.get("requirements.patch"), {"204": 1})
        self.assertEqual(stats["writesPerUser"], {patch["id"]: 1})

    def test_sdk_verifies_the_certificate(self):
        # without the throwaway CA node must refuse the emulator's certificate
        # before anything is sent: verification is on, not bypassed
        with Emulator("--users", 50, "--seed", 32, tls=throwaway_tls()) as emu:
            code, stdout, stderr = sdk(emu, None)
            stats = emu.stats()
        self.assertEqual(code, 1, stderr)
        self.assertEqual(stdout, "")
        self.assertRegex(stderr, r"(?i)certificate|UNABLE_TO_VERIFY|SELF_SIGNED")
        self.assertNotIn("token", stats["byEndpoint"])


if __name__ == "__main__":
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    emu_harness.EXE = os.path.abspath(sys.argv[1])
    WORK = os.path.abspath(sys.argv[2])
    NODE = sys.argv[3] if len(sys.argv) > 3 else "node"
    NPM = sys.argv[4] if len(sys.argv) > 4 else "npm"
    try:
        APP = install()
    except (AssertionError, OSError, subprocess.SubprocessError) as e:
        print("FAIL install: %s" % e)
        sys.exit(1)
    try:
        prog = unittest.main(argv=sys.argv[:1], verbosity=2, exit=False)
    finally:
        shutil.rmtree(APP, ignore_errors=True)
    sys.exit(0 if prog.result.wasSuccessful() else 1)
