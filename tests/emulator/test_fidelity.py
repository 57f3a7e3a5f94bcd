"""Graph as it really is (issue 12): --state-select, per-endpoint
permissions and limited member objects, @odata.count on the first page
only, member paging, --empty-pages, innerError ids, client-request-id echo
and its count in the stats, documented costs, nextLinks from the request's
base URL."""
import json
import os
import re
import subprocess
import tempfile

import emu_harness as h

REQ = "/beta/users/%s/authentication/requirements"
GA = "62e90394-69f5-4237-9190-012177145e10"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ALL = ["User.Read.All", "Policy.Read.All", "AuditLog.Read.All", "Policy.ReadWrite.AuthenticationMethod",
       "Directory.Read.All", "User.ReadWrite.All", "GroupMember.Read.All", "RoleManagement.Read.Directory"]
OLD_DEFAULT = "User.Read.All,Policy.Read.All,AuditLog.Read.All,Policy.ReadWrite.AuthenticationMethod"


def collect(emu, url, headers=None):
    """Every item of a paged list and the size of each page."""
    items, sizes = [], []
    while url:
        page = emu.get_json(url, headers=headers)
        items += page["value"]
        sizes.append(len(page["value"]))
        url = page.get("@odata.nextLink")
        if not page["value"]:
            assert url or len(sizes) > 1, "an empty first page needs a nextLink"
    return items, sizes


class Fixture:
    """A --ca-fixture file: group g1 holds `members`, role r1 (Global
    Administrator) holds a user and a role-assignable group."""

    def __init__(self, members, role_members):
        self.dir = tempfile.TemporaryDirectory(prefix="emu-fx-")
        self.path = os.path.join(self.dir.name, "ca.json")
        with open(self.path, "w") as f:
            json.dump({"groups": [{"id": "g1", "displayName": "Scoped", "members": members}],
                       "directoryRoles": [{"id": "r1", "roleTemplateId": GA, "displayName": "Global Administrator",
                                           "members": role_members}]}, f)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.dir.cleanup()


def tenant_ids(n, seed=1):
    with h.Emulator("--users", n, "--seed", seed, "--limits", "off") as emu:
        return list(emu.state())


# ---- --state-select ----

def test_state_select_reject():
    sel = "/v1.0/users?$select=id,userPrincipalName,perUserMfaState&$top=999"
    with h.Emulator("--users", 30, "--state-select", "reject", "--limits", "off") as emu:
        uid = next(iter(emu.state()))
        for url in (sel, "/beta/users?$select=perUserMfaState", "/v1.0/users/%s?$select=id,perUserMfaState" % uid):
            r = emu.request("GET", url)
            assert r.status == 400, (url, r.status)
            err = r.json()["error"]
            assert err["code"] == "Request_BadRequest", err
            assert err["message"] == ("Could not find a property named 'perUserMfaState' on type "
                                      "'microsoft.graph.user'."), err
            assert set(err["innerError"]) == {"date", "request-id", "client-request-id"}, err
        # the same answer as any property user does not have
        r = emu.request("GET", "/v1.0/users?$select=id,noSuchThing")
        assert r.json()["error"]["code"] == "Request_BadRequest"
        assert r.json()["error"]["message"] == ("Could not find a property named 'noSuchThing' on type "
                                                "'microsoft.graph.user'.")
        # without the property the list is served, and the per-user read still works
        assert len(emu.get_json("/v1.0/users?$select=id,userPrincipalName&$top=999")["value"]) == 30
        assert emu.get_json(REQ % uid)["perUserMfaState"] == emu.state()[uid]


