"""graph-emulator transport and throttling (issue 12): TLS (--tls-cert/
--tls-key), --public-url, HTTP/2 through an nghttpx front, $batch item
latency, token-bucket throttling (refill, percentage, scope strings, the
cross-tenant app quota, --batch-424) and $batch ids and dependsOn."""
import http.client
import json
import os
import ssl
import subprocess
import tempfile
import threading
import time
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


# ---- $batch item latency ----

def batch_of(n, ids, method="GET"):
    return {"requests": [{"id": str(i), "method": method,
                          "url": "/users/%s/authentication/requirements" % ids[i % len(ids)]}
                         for i in range(n)]}


def timed_batch(*flags):
    with h.Emulator("--users", 30, "--limits", "off", *flags) as e:
        ids = [u["id"] for u in e.get_json("/v1.0/users?$top=20&$select=id")["value"]]
        t0 = time.monotonic()
        r = e.request("POST", "/beta/$batch", body=batch_of(20, ids))
        took = time.monotonic() - t0
        assert r.status == 200 and len(r.json()["responses"]) == 20, r.body[:300]
        return took


def test_batch_item_latency():
    # 100 ms items jittered over 0.5..1.5: 20 rounds take at least 1 s
    serial = timed_batch("--batch-item-latency-ms", 100)
    assert serial >= 20 * 0.1 * 0.5, serial
    four_rounds = timed_batch("--batch-item-latency-ms", 100, "--batch-parallelism", 5)
    assert four_rounds >= 4 * 0.1 * 0.5, four_rounds
    one_round = timed_batch("--batch-item-latency-ms", 100, "--batch-parallelism", 20)
    assert one_round >= 0.1 * 0.5, one_round
    assert one_round < serial / 2, (one_round, serial)  # 1 round against 20


