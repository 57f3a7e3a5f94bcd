"""Throttling answers 429 at the configured budget and not below it, with
Graph's headers; budgets are token buckets that refill continuously;
--time-scale shrinks windows; --limits off removes them."""
import time

import emu_harness as h

REQ = "/beta/users/%s/authentication/requirements"


def test_identity_budget_small_tenant():
    # < 50 users: 3,500 resource units / 10 s; a requirements GET costs 1. The
    # bucket starts full and refills at 350 RU/s while the burst runs, so the
    # burst gets the budget plus what refilled during it, never less.
    with h.Emulator("--users", 30) as emu:
        uid = emu.get_json("/v1.0/users?$top=1&$select=id")["value"][0]["id"]  # 1 RU ($select)
        t0 = time.monotonic()
        ok, pct_first, t_first, pct_max = 1, None, None, 0.0
        while True:
            r = emu.request("GET", REQ % uid)
            if r.status != 200:
                break
            assert r.headers["x-ms-resource-unit"] == "1"
            ok += 1
            if "x-ms-throttle-limit-percentage" in r.headers:
                pct_max = max(pct_max, float(r.headers["x-ms-throttle-limit-percentage"]))
                if pct_first is None:
                    pct_first, t_first = ok, time.monotonic() - t0
            assert ok <= 3500 + 350 * (time.monotonic() - t0) + 2
        elapsed = time.monotonic() - t0
        assert r.status == 429, r.status
        assert 3500 <= ok <= 3500 + 350 * elapsed + 2, (ok, elapsed)
        # the share of the bucket drained: first above 0.8 once 2,800 RU more were
        # spent than refilled, and never above 1.0 while admitted
        assert 2801 <= pct_first <= 2801 + 350 * t_first + 2, (pct_first, t_first)
        assert 0.8 < pct_max <= 1.0, pct_max
        assert r.headers["x-ms-throttle-limit-percentage"] == "1.00"  # 1 RU refused of 3,500
        ra = float(r.headers["retry-after"])
        assert 0 < ra <= 1 / 350 + 0.001, ra  # one RU refills in 1/350 s
        assert r.headers["x-ms-throttle-information"] == "ResourceUnitLimitExceeded"
        assert r.headers["x-ms-throttle-scope"] == "Tenant_Application/ReadWrite/%s/%s" % (h.CLIENT, h.TENANT)
        assert r.json()["error"]["code"] == "TooManyRequests"
        assert emu.stats()["throttled"] == 1


def test_users_list_cost():
    with h.Emulator("--users", 10, "--limits", "off") as emu:
        assert emu.request("GET", "/v1.0/users").headers["x-ms-resource-unit"] == "2"
        assert emu.request("GET", "/v1.0/users?$select=id").headers["x-ms-resource-unit"] == "1"


def test_write_quota_via_batch():
    # > 500 users: 8,000 RU / 10 s, so the 3,000 writes / 150 s quota bites first;
    # time-scale 10 makes that window 15 s, refilled at 200 writes/s
    with h.Emulator("--users", 1000, "--time-scale", 10) as emu:
        ids = [u["id"] for u in emu.get_json("/v1.0/users?$select=id&$top=999")["value"]]
        done = throttled = 0
        retry = None
        n = 0
        t0 = time.monotonic()
        while throttled == 0 and n < 2000:
            reqs = [{"id": str(i), "method": "PATCH",
                     "url": "/users/%s/authentication/requirements" % ids[(n * 20 + i) % len(ids)],
                     "headers": {"Content-Type": "application/json"},
                     "body": {"perUserMfaState": "enforced"}} for i in range(20)]
            r = emu.request("POST", "/beta/$batch", body={"requests": reqs})
            assert r.status == 200
            for it in sorted(r.json()["responses"], key=lambda x: int(x["id"])):
                if it["status"] == 204:
                    done += 1
                elif it["status"] == 429:
                    throttled += 1
                    retry = it["headers"]["Retry-After"]
                    assert it["headers"]["x-ms-throttle-information"] == "WriteLimitExceeded"
                    assert it["headers"]["x-ms-throttle-scope"] == \
                        "Tenant_Application/Write/%s/%s" % (h.CLIENT, h.TENANT)
            n += 1
        elapsed = time.monotonic() - t0
        assert throttled, "never throttled"
        assert 3000 <= done <= 3000 + 200 * elapsed + 20, (done, elapsed)
        assert 0 < float(retry) <= 1 / 200 + 0.001, retry  # one write refills in 5 ms
        assert emu.stats()["writes"] == done


def test_reports_and_ca_scopes():
    # time-scale 1: the reports bucket (5 / 10 s) refills one request per 2 s,
    # far slower than six requests take
    with h.Emulator("--users", 10) as emu:
        url = "/v1.0/reports/authenticationMethods/userRegistrationDetails"
        codes = [emu.request("GET", url).status for _ in range(6)]
        assert codes == [200] * 5 + [429], codes
        r = emu.request("GET", url)
        ra = float(r.headers["retry-after"])
        assert r.status == 429 and 0 < ra <= 2.0, ra
        assert r.headers["x-ms-throttle-scope"] == "Tenant_Application/Read/%s/%s" % (h.CLIENT, h.TENANT)
        time.sleep(ra)  # the bucket holds one request again after Retry-After
        assert emu.request("GET", url).status == 200
        ca = "/v1.0/identity/conditionalAccess/policies"
        assert emu.request("GET", ca).status == 200
        r = emu.request("GET", ca)
        assert r.status == 429 and "retry-after" not in r.headers  # CA gives no Retry-After
        assert r.headers["x-ms-throttle-scope"] == "Tenant/ReadWrite/%s/%s" % (h.CLIENT, h.TENANT)


def test_limits_off():
    with h.Emulator("--users", 10, "--limits", "off") as emu:
        url = "/v1.0/reports/authenticationMethods/userRegistrationDetails"
        assert all(emu.request("GET", url).status == 200 for _ in range(30))
        assert all(emu.request("GET", "/v1.0/identity/conditionalAccess/policies").status == 200 for _ in range(5))


if __name__ == "__main__":
    h.run([test_identity_budget_small_tenant, test_users_list_cost, test_write_quota_via_batch,
           test_reports_and_ca_scopes, test_limits_off])