def test_state_select_drop_and_inline():
    sel = "/v1.0/users?$select=id,userPrincipalName,perUserMfaState&$top=999"
    for flags in (("--state-select", "drop"), ("--no-state-select",)):
        with h.Emulator("--users", 40, "--limits", "off", *flags) as emu:
            page = emu.get_json(sel)
            assert len(page["value"]) == 40
            assert all("perUserMfaState" not in u and u["userPrincipalName"] for u in page["value"]), flags
            one = emu.get_json("/v1.0/users/%s?$select=id,perUserMfaState" % page["value"][0]["id"])
            assert "perUserMfaState" not in one
    for flags in ((), ("--state-select", "inline")):
        with h.Emulator("--users", 40, "--limits", "off", *flags) as emu:
            state = emu.state()
            page = emu.get_json(sel)
            assert {u["id"]: u["perUserMfaState"] for u in page["value"]} == state, flags
    p = subprocess.run([h.EXE, "--state-select", "maybe", "--port", "0"], capture_output=True, text=True, timeout=20)
    assert p.returncode == 2 and "--state-select" in p.stderr, p.stderr
    p = subprocess.run([h.EXE, "--help"], capture_output=True, text=True, timeout=20)
    for flag in ("--state-select inline|drop|reject", "--no-state-select", "--member-page-size N",
                 "--empty-pages N"):
        assert flag in p.stdout, flag


# ---- permissions ----

def endpoints(uid):
    """(name, method, url, body, permissions that satisfy it)."""
    users = {"User.Read.All", "User.ReadWrite.All", "Directory.Read.All"}
    groups = {"GroupMember.Read.All", "Directory.Read.All"}
    roles = {"RoleManagement.Read.Directory", "Directory.Read.All"}
    return [
        ("users", "GET", "/v1.0/users?$top=5", None, users),
        ("user", "GET", "/v1.0/users/" + uid, None, users),
        ("requirements.get", "GET", REQ % uid, None,
         {"Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod", "Directory.Read.All"}),
        ("requirements.patch", "PATCH", REQ % uid, {"perUserMfaState": "enforced"},
         {"Policy.ReadWrite.AuthenticationMethod"}),
        ("registration", "GET", "/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=5", None,
         {"AuditLog.Read.All", "Directory.Read.All"}),
        ("ca", "GET", "/v1.0/identity/conditionalAccess/policies", None, {"Policy.Read.All", "Directory.Read.All"}),
        ("securityDefaults", "GET", "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy", None,
         {"Policy.Read.All", "Directory.Read.All"}),
        ("transitiveMembers", "GET", "/v1.0/groups/g1/transitiveMembers", None, groups),
        ("members", "GET", "/v1.0/groups/g1/members", None, groups),
        ("directoryRoles", "GET", "/v1.0/directoryRoles", None, roles),
        ("roleMembers", "GET", "/v1.0/directoryRoles/r1/members", None, roles),
        ("roleMembers.template", "GET", "/v1.0/directoryRoles/roleTemplateId=%s/members" % GA, None, roles),
        ("roleMembers.alternateKey", "GET", "/v1.0/directoryRoles(roleTemplateId='%s')/members" % GA, None, roles),
    ]


def test_each_endpoint_needs_its_permission():
    ids = tenant_ids(20)
    eps = endpoints(ids[0])
    with Fixture([ids[1]], [ids[2]]) as fx:
        def answer(perms, ep):
            _, method, url, body, _ = ep
            with h.Emulator("--users", 20, "--limits", "off", "--ca-fixture", fx.path,
                            "--app-permissions", ",".join(perms)) as emu:
                return emu.request(method, url, body=body)

        for ep in eps:
            name, _, _, _, ok = ep
            without = [p for p in ALL if p not in ok]
            r = answer(without, ep)
            assert r.status == 403, (name, without, r.status)
            assert r.json()["error"]["code"] == "Authorization_RequestDenied", name
            for perm in sorted(ok):  # each permission that satisfies it, alone
                r = answer([perm], ep)
                assert r.status in (200, 204), (name, perm, r.status, r.body[:200])
        # Directory.Read.All satisfies every read, never the write
        for name, method, url, body, _ in eps:
            r = answer(["Directory.Read.All"], (name, method, url, body, None))
            assert r.status == (403 if method == "PATCH" else 200), (name, r.status)
        # the old default set (README before issue 12) reads no members any more
        with h.Emulator("--users", 20, "--limits", "off", "--ca-fixture", fx.path) as emu:
            for name, method, url, body, _ in eps:
                want = 403 if name.startswith(("transitiveMembers", "members", "directoryRoles", "roleMembers")) else None
                r = emu.request(method, url, body=body)
                if want:
                    assert r.status == want, (name, r.status)
                else:
                    assert r.status in (200, 204), (name, r.status)
            assert emu.request("GET", "/_emulator/config", token=False).status == 200


