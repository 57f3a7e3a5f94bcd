"""graph-emulator transport: TLS (--tls-cert/--tls-key), --public-url and
HTTP/2 through an nghttpx front (issue 12)."""
import json
import os
import ssl
import subprocess
import tempfile
import urllib.error
import urllib.request

import emu_harness as h

TLS_DIR = tempfile.TemporaryDirectory(prefix="emu-tls-")
CA, CERT, KEY = h.make_tls(TLS_DIR.name)


def test_tls_serves_https_with_the_ca():
    with h.Emulator("--users", "30", tls=(CA, CERT, KEY)) as e:
        line = e.proc.stdout.readline()
        assert line.strip() == "graph-emulator listening on https://127.0.0.1:%d" % e.port, line
        cfg = e.get_json("/_emulator/config", token=False)
        assert cfg["baseUrl"] == "https://127.0.0.1:%d" % e.port, cfg
        page = e.get_json("/v1.0/users?$top=10")
        assert page["@odata.nextLink"].startswith("https://127.0.0.1:%d/v1.0/users?" % e.port), page
        assert page["@odata.context"].startswith("https://127.0.0.1:%d/v1.0/$metadata" % e.port), page
        nxt = e.get_json(page["@odata.nextLink"])
        assert len(nxt["value"]) == 10


def test_tls_is_real_tls():
    with h.Emulator("--users", "5", tls=(CA, CERT, KEY)) as e:
        # without the test CA the certificate does not verify
        try:
            urllib.request.urlopen(e.base + "/_emulator/health", timeout=10,
                                   context=ssl.create_default_context())
            raise AssertionError("an unknown CA was accepted")
        except urllib.error.URLError as x:
            assert isinstance(x.reason, ssl.SSLCertVerificationError), x
        # plain HTTP on the TLS port gets no HTTP answer
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/_emulator/health" % e.port, timeout=10)
            raise AssertionError("plain HTTP was answered on the TLS port")
        except (urllib.error.URLError, ConnectionError, OSError) as x:
            assert not isinstance(x, urllib.error.HTTPError), x
        # with it, it does
        with urllib.request.urlopen(e.base + "/_emulator/health", timeout=10,
                                    context=ssl.create_default_context(cafile=CA)) as r:
            assert r.read() == b"ok\n"


def test_public_url_names_links():
    front = "https://graph.front.example:8443"
    with h.Emulator("--users", "30", "--public-url", front) as e:
        assert e.get_json("/_emulator/config", token=False)["baseUrl"] == front
        page = e.get_json("/v1.0/users?$top=7")
        assert page["@odata.nextLink"].startswith(front + "/v1.0/users?"), page
        assert page["@odata.context"].startswith(front + "/v1.0/$metadata"), page
        # the link still works against the emulator itself (path and query are what count)
        assert len(e.get_json(page["@odata.nextLink"])["value"]) == 7


def test_tls_flags_checked():
    def run(*args):
        r = subprocess.run([h.EXE, "--port", "0", *args], capture_output=True, text=True, timeout=30)
        return r.returncode, r.stderr

    rc, err = run("--tls-cert", CERT)
    assert rc == 2 and "--tls-cert and --tls-key go together" in err, (rc, err)
    rc, err = run("--tls-cert", CERT, "--tls-key", os.path.join(TLS_DIR.name, "missing.key"))
    assert rc == 1 and "missing.key" in err and "--tls-key" in err, (rc, err)
    rc, err = run("--tls-cert", CA + ".nope", "--tls-key", KEY)
    assert rc == 1 and "--tls-cert" in err, (rc, err)
    notpem = os.path.join(TLS_DIR.name, "notpem")
    with open(notpem, "w") as f:
        f.write("hello\n")
    rc, err = run("--tls-cert", notpem, "--tls-key", KEY)
    assert rc == 1 and "not a PEM file" in err, (rc, err)
    other = os.path.join(TLS_DIR.name, "other")
    os.mkdir(other)
    _, _, other_key = h.make_tls(other)
    rc, err = run("--tls-cert", CERT, "--tls-key", other_key)
    assert rc == 1 and "matching certificate and key" in err, (rc, err)
    rc, err = run("--public-url", "ftp://x")
    assert rc == 2 and "--public-url" in err, (rc, err)
    rc, err = run("--public-url", "https://x/")
    assert rc == 2 and "trailing slash" in err, (rc, err)


def curl_json(url, token):
    r = subprocess.run(["curl", "-sS", "--http2", "--cacert", CA, "-H", "Authorization: Bearer " + token,
                        "-w", "\n%{http_version}", url], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    body, _, version = r.stdout.rpartition("\n")
    return json.loads(body), version


def http2_through_nghttpx(tls_backend):
    front_port = h.free_port()
    front = "https://127.0.0.1:%d" % front_port
    with h.Emulator("--users", "30", "--public-url", front,
                    tls=(CA, CERT, KEY) if tls_backend else None) as e:
        tok = e.token()
        with h.nghttpx(front_port, e.base, CERT, KEY, ca=CA) as url:
            assert url == front
            page, version = curl_json(front + "/v1.0/users?$top=12", tok)
            assert version == "2", version
            assert len(page["value"]) == 12
            assert page["@odata.nextLink"].startswith(front + "/v1.0/users?"), page
            nxt, version = curl_json(page["@odata.nextLink"], tok)
            assert version == "2" and len(nxt["value"]) == 12, (version, nxt)
            assert nxt["value"][0]["id"] != page["value"][0]["id"]


def test_http2_nghttpx_plain_backend():
    http2_through_nghttpx(False)


def test_http2_nghttpx_tls_backend():
    http2_through_nghttpx(True)


if __name__ == "__main__":
    h.run([test_tls_serves_https_with_the_ca, test_tls_is_real_tls, test_public_url_names_links,
           test_tls_flags_checked, test_http2_nghttpx_plain_backend, test_http2_nghttpx_tls_backend])
