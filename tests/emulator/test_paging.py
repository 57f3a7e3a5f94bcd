"""Paging returns every user exactly once at any $top; $top bounds; $filter;
$count; registration details paging; the fast-path switch."""
import emu_harness as h


def collect(emu, url, headers=None):
    ids, pages = [], 0
    while url:
        page = emu.get_json(url, headers=headers)
        ids += [u["id"] for u in page["value"]]
        url = page.get("@odata.nextLink")
        pages += 1
    return ids, pages


def test_every_user_once_at_any_top():
    with h.Emulator("--users", 2345, "--limits", "off") as emu:
        want = set(emu.state())
        assert len(want) == 2345
        for top in (1, 7, 100, 999):
            ids, pages = collect(emu, "/v1.0/users?$select=id,userPrincipalName&$top=%d" % top)
            assert len(ids) == len(want), (top, len(ids))
            assert set(ids) == want, top
            assert pages == -(-2345 // top), (top, pages)
        ids, _ = collect(emu, "/beta/users")  # default page size, beta
        assert sorted(ids) == sorted(want)


def test_top_bounds_and_bad_skiptoken():
    with h.Emulator("--users", 10) as emu:
        for bad in ("0", "1000", "-1", "abc"):
            r = emu.request("GET", "/v1.0/users?$top=" + bad)
            assert r.status == 400, (bad, r.status)
        assert emu.request("GET", "/v1.0/users?$top=999").status == 200
        r = emu.request("GET", "/v1.0/users?$skiptoken=RFNwdAIAforged")
        assert r.status == 400


def test_filter_and_count():
    with h.Emulator("--users", 600, "--limits", "off") as emu:
        users = emu.get_json("/v1.0/users?$select=id,userPrincipalName,userType&$top=999")["value"]
        guest = next(u for u in users if "#EXT#" in u["userPrincipalName"])
        assert guest["userType"] == "Guest"
        page = emu.get_json("/v1.0/users?$filter=" + h.q("userPrincipalName eq '%s'" % guest["userPrincipalName"]))
        assert [u["id"] for u in page["value"]] == [guest["id"]]
        page = emu.get_json("/v1.0/users?$filter=" + h.q("id eq '%s'" % users[3]["id"]))
        assert [u["id"] for u in page["value"]] == [users[3]["id"]]
        page = emu.get_json("/v1.0/users?$filter=" + h.q("id eq 'no-such-user'"))
        assert page["value"] == []
        guests = sum(1 for u in users if u["userType"] == "Guest")
        ids, _ = collect(emu, "/v1.0/users?$top=50&$filter=" + h.q("userType eq 'Guest'"))
        assert len(ids) == guests
        r = emu.request("GET", "/v1.0/users?$count=true")
        assert r.status == 400  # $count needs ConsistencyLevel: eventual
        ev = {"ConsistencyLevel": "eventual"}
        page = emu.get_json("/v1.0/users?$count=true&$top=5", headers=ev)
        assert page["@odata.count"] == 600
        assert emu.request("GET", "/v1.0/users/$count", headers=ev).body == "600"
        assert emu.request("GET", "/v1.0/users?$select=nosuchprop").status == 400


def test_fast_path_switch():
    sel = "/v1.0/users?$select=id,userPrincipalName,perUserMfaState&$top=999"
    with h.Emulator("--users", 300, "--limits", "off") as emu:
        state = emu.state()
        ids, rows = set(), 0
        url = sel
        while url:
            page = emu.get_json(url)
            for u in page["value"]:
                assert u["perUserMfaState"] == state[u["id"]]
                rows += 1
            url = page.get("@odata.nextLink")
        assert rows == 300
        assert {"disabled", "enabled", "enforced"} <= set(state.values())
    with h.Emulator("--users", 300, "--no-state-select") as emu:
        page = emu.get_json(sel)
        assert len(page["value"]) == 300
        assert all("perUserMfaState" not in u for u in page["value"])
        # the per-user read still works
        r = emu.get_json("/beta/users/%s/authentication/requirements" % page["value"][0]["id"])
        assert r["perUserMfaState"] in ("disabled", "enabled", "enforced")


def test_registration_paging_and_licence():
    with h.Emulator("--users", 1000, "--registration-page-size", 333, "--limits", "off") as emu:
        url = "/v1.0/reports/authenticationMethods/userRegistrationDetails"
        ids, pages = collect(emu, url)
        assert pages == 4 and len(ids) == 1000 and set(ids) == set(emu.state())
        page = emu.get_json(url)
        regs = page["value"]
        assert any(r["isMfaRegistered"] for r in regs) and any(not r["isMfaRegistered"] for r in regs)
        assert any(r["isAdmin"] for r in regs)
        assert all(set(r["methodsRegistered"]) <= {
            "mobilePhone", "alternateMobilePhone", "officePhone", "email",
            "microsoftAuthenticatorPush", "microsoftAuthenticatorPasswordless",
            "softwareOneTimePasscode", "hardwareOneTimePasscode", "fido2SecurityKey",
            "windowsHelloForBusiness", "temporaryAccessPass", "passKeyDeviceBound",
            "passKeyDeviceBoundAuthenticator", "passKeyDeviceBoundWindowsHello",
            "macOsSecureEnclaveKey", "securityQuestion"} for r in regs)
        assert emu.get_json("/beta/reports/authenticationMethods/userRegistrationDetails")["value"]
    with h.Emulator("--users", 10, "--no-registration-license") as emu:
        r = emu.request("GET", "/v1.0/reports/authenticationMethods/userRegistrationDetails")
        assert r.status == 403, r.status
        assert r.json()["error"]["code"] == "Authentication_RequestFromNonPremiumTenantOrB2CTenant"


def test_deterministic_tenant():
    with h.Emulator("--users", 200, "--seed", 42) as a, h.Emulator("--users", 200, "--seed", 42) as b, \
            h.Emulator("--users", 200, "--seed", 43) as c:
        sa, sb, sc = (e.request("GET", "/_emulator/export", token=False).body for e in (a, b, c))
        assert sa == sb
        assert sa != sc


if __name__ == "__main__":
    h.run([test_every_user_once_at_any_top, test_top_bounds_and_bad_skiptoken, test_filter_and_count,
           test_fast_path_switch, test_registration_paging_and_licence, test_deterministic_tenant])