def test_members_the_app_may_not_read():
    ids = tenant_ids(20)
    group = {"@odata.type": "#microsoft.graph.group", "id": "ng", "displayName": "Nested"}
    rgroup = {"@odata.type": "#microsoft.graph.group", "id": "rg", "displayName": "Role group"}
    with Fixture([ids[0], group], [ids[1], rgroup]) as fx:
        def served(perms, url):
            with h.Emulator("--users", 20, "--limits", "off", "--ca-fixture", fx.path,
                            "--app-permissions", perms) as emu:
                return emu.get_json(url)["value"]

        # GroupMember.Read.All alone: users as id + @odata.type only, groups whole
        m = served("GroupMember.Read.All", "/v1.0/groups/g1/transitiveMembers")
        assert m[0] == {"@odata.type": "#microsoft.graph.user", "id": ids[0]}, m[0]
        assert m[1] == group, m[1]
        # RoleManagement.Read.Directory alone: both limited
        m = served("RoleManagement.Read.Directory", "/v1.0/directoryRoles/r1/members")
        assert m == [{"@odata.type": "#microsoft.graph.user", "id": ids[1]},
                     {"@odata.type": "#microsoft.graph.group", "id": "rg"}], m
        # with User.Read.All the user is whole, the group still limited
        m = served("RoleManagement.Read.Directory,User.Read.All", "/v1.0/directoryRoles/r1/members")
        assert m[0]["id"] == ids[1] and m[0]["userPrincipalName"] and m[0]["displayName"] is not None, m[0]
        assert m[1] == {"@odata.type": "#microsoft.graph.group", "id": "rg"}, m[1]
        # Directory.Read.All reads every type
        m = served("Directory.Read.All", "/v1.0/directoryRoles/r1/members")
        assert m[0]["userPrincipalName"] and m[1] == rgroup, m
    # the generated Global Administrators (no fixture) follow the same rule
    with h.Emulator("--users", 1000, "--limits", "off", "--app-permissions", "RoleManagement.Read.Directory") as emu:
        m = emu.get_json("/v1.0/directoryRoles/roleTemplateId=%s/members" % GA)["value"]
        assert len(m) > 5 and all(set(x) == {"@odata.type", "id"} for x in m), m[:2]


# ---- paging ----

def test_count_on_first_page_only():
    ev = {"ConsistencyLevel": "eventual"}
    with h.Emulator("--users", 250, "--limits", "off") as emu:
        url, pages = "/v1.0/users?$count=true&$top=100&$select=id", []
        while url:
            page = emu.get_json(url, headers=ev)
            pages.append(page)
            url = page.get("@odata.nextLink")
        assert len(pages) == 3
        assert pages[0]["@odata.count"] == 250
        assert all("@odata.count" not in p for p in pages[1:]), [list(p) for p in pages]


