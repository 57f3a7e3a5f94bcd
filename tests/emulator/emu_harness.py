"""Starts graph-emulator for a test and talks to it (stdlib only).

Each test starts its own emulator on a free port (--port 0 --port-file F),
waits for the port file with a deadline, and stops it with SIGTERM.
"""
import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse

TENANT = "5f1c2b3a-7e6d-4c5b-9a8f-000000e1a1c0"
CLIENT = "8d4e3f2a-1b0c-4d9e-8f7a-000000c11e47"
SECRET = "emulator-secret"


def creds(secret=SECRET):
    """The environment that signs mfa-migrate in to the emulator with a
    client secret (and clears any certificate or ready token)."""
    return {"AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": CLIENT, "AZURE_CLIENT_SECRET": secret,
            "AZURE_CLIENT_CERTIFICATE_PATH": "", "MFA_MIGRATE_ACCESS_TOKEN": ""}
EXE = None  # set by run()


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    def json(self):
        return json.loads(self.body)


def make_tls(directory):
    """Makes a throwaway CA and a server certificate for localhost and
    127.0.0.1 signed by it, with the openssl CLI, in directory. Returns the
    paths (ca, cert, key): ca is what a client trusts (curl --cacert,
    ssl.create_default_context(cafile=ca)); cert and key go to
    graph-emulator --tls-cert/--tls-key or to nghttpx."""
    ca_key = os.path.join(directory, "ca.key")
    ca = os.path.join(directory, "ca.pem")
    key = os.path.join(directory, "server.key")
    csr = os.path.join(directory, "server.csr")
    cert = os.path.join(directory, "server.pem")
    ext = os.path.join(directory, "server.ext")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def openssl(*args):
        r = subprocess.run(["openssl", *args], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("openssl %s failed: %s" % (args[0], r.stderr[-2000:]))

    openssl("req", "-x509", *ec, "-keyout", ca_key, "-out", ca, "-days", "2",
            "-subj", "/CN=graph-emulator test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
    with open(ext, "w") as f:
        f.write("basicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
            "-out", cert, "-days", "2", "-extfile", ext)
    return ca, cert, key


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (for a front such
    as nghttpx, whose URL the emulator must know before it starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_tls(port, proc, what, deadline_s=30):
    """Waits until a TLS handshake on 127.0.0.1:port succeeds (nghttpx's master
    listens before its worker has loaded the certificate, and a worker that
    cannot load it exits)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    deadline = time.monotonic() + deadline_s
    while True:
        if proc.poll() is not None:
            raise RuntimeError("%s exited %d before listening" % (what, proc.returncode))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as raw:
                with ctx.wrap_socket(raw):
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("%s did not listen on 127.0.0.1:%d in time" % (what, port))
            time.sleep(0.02)


@contextlib.contextmanager
def nghttpx(front_port, backend_url, cert, key, ca=None, extra=()):
    """Runs nghttpx as an HTTP/2 (and HTTP/1.1) TLS front on
    127.0.0.1:front_port for the emulator at backend_url (http:// or
    https://; an https backend is verified against ca when given, else
    --insecure). extra: more nghttpx options (e.g.
    "--frontend-http2-max-concurrent-streams=256"; the default is 100).
    Start the emulator with --public-url https://127.0.0.1:front_port
    first. Yields the front URL; stops nghttpx on exit and fails when it
    did not stop."""
    u = urllib.parse.urlsplit(backend_url)
    # an https backend is verified by name: make_tls's certificate names localhost
    backend = "--backend=%s,%d;;%s" % (u.hostname, u.port,
                                       "tls;sni=localhost" if u.scheme == "https" else "no-tls")
    tmp = tempfile.TemporaryDirectory(prefix="nghttpx-")
    log = os.path.join(tmp.name, "error.log")
    # --conf=/dev/null: Debian's /etc/nghttpx/nghttpx.conf would add a frontend and log to syslog;
    # long read timeouts: the emulator's --slow answers hang for minutes on purpose
    args = [shutil.which("nghttpx") or "/usr/sbin/nghttpx", "--conf=/dev/null",
            "--frontend=127.0.0.1,%d" % front_port, backend, "--workers=1", "--no-ocsp",
            "--errorlog-file=" + log, "--backend-read-timeout=600", "--frontend-read-timeout=600"]
    if u.scheme == "https":
        args += ["--cacert=" + ca] if ca else ["--insecure"]
    args += list(extra) + [key, cert]
    with open(os.path.join(tmp.name, "stderr"), "w") as err:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err)
    try:
        try:
            _wait_tls(front_port, proc, "nghttpx")
        except RuntimeError as e:
            with open(log) if os.path.exists(log) else open(os.path.join(tmp.name, "stderr")) as f:
                raise RuntimeError("%s: %s" % (e, f.read()[-2000:])) from None
        yield "https://127.0.0.1:%d" % front_port
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise AssertionError("nghttpx did not stop on SIGTERM")
        tmp.cleanup()


class Emulator:
    def __init__(self, *args, tenant_id=TENANT, tls=None):
        """args are graph-emulator flags; tls=(ca, cert, key) from make_tls
        serves HTTPS (self.base is then https://) and request() trusts ca."""
        self.dir = tempfile.TemporaryDirectory(prefix="emu-test-")
        self.port_file = os.path.join(self.dir.name, "port")
        self.tenant_id = tenant_id
        self.tls = None
        if tls:
            args = ("--tls-cert", tls[1], "--tls-key", tls[2]) + tuple(args)
            self.tls = ssl.create_default_context(cafile=tls[0])
        self.proc = subprocess.Popen(
            [EXE, "--port", "0", "--port-file", self.port_file, *map(str, args)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None:
                raise RuntimeError("graph-emulator exited: " + self.proc.stderr.read())
            if time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError("graph-emulator did not write its port file in time")
            time.sleep(0.01)
        with open(self.port_file) as f:
            self.port = int(f.read().strip())
        self.base = "%s://127.0.0.1:%d" % ("https" if self.tls else "http", self.port)
        self.conn = None
        self._token = None
        self.stopped = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self, timeout=10):
        if self.stopped:
            return self.proc.returncode
        if self.conn:
            self.conn.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("graph-emulator did not stop on SIGTERM")
        err = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        self.dir.cleanup()
        # a clean SIGTERM exits 0; anything else (a sanitizer report, a crash) fails the test
        if self.proc.returncode != 0 and not self.stopped:
            self.stopped = True
            raise AssertionError("graph-emulator exited %d: %s" % (self.proc.returncode, err[-3000:]))
        self.stopped = True
        return self.proc.returncode

    def request(self, method, path, body=None, headers=None, token=True, fresh=False, timeout=30):
        """One request on a kept-alive connection (fresh: a new one)."""
        hdrs = dict(headers or {})
        if token is True:
            hdrs.setdefault("Authorization", "Bearer " + self.token())
        elif isinstance(token, str):
            hdrs["Authorization"] = "Bearer " + token
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            hdrs.setdefault("Content-Type", "application/json")
        if path.startswith("http"):
            u = urllib.parse.urlsplit(path)
            path = u.path + ("?" + u.query if u.query else "")
        if fresh or self.conn is None:
            if self.conn:
                self.conn.close()
            if self.tls:
                self.conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                                        context=self.tls)
            else:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            self.conn.request(method, path, body=body, headers=hdrs)
            r = self.conn.getresponse()
            data = r.read()
        except Exception:
            self.conn.close()
            self.conn = None
            raise
        return Response(r.status, r.getheaders(), data.decode("utf-8"))

    def token_request(self, **form):
        data = {"grant_type": "client_credentials", "client_id": CLIENT,
                "scope": "https://graph.microsoft.com/.default"}
        data.update(form)
        data = {k: v for k, v in data.items() if v is not None}
        tenant = data.pop("tenant", self.tenant_id)
        return self.request("POST", "/%s/oauth2/v2.0/token" % tenant,
                            body=urllib.parse.urlencode(data),
                            headers={"Content-Type": "application/x-www-form-urlencoded"},
                            token=False)

    def token(self):
        if self._token is None:
            r = self.token_request(client_secret=SECRET)
            assert r.status == 200, r.body
            self._token = r.json()["access_token"]
        return self._token

    def get_json(self, path, **kw):
        r = self.request("GET", path, **kw)
        assert r.status == 200, "%s -> %d %s" % (path, r.status, r.body[:300])
        return r.json()

    def state(self):
        """{id: state} from /_emulator/state."""
        r = self.request("GET", "/_emulator/state", token=False)
        lines = r.body.strip().split("\n")
        assert lines[0] == "id,userPrincipalName,perUserMfaState", lines[0]
        out = {}
        import csv
        for row in csv.reader(lines[1:]):
            out[row[0]] = row[2]
        return out

    def stats(self):
        return self.get_json("/_emulator/stats", token=False)


def q(s):
    return urllib.parse.quote(s, safe="")


def run(tests):
    """Runs test functions (name, fn) and prints 'N passed, N failed'."""
    global EXE
    if len(sys.argv) < 2:
        print("usage: %s PATH-TO-graph-emulator" % sys.argv[0])
        sys.exit(2)
    EXE = os.path.abspath(sys.argv[1])
    only = sys.argv[2:]
    passed = failed = 0
    for fn in tests:
        if only and fn.__name__ not in only:
            continue
        t0 = time.monotonic()
        try:
            fn()
            passed += 1
            print("ok   %s (%.2f s)" % (fn.__name__, time.monotonic() - t0), flush=True)
        except Exception as e:  # noqa: BLE001 - report every failure the same way
            failed += 1
            import traceback
            traceback.print_exc()
            print("FAIL %s: %s" % (fn.__name__, e), flush=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)