def test_held_batch_blocks_no_worker():
    # one worker thread: a held batch must not keep it from answering others
    with h.Emulator("--users", 30, "--limits", "off", "--threads", 1, "--batch-item-latency-ms", 100) as e:
        ids = [u["id"] for u in e.get_json("/v1.0/users?$top=20&$select=id")["value"]]
        tok = e.token()
        done = {}

        def run():
            conn = http.client.HTTPConnection("127.0.0.1", e.port, timeout=60)
            conn.request("POST", "/beta/$batch", body=json.dumps(batch_of(20, ids)),
                         headers={"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            done["batch"] = (r.status, time.monotonic())
            conn.close()

        t = threading.Thread(target=run)
        t.start()
        # the batch is counted when it arrives, then held >= 1 s; the one worker
        # answers /_emulator/stats meanwhile only if holding does not occupy it
        deadline = time.monotonic() + 30
        while "batch" not in e.stats()["byEndpoint"]:
            assert time.monotonic() < deadline, "the batch never arrived"
        seen_at = time.monotonic()
        t.join(60)
        assert done["batch"][0] == 200
        assert seen_at < done["batch"][1], "the emulator could not answer while the batch was held"


# ---- throttling: token buckets ----

REPORTS = "/v1.0/reports/authenticationMethods/userRegistrationDetails"


def test_bucket_refills_continuously():
    # reports: 5 / 10 s, time-scale 10: 5 per 1 s, refilled at 5 per second
    with h.Emulator("--users", 10, "--time-scale", 10) as e:
        e.token()
        while True:
            sent = time.monotonic()
            r = e.request("GET", REPORTS)
            if r.status == 429:
                break
        ra = float(r.headers["retry-after"])
        assert 0 < ra <= 0.2 + 0.001, ra  # time until one request fits again, not the window's end
        time.sleep(0.5)  # half a window: half the budget (2.5) is back
        ok = 0
        while e.request("GET", REPORTS).status == 200:
            ok += 1
        end = time.monotonic()
        assert ok >= 2, ok  # a fixed window would still be closed: 0
        assert ok <= 1 + 5 * (end - sent), (ok, end - sent)  # refilled at the rate, not all at once


def test_percentage_range_and_scope():
    with h.Emulator("--users", 10) as e:
        e.token()
        got = []
        for _ in range(12):
            r = e.request("GET", REPORTS)
            got.append((r.status, r.headers.get("x-ms-throttle-limit-percentage")))
        # the share of the bucket drained (5 / 10 s, refilled at 0.5 / s)
        assert [g[1] for g in got[:4]] == [None] * 4, got  # at most 0.8 drained: no header
        # the last token (less what refilled meanwhile): throttling starts
        assert got[4][0] == 200 and 0.99 <= float(got[4][1]) <= 1.0, got
        # then 429s: 1.0 + the cost refused in the trailing window / budget, capped
        assert got[5:] == [(429, "1.20"), (429, "1.40"), (429, "1.60")] + [(429, "1.80")] * 4, got
        assert r.headers["x-ms-throttle-scope"] == "Tenant_Application/Read/%s/%s" % (h.CLIENT, h.TENANT)
        # a token refills in 2 s: admitted again, and the figure is the bucket's
        # share drained (<= 1.0), not the demand of the window (12 asked of 5)
        time.sleep(2.2)
        r = e.request("GET", REPORTS)
        assert r.status == 200, r.status
        assert 0.95 <= float(r.headers["x-ms-throttle-limit-percentage"]) <= 1.0, r.headers


def patch_batch(ids, state="enforced", n=20):
    return {"requests": [{"id": str(i), "method": "PATCH",
                          "url": "/users/%s/authentication/requirements" % ids[i % len(ids)],
                          "headers": {"Content-Type": "application/json"},
                          "body": {"perUserMfaState": state}} for i in range(n)]}


def test_cross_tenant_app_quota():
    # 34,990 of the app's 35,000 writes / 5 min go to other tenants: 10 are left here,
    # far below this tenant's 18,000 and the app+tenant's 3,000
    with h.Emulator("--users", 100, "--app-writes-elsewhere", 34990) as e:
        ids = [u["id"] for u in e.get_json("/v1.0/users?$top=20&$select=id")["value"]]
        t0 = time.monotonic()
        r = e.request("POST", "/beta/$batch", body=patch_batch(ids))
        took = time.monotonic() - t0
        assert r.status == 200
        items = r.json()["responses"]
        ok = [x for x in items if x["status"] == 204]
        no = [x for x in items if x["status"] == 429]
        assert 10 <= len(ok) <= 10 + took / 30 + 1 and len(ok) + len(no) == 20, items
        for x in no:
            assert x["headers"]["x-ms-throttle-scope"] == "Application/Write/%s/%s" % (h.CLIENT, h.TENANT), x
            assert x["headers"]["x-ms-throttle-information"] == "WriteLimitExceeded"
            assert 20 <= float(x["headers"]["Retry-After"]) <= 30, x  # 1 write per 30 s comes back
        assert e.stats()["writes"] == len(ok)
    with h.Emulator("--users", 100) as e:
        ids = [u["id"] for u in e.get_json("/v1.0/users?$top=20&$select=id")["value"]]
        items = e.request("POST", "/beta/$batch", body=patch_batch(ids)).json()["responses"]
        assert all(x["status"] == 204 for x in items), items


def test_batch_424_mode():
    six = {"requests": [{"id": str(i), "method": "GET", "url": "/reports/authenticationMethods/userRegistrationDetails"}
                        for i in range(6)]}
    for flags, want in (((), 200), (("--batch-424",), 424)):
        with h.Emulator("--users", 10, *flags) as e:
            r = e.request("POST", "/v1.0/$batch", body=six)
            assert r.status == want, (flags, r.status)
            statuses = sorted(x["status"] for x in r.json()["responses"])
            assert statuses == [200] * 5 + [429], statuses
            assert e.stats()["byEndpoint"]["batch"] == {str(want): 1}, e.stats()["byEndpoint"]
    with h.Emulator("--users", 10, "--batch-424") as e:  # nothing throttled: 200
        r = e.request("POST", "/v1.0/$batch", body={"requests": six["requests"][:5]})
        assert r.status == 200


def test_limits_off_keeps_no_bucket():
    with h.Emulator("--users", 10, "--limits", "off", "--app-writes-elsewhere", 40000) as e:
        ids = [u["id"] for u in e.get_json("/v1.0/users?$top=5&$select=id")["value"]]
        items = e.request("POST", "/beta/$batch", body=patch_batch(ids)).json()["responses"]
        assert all(x["status"] == 204 for x in items), items
        assert all(e.request("GET", REPORTS).status == 200 for _ in range(12))


# ---- $batch ids and dependsOn ----

def req_item(i, uid, state, depends=None):
    it = {"id": i, "method": "PATCH", "url": "/users/%s/authentication/requirements" % uid,
          "headers": {"Content-Type": "application/json"}, "body": {"perUserMfaState": state}}
    if depends is not None:
        it["dependsOn"] = depends
    return it


def test_batch_ids_case_insensitive():
    with h.Emulator("--users", 10, "--limits", "off") as e:
        uid = e.get_json("/v1.0/users?$top=1&$select=id")["value"][0]["id"]
        before = e.state()[uid]
        other = "enforced" if before != "enforced" else "disabled"
        r = e.request("POST", "/beta/$batch", body={"requests": [req_item("A", uid, other),
                                                                  req_item("a", uid, other)]})
        assert r.status == 400 and "duplicated" in r.json()["error"]["message"], r.body
        assert e.state()[uid] == before  # nothing ran
        # a dependsOn matches an id whatever its case
        r = e.request("POST", "/beta/$batch", body={"requests": [req_item("Second", uid, other, ["FIRST"]),
                                                                  req_item("first", uid, before)]})
        assert r.status == 200, r.body
        assert e.state()[uid] == other


def test_depends_on_order_and_failure():
    with h.Emulator("--users", 10, "--limits", "off") as e:
        a, b, c = [u["id"] for u in e.get_json("/v1.0/users?$top=3&$select=id")["value"]]
        e.request("POST", "/_emulator/set-state", token=False,
                  body=[{"id": x, "perUserMfaState": "disabled"} for x in (a, b, c)])
        # listed 2 before 1, but 2 depends on 1: 1 runs first, so 2's value stays
        r = e.request("POST", "/beta/$batch", body={"requests": [
            req_item("2", a, "enforced", ["1"]), req_item("1", a, "disabled")]})
        assert r.status == 200
        assert e.state()[a] == "enforced"
        # a chain 4 -> 3 -> 2 -> 1 listed backwards runs 1, 2, 3, 4
        r = e.request("POST", "/beta/$batch", body={"requests": [
            req_item("4", b, "disabled", ["3"]), req_item("3", b, "enforced", ["2"]),
            req_item("2", b, "disabled", ["1"]), req_item("1", b, "enforced")]})
        assert all(x["status"] == 204 for x in r.json()["responses"])
        assert e.state()[b] == "disabled"
        # a failed dependency: its dependents answer 424 and do not run
        missing = "00000000-0000-0000-0000-00000000dead"
        r = e.request("POST", "/beta/$batch", body={"requests": [
            req_item("x", missing, "enforced"), req_item("y", c, "enforced", ["x"]),
            req_item("z", c, "enforced", ["y"]), req_item("w", a, "disabled", [])]})
        by = {x["id"]: x for x in r.json()["responses"]}
        assert r.status == 200
        assert by["x"]["status"] == 404
        assert by["y"]["status"] == 424 and by["y"]["body"]["error"]["code"] == "FailedDependency", by["y"]
        assert "'x'" in by["y"]["body"]["error"]["message"]
        assert by["z"]["status"] == 424 and "'y'" in by["z"]["body"]["error"]["message"], by["z"]
        assert by["w"]["status"] == 204
        assert e.state()[c] == "disabled" and e.state()[a] == "disabled"
        assert e.stats()["writes"] == 7
        # an unknown id or a cycle refuses the whole batch before anything runs
        for reqs in ([req_item("1", c, "enforced"), req_item("2", c, "enforced", ["3"])],
                     [req_item("1", c, "enforced", ["2"]), req_item("2", c, "enforced", ["1"])],
                     [req_item("1", c, "enforced", ["1"])],
                     [req_item("1", c, "enforced", "2"), req_item("2", c, "enforced")]):
            r = e.request("POST", "/beta/$batch", body={"requests": reqs})
            assert r.status == 400, (reqs, r.status, r.body)
            assert e.state()[c] == "disabled"
        r = e.request("POST", "/beta/$batch", body={"requests": [
            req_item("1", c, "enforced"), req_item("2", c, "enforced", ["3"])]})
        assert "'3'" in r.json()["error"]["message"], r.body


if __name__ == "__main__":
    h.run([test_tls_serves_https_with_the_ca, test_tls_is_real_tls, test_public_url_names_links,
           test_tls_flags_checked, test_http2_nghttpx_plain_backend, test_http2_nghttpx_tls_backend,
           test_batch_item_latency, test_held_batch_blocks_no_worker, test_bucket_refills_continuously,
           test_percentage_range_and_scope, test_cross_tenant_app_quota, test_batch_424_mode,
           test_limits_off_keeps_no_bucket, test_batch_ids_case_insensitive,
           test_depends_on_order_and_failure])