def test_member_paging():
    ids = tenant_ids(300)
    with Fixture(ids[:250], ids[250:]) as fx:
        with h.Emulator("--users", 300, "--limits", "off", "--ca-fixture", fx.path,
                        "--app-permissions", "GroupMember.Read.All,RoleManagement.Read.Directory,User.Read.All") as emu:
            whole = [m["id"] for m in emu.get_json("/v1.0/groups/g1/transitiveMembers?$top=999")["value"]]
            assert whole == ids[:250]
            items, sizes = collect(emu, "/v1.0/groups/g1/transitiveMembers")  # Graph's default: 100
            assert [m["id"] for m in items] == whole and sizes == [100, 100, 50], sizes
            items, sizes = collect(emu, "/v1.0/groups/g1/members?$top=7&$select=id,userPrincipalName")
            assert [m["id"] for m in items] == whole and len(sizes) == 36 and max(sizes) == 7, sizes
            first = emu.get_json("/v1.0/groups/g1/transitiveMembers?$top=7")
            assert first["@odata.nextLink"].startswith(emu.base + "/v1.0/groups/g1/transitiveMembers?")
            items, sizes = collect(emu, "/v1.0/directoryRoles(roleTemplateId='%s')/members?$top=20" % GA)
            assert [m["id"] for m in items] == ids[250:] and sizes == [20, 20, 10], sizes
            for bad in ("0", "1000", "x"):
                assert emu.request("GET", "/v1.0/groups/g1/transitiveMembers?$top=" + bad).status == 400, bad
            r = emu.request("GET", "/v1.0/groups/g1/transitiveMembers?$skiptoken=RFNwdAIAforged")
            assert r.status == 400 and r.json()["error"]["code"] == "Directory_ExpiredPageToken"
        with h.Emulator("--users", 300, "--limits", "off", "--ca-fixture", fx.path, "--member-page-size", "30",
                        "--app-permissions", "GroupMember.Read.All,RoleManagement.Read.Directory") as emu:
            items, sizes = collect(emu, "/v1.0/groups/g1/transitiveMembers")
            assert [m["id"] for m in items] == ids[:250] and sizes == [30] * 8 + [10], sizes
    # the generated Global Administrators page too
    with h.Emulator("--users", 2000, "--limits", "off", "--member-page-size", "5",
                    "--app-permissions", "RoleManagement.Read.Directory,AuditLog.Read.All") as emu:
        admins = {r["id"] for r in collect(emu, "/v1.0/reports/authenticationMethods/userRegistrationDetails")[0]
                  if r["isAdmin"]}
        items, sizes = collect(emu, "/v1.0/directoryRoles/roleTemplateId=%s/members" % GA)
        got = [m["id"] for m in items]
        assert len(admins) > 10 and sorted(got) == sorted(admins) and len(got) == len(set(got))
        assert max(sizes) == 5 and len(sizes) >= len(admins) // 5, sizes


def test_empty_pages():
    def run(seed, n_empty):
        with h.Emulator("--users", 450, "--seed", seed, "--limits", "off", "--empty-pages", n_empty) as emu:
            want = set(emu.state())
            out = {}
            for name, url in (("users", "/v1.0/users?$select=id&$top=100"),
                              ("registration", "/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=100")):
                items, sizes = collect(emu, url)
                got = [u["id"] for u in items]
                assert len(got) == len(want) and set(got) == want, name  # every user exactly once
                assert sizes.count(0) == n_empty, (name, sizes)
                assert [s for s in sizes if s] == [100] * 4 + [50], (name, sizes)
                out[name] = sizes
            # $count is on the first page, empty or not, and on no other
            ev = {"ConsistencyLevel": "eventual"}
            url, counted = "/v1.0/users?$count=true&$top=100&$select=id", []
            while url:
                page = emu.get_json(url, headers=ev)
                counted.append("@odata.count" in page)
                url = page.get("@odata.nextLink")
            assert counted == [True] + [False] * (len(counted) - 1) and len(counted) == 5 + n_empty
            return out

    a = run(1, 3)
    assert a == run(1, 3)  # seeded places: the same on every run
    seen = {tuple(a["users"])}
    for seed in (2, 3, 4, 5):
        seen.add(tuple(run(seed, 3)["users"]))
    assert len(seen) > 1, seen  # and the places move with the seed
    run(1, 6)
    ids = tenant_ids(120)
    with Fixture(ids, ids[:3]) as fx:
        with h.Emulator("--users", 120, "--limits", "off", "--ca-fixture", fx.path, "--empty-pages", "2",
                        "--app-permissions", "GroupMember.Read.All,RoleManagement.Read.Directory") as emu:
            items, sizes = collect(emu, "/v1.0/groups/g1/transitiveMembers?$top=50")
            assert [m["id"] for m in items] == ids and sizes.count(0) == 2, sizes
            items, sizes = collect(emu, "/v1.0/directoryRoles/r1/members")
            assert [m["id"] for m in items] == ids[:3] and sizes.count(0) == 2, sizes


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


