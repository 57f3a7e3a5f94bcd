"""Faults happen at their configured rates, reproducibly with the seed;
latency, dropped connections, slow responses; SIGTERM stops promptly; the
stats count peak concurrent connections."""
import http.client
import math
import socket
import threading
import time

import emu_harness as h

N = 1000


def statuses(emu, n=N, fresh=False):
    out = []
    for _ in range(n):
        try:
            r = emu.request("GET", "/v1.0/users?$top=1&$select=id", fresh=fresh, timeout=5)
            out.append(r.status if r.status != 429 else (429, r.headers.get("retry-after")))
        except (http.client.HTTPException, ConnectionError, socket.timeout) as e:
            out.append(type(e).__name__)
    return out


def within(count, n, p, sigmas=5):
    sd = math.sqrt(n * p * (1 - p))
    return abs(count - n * p) <= sigmas * sd + 1


def test_5xx_and_429_rates_and_seed():
    args = ("--users", 20, "--limits", "off", "--fail-5xx", 0.2, "--fail-429", 0.1)
    with h.Emulator(*args, "--seed", 5) as emu:
        emu.token()
        a = statuses(emu)
    with h.Emulator(*args, "--seed", 5) as emu:
        emu.token()
        b = statuses(emu)
        st = emu.stats()
    with h.Emulator(*args, "--seed", 6) as emu:
        emu.token()
        c = statuses(emu)
    assert a == b, "same seed, same request sequence: same faults"
    assert a != c
    n5 = sum(1 for s in a if isinstance(s, int) and s >= 500)
    n429 = sum(1 for s in a if isinstance(s, tuple))
    assert within(n5, N, 0.2), n5
    assert within(n429, N, 0.1), n429
    assert {s for s in a if isinstance(s, int) and s >= 500} == {500, 502, 503, 504}
    assert all(s[1] is not None and float(s[1]) > 0 for s in a if isinstance(s, tuple))
    assert st["faults"]["5xx"] == n5 and st["faults"]["429"] == n429


def test_drop_rate():
    with h.Emulator("--users", 20, "--limits", "off", "--drop", 0.1, "--seed", 3) as emu:
        emu.token()
        res = statuses(emu, 500, fresh=True)
        dropped = sum(1 for s in res if isinstance(s, str))
        assert within(dropped, 500, 0.1), dropped
        assert all(s == 200 for s in res if not isinstance(s, str))
        assert emu.stats()["faults"]["drop"] == dropped


def test_latency():
    with h.Emulator("--users", 5, "--limits", "off", "--latency-ms", 40) as emu:
        emu.token()
        times = []
        for _ in range(20):
            t0 = time.monotonic()
            assert emu.request("GET", "/v1.0/users?$top=1").status == 200
            times.append(time.monotonic() - t0)
        assert min(times) >= 0.019, min(times)
        assert max(times) < 0.5, max(times)
        assert max(times) - min(times) > 0.005  # jitter


def test_slow_and_prompt_stop():
    with h.Emulator("--users", 5, "--limits", "off", "--slow", 0.3, "--slow-seconds", 600, "--seed", 9) as emu:
        emu.token()
        slow = 0
        for _ in range(40):
            try:
                emu.request("GET", "/v1.0/users?$top=1", fresh=True, timeout=0.3)
            except socket.timeout:
                slow += 1
        assert within(slow, 40, 0.3), slow
        assert emu.stats()["faults"]["slow"] == slow
        t0 = time.monotonic()
        rc = emu.stop()
        assert rc == 0 and time.monotonic() - t0 < 5, "SIGTERM must stop promptly with held responses"


def test_peak_connections():
    with h.Emulator("--users", 5, "--limits", "off") as emu:
        socks = [socket.create_connection(("127.0.0.1", emu.port)) for _ in range(6)]
        deadline = time.monotonic() + 5
        while emu.stats()["peakConnections"] < 7 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert emu.stats()["peakConnections"] >= 7  # six idle ones plus the stats request
        for s in socks:
            s.close()
        # concurrent clients all answered
        errors = []

        def worker():
            try:
                for _ in range(50):
                    c = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
                    c.request("GET", "/_emulator/health")
                    assert c.getresponse().read() == b"ok\n"
                    c.close()
            except Exception as e:  # noqa: BLE001
                errors.append(e)
        ts = [threading.Thread(target=worker) for _ in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        assert not errors, errors


if __name__ == "__main__":
    h.run([test_5xx_and_429_rates_and_seed, test_drop_rate, test_latency, test_slow_and_prompt_stop,
           test_peak_connections])
