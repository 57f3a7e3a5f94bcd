"""graph-emulator: the managed identity endpoints (issue 12 item 7).

IMDS  GET /metadata/identity/oauth2/token  (Metadata: true)
App Service / Container Apps  GET /msi/token  (X-IDENTITY-HEADER, --identity-header)

usage: test_identity.py PATH-TO-graph-emulator [test names]
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emu_harness  # noqa: E402
from emu_harness import CLIENT, Emulator, q  # noqa: E402

GRAPH = "https://graph.microsoft.com/"
IMDS = "/metadata/identity/oauth2/token"
MSI = "/msi/token"
HEADER = "s3cr3t-identity-header-value"


def imds(emu, query=None, headers=None):
    query = {"api-version": "2018-02-01", "resource": GRAPH} if query is None else query
    path = IMDS + "?" + "&".join("%s=%s" % (k, q(v)) for k, v in query.items())
    return emu.request("GET", path, headers={"Metadata": "true"} if headers is None else headers,
                       token=False)


def msi(emu, query=None, header=HEADER):
    query = {"resource": GRAPH, "api-version": "2019-08-01"} if query is None else query
    path = MSI + "?" + "&".join("%s=%s" % (k, q(v)) for k, v in query.items())
    return emu.request("GET", path, headers={} if header is None else {"X-IDENTITY-HEADER": header},
                       token=False)


def graph_ok(emu, token):
    r = emu.request("GET", "/v1.0/users?$top=5", token=token)
    assert r.status == 200, (r.status, r.body[:300])


def test_imds_token():
    with Emulator("--users", 20, "--token-ttl", 1800) as emu:
        t0 = time.time()
        r = imds(emu)
        assert r.status == 200, r.body
        j = r.json()
        assert set(j) == {"access_token", "client_id", "expires_in", "expires_on", "ext_expires_in",
                          "not_before", "resource", "token_type"}, j
        for k in ("expires_in", "expires_on", "ext_expires_in", "not_before"):
            assert isinstance(j[k], str) and j[k].isdigit(), (k, j[k])
        assert j["expires_in"] == "1800" and j["ext_expires_in"] == "1800"
        assert abs(int(j["expires_on"]) - (t0 + 1800)) <= 2, j["expires_on"]
        assert abs(int(j["not_before"]) - t0) <= 2
        assert j["resource"] == GRAPH and j["token_type"] == "Bearer" and j["client_id"] == CLIENT
        graph_ok(emu, j["access_token"])
        by = emu.stats()["byEndpoint"]
        assert by["imds"] == {"200": 1}, by
        assert "token" not in by, by


def test_imds_user_assigned():
    with Emulator("--users", 5) as emu:
        assert imds(emu, {"api-version": "2018-02-01", "resource": GRAPH, "client_id": CLIENT}).status == 200
        assert imds(emu, {"api-version": "2021-02-01", "resource": GRAPH[:-1],
                          "msi_res_id": "/subscriptions/x/resourceGroups/rg/providers/"
                                        "Microsoft.ManagedIdentity/userAssignedIdentities/mi"}).status == 200
        r = imds(emu, {"api-version": "2018-02-01", "resource": GRAPH,
                       "client_id": "00000000-0000-0000-0000-000000000001"})
        assert r.status == 400 and r.json() == {"error": "invalid_request",
                                                "error_description": "Identity not found"}, r.body
        r = imds(emu, {"api-version": "2018-02-01", "resource": GRAPH, "client_id": CLIENT,
                       "object_id": "0f3c1a2b-0000-4000-8000-000000000001"})
        assert r.status == 400 and r.json()["error"] == "invalid_request", r.body


def test_imds_refusals():
    with Emulator("--users", 5) as emu:
        for headers in ({}, {"Metadata": "True"}, {"Metadata": "false"}):
            r = imds(emu, headers=headers)
            assert r.status == 400, (headers, r.status)
            assert r.json() == {"error": "invalid_request",
                                "error_description": "Required metadata header not specified"}, r.body
        r = imds(emu, {"resource": GRAPH})
        assert r.status == 400 and "api-version" in r.json()["error_description"], r.body
        r = imds(emu, {"api-version": "2017-09-01", "resource": GRAPH})
        assert r.status == 400 and r.json()["error"] == "invalid_request", r.body
        r = imds(emu, {"api-version": "2018-02-01"})
        assert r.status == 400 and r.json() == {
            "error": "invalid_request",
            "error_description": "Required audience parameter not specified"}, r.body
        r = imds(emu, {"api-version": "2018-02-01", "resource": "https://management.azure.com/"})
        assert r.status == 400 and r.json()["error"] == "invalid_resource", r.body
        assert r.json()["error_description"].startswith("AADSTS500011:"), r.body
        assert emu.stats()["byEndpoint"]["imds"] == {"400": 7}, emu.stats()


def test_msi_token():
    with Emulator("--users", 20, "--identity-header", HEADER, "--token-ttl", 900) as emu:
        t0 = time.time()
        r = msi(emu)
        assert r.status == 200, r.body
        j = r.json()
        assert set(j) == {"access_token", "expires_on", "resource", "token_type", "client_id"}, j
        assert isinstance(j["expires_on"], str) and abs(int(j["expires_on"]) - (t0 + 900)) <= 2, j
        assert j["resource"] == GRAPH and j["token_type"] == "Bearer" and j["client_id"] == CLIENT
        graph_ok(emu, j["access_token"])
        assert msi(emu, {"resource": GRAPH, "api-version": "2019-08-01", "client_id": CLIENT}).status == 200
        by = emu.stats()["byEndpoint"]
        assert by["msi"] == {"200": 2} and "token" not in by and "imds" not in by, by


def test_msi_refusals():
    with Emulator("--users", 5, "--identity-header", HEADER) as emu:
        for header in (None, "", "wrong", HEADER + "x", HEADER[:-1]):
            r = msi(emu, header=header)
            assert r.status == 401, (header, r.status, r.body)
            j = r.json()
            assert j["statusCode"] == 401 and "X-IDENTITY-HEADER" in j["message"] and j["correlationId"], j
            assert HEADER not in r.body
        r = msi(emu, {"resource": "https://vault.azure.net", "api-version": "2019-08-01"})
        assert r.status == 400 and r.json()["message"].startswith("AADSTS500011:"), r.body
        r = msi(emu, {"api-version": "2019-08-01"})
        assert r.status == 400 and r.json()["statusCode"] == 400, r.body
        r = msi(emu, {"resource": GRAPH, "api-version": "2017-09-01"})
        assert r.status == 400, r.body
        r = msi(emu, {"resource": GRAPH, "api-version": "2019-08-01",
                      "client_id": "00000000-0000-0000-0000-000000000001"})
        assert r.status == 400 and "Managed Identity" in r.json()["message"], r.body


def test_msi_off_without_flag():
    with Emulator("--users", 5) as emu:
        r = msi(emu, header="anything")
        assert r.status == 404 and "--identity-header" in r.json()["message"], r.body


def test_mi_token_carries_app_permissions():
    with Emulator("--users", 5, "--app-permissions", "User.Read.All", "--identity-header", HEADER) as emu:
        users = emu.get_json("/v1.0/users?$top=1", token=imds(emu).json()["access_token"])["value"]
        for tok in (imds(emu).json()["access_token"], msi(emu).json()["access_token"]):
            r = emu.request("GET", "/beta/users/%s/authentication/requirements" % users[0]["id"], token=tok)
            assert r.status == 403, (r.status, r.body)


def test_mi_outside_faults_and_throttling():
    with Emulator("--users", 5, "--fail-5xx", "1", "--identity-header", HEADER) as emu:
        for _ in range(25):
            assert imds(emu).status == 200
            assert msi(emu).status == 200
        s = emu.stats()
        assert s["byEndpoint"]["imds"] == {"200": 25} and s["byEndpoint"]["msi"] == {"200": 25}, s
        assert s["throttled"] == 0, s


def test_mi_token_expires():
    with Emulator("--users", 5, "--token-ttl", 1, "--identity-header", HEADER) as emu:
        toks = [imds(emu).json()["access_token"], msi(emu).json()["access_token"]]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            r = emu.request("GET", "/v1.0/users?$top=1", token=toks[0])
            if r.status == 401:
                break
            time.sleep(0.1)
        for tok in toks:
            r = emu.request("GET", "/v1.0/users?$top=1", token=tok)
            assert r.status == 401 and "expired" in r.body, r.body


if __name__ == "__main__":
    emu_harness.run([test_imds_token, test_imds_user_assigned, test_imds_refusals, test_msi_token,
                     test_msi_refusals, test_msi_off_without_flag, test_mi_token_carries_app_permissions,
                     test_mi_outside_faults_and_throttling, test_mi_token_expires])
