"""Graph as it really is (issue 12): innerError ids, client-request-id
echo and its count in the stats."""
import re

import emu_harness as h

REQ = "/beta/users/%s/authentication/requirements"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


# ---- innerError, client-request-id ----

def check_inner(r, crid=None):
    inner = r.json()["error"]["innerError"]
    assert set(inner) == {"date", "request-id", "client-request-id"}, inner
    assert ISO.match(inner["date"]), inner
    assert GUID.match(inner["request-id"]), inner
    assert inner["request-id"] == r.headers["request-id"], (inner, r.headers)
    assert inner["client-request-id"] == r.headers["client-request-id"], (inner, r.headers)
    if crid:
        assert inner["client-request-id"] == crid
    else:
        assert GUID.match(inner["client-request-id"]), inner
    return inner


def test_inner_error_and_echo():
    crid = "3a5c8e1f-0b2d-4c6e-9f8a-1b2c3d4e5f60"
    with h.Emulator("--users", 20, "--limits", "off", "--app-permissions", "User.Read.All") as emu:
        uid = next(iter(emu.state()))
        errors = [("GET", "/v1.0/users/nobody"), ("GET", "/v1.0/users?$top=0"), ("GET", REQ % uid),
                  ("GET", "/v1.0/nothing")]
        for method, url in errors:
            r = emu.request(method, url, headers={"client-request-id": crid})
            assert r.status >= 400
            check_inner(r, crid)
            r = emu.request(method, url)
            a = check_inner(r)
            b = check_inner(emu.request(method, url))
            assert a["request-id"] != b["request-id"] and a["client-request-id"] != b["client-request-id"]
        r = emu.request("GET", "/v1.0/users", token=False, headers={"client-request-id": crid})
        assert r.status == 401
        check_inner(r, crid)
        # every answer echoes it, successes too
        r = emu.request("GET", "/v1.0/users?$top=1", headers={"client-request-id": crid})
        assert r.status == 200 and r.headers["client-request-id"] == crid
        assert GUID.match(r.headers["request-id"])
        r = emu.request("GET", "/v1.0/users?$top=1")
        assert GUID.match(r.headers["client-request-id"])
        # a $batch item's error carries its own ids
        r = emu.request("POST", "/beta/$batch", headers={"client-request-id": crid},
                        body={"requests": [{"id": "1", "method": "GET", "url": "/users/nobody"}]})
        assert r.status == 200 and r.headers["client-request-id"] == crid
        inner = r.json()["responses"][0]["body"]["error"]["innerError"]
        assert ISO.match(inner["date"]) and GUID.match(inner["request-id"]) and inner["client-request-id"]
    # injected faults carry them too
    with h.Emulator("--users", 20, "--fail-5xx", "1") as emu:
        r = emu.request("GET", "/v1.0/users", headers={"client-request-id": crid})
        assert r.status >= 500
        check_inner(r, crid)


def test_client_request_ids_in_stats():
    with h.Emulator("--users", 20, "--limits", "off", "--fail-429", "0.5", "--seed", 4) as emu:
        emu.token()
        for i in range(7):
            emu.request("GET", "/v1.0/users?$top=1", headers={"client-request-id": "c-%d" % i})
        for _ in range(3):
            emu.request("GET", "/v1.0/users?$top=1")
        emu.request("POST", "/beta/$batch", headers={"client-request-id": "batch"},
                    body={"requests": [{"id": str(i), "method": "GET", "url": "/users?$top=1"} for i in range(5)]})
        emu.request("GET", "/v1.0/users", token=False, headers={"client-request-id": "no-token"})
        s = emu.stats()
        assert s["faults"]["429"] > 0  # faulted requests are counted as well
        assert s["clientRequestIds"] == 9, s  # 7 + the batch envelope + the 401; not the token request
        assert s["graphRequests"] == 12, s
        emu.request("POST", "/_emulator/reset", token=False)
        s = emu.stats()
        assert s["clientRequestIds"] == 0 and s["graphRequests"] == 0, s


if __name__ == "__main__":
    h.run([test_inner_error_and_echo, test_client_request_ids_in_stats])