# ---- costs ----

def test_costs():
    ids = tenant_ids(30)
    with Fixture(ids[:25], ids[25:]) as fx:
        with h.Emulator("--users", 30, "--ca-fixture", fx.path,
                        "--app-permissions", "Directory.Read.All,Policy.ReadWrite.AuthenticationMethod") as emu:
            cases = [
                ("/v1.0/groups/g1/transitiveMembers", 5),
                ("/v1.0/groups/g1/transitiveMembers?$select=id", 4),
                ("/v1.0/groups/g1/transitiveMembers?$top=19", 4),
                ("/v1.0/groups/g1/transitiveMembers?$top=20", 5),
                ("/v1.0/groups/g1/transitiveMembers?$select=id,userPrincipalName&$top=5", 3),
                ("/v1.0/groups/g1/transitiveMembers?$select=id,userPrincipalName&$top=999", 4),
                ("/v1.0/groups/g1/members", 3),
                ("/v1.0/groups/g1/members?$top=5", 2),
                ("/v1.0/users", 2),
                ("/v1.0/users?$top=5", 1),
                ("/v1.0/users?$top=5&$select=id", 1),
                ("/v1.0/directoryRoles/r1/members", 1),
                (REQ % ids[0], 1),
            ]
            for url, ru in cases:
                r = emu.request("GET", url)
                assert r.status == 200, (url, r.status)
                assert r.headers["x-ms-resource-unit"] == str(ru), (url, r.headers["x-ms-resource-unit"], ru)
            r = emu.request("POST", "/v1.0/$batch", body={"requests": [
                {"id": "1", "method": "GET", "url": "/groups/g1/transitiveMembers"},
                {"id": "2", "method": "GET", "url": "/groups/g1/members?$top=3"}]})
            by = {x["id"]: x for x in r.json()["responses"]}
            assert by["1"]["headers"]["x-ms-resource-unit"] == "5" and by["2"]["headers"]["x-ms-resource-unit"] == "2"
            assert r.headers["x-ms-resource-unit"] == "7"
        # the budget is charged what the header says: 3,500 RU (< 50 users) = 700 transitiveMembers reads
        # (--time-scale 0.001: a 10,000 s window, so nothing comes back while the loop runs)
        with h.Emulator("--users", 30, "--ca-fixture", fx.path, "--app-permissions", "GroupMember.Read.All",
                        "--time-scale", "0.001") as emu:
            ok = 0
            while emu.request("GET", "/v1.0/groups/g1/transitiveMembers").status == 200:
                ok += 1
                assert ok <= 700
            assert ok == 700, ok


def test_next_link_base_url():
    with h.Emulator("--users", 30, "--limits", "off") as emu:
        page = emu.get_json("/v1.0/users?$top=10&$select=id", headers={"Host": "graph.example.test:8443"})
        link = page["@odata.nextLink"]
        assert link.startswith("http://graph.example.test:8443/v1.0/users?"), link
        assert "%24select=id" in link or "$select=id" in link, link
        page = emu.get_json(link)
        assert len(page["value"]) == 10


if __name__ == "__main__":
    h.run([test_state_select_reject, test_state_select_drop_and_inline, test_each_endpoint_needs_its_permission,
           test_members_the_app_may_not_read, test_count_on_first_page_only, test_member_paging, test_empty_pages,
           test_inner_error_and_echo, test_client_request_ids_in_stats, test_costs, test_next_link_base_url])
