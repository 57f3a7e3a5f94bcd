"""userPrincipalName ranges in a /users $filter (issue 12): ge, le, and
two of them joined by `and`, compared ordinally on the UTF-8 bytes with
ASCII letters lowercased; paged with checked skiptokens, the nextLink
keeping the filter; --no-upn-range-filter answers them 400; every other
filter form keeps its 400."""
import csv
import os
import tempfile

import emu_harness as h


def key(upn):
    return upn.encode("utf-8").lower()  # bytes.lower folds ASCII only


def upns(emu):
    r = emu.request("GET", "/_emulator/state", token=False)
    rows = list(csv.reader(r.body.strip().split("\n")[1:]))
    return {row[0]: row[1] for row in rows}


def listing(emu, flt, top=7):
    """{id: upn} of a filtered users list followed by its nextLinks, the
    pages it took and whether any id came twice."""
    url = "/v1.0/users?$select=id,userPrincipalName&$top=%d&$filter=%s" % (top, h.q(flt))
    seen, pages, twice = {}, 0, False
    while url:
        page = emu.get_json(url)
        pages += 1
        for u in page["value"]:
            twice = twice or u["id"] in seen
            seen[u["id"]] = u["userPrincipalName"]
        url = page.get("@odata.nextLink")
        if url:
            assert "userPrincipalName" in h.urllib.parse.unquote(url), url
    assert not twice
    return seen, pages


def crafted_tenant(directory):
    """UPNs that sort oddly: case, punctuation, an apostrophe, non-ASCII."""
    names = ["alice@x.example", "Bob@x.example", "b@x.example", "BETA@x.example", "c'o@x.example",
             "d@x.example", "D.zed@x.example", "_under@x.example", "~tilde@x.example", "zoe@x.example",
             "\u00e9lodie@x.example", "\u00c9mile@x.example", "0zero@x.example", "b'@x.example"]
    path = os.path.join(directory, "users.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "userPrincipalName", "displayName", "userType", "accountEnabled", "perUserMfaState"])
        for i, n in enumerate(names):
            w.writerow(["00000000-0000-4000-8000-%012d" % i, n, n, "member", "true", "disabled"])
    return path, names


def lit(s):
    return "'" + s.replace("'", "''") + "'"


def test_ranges_generated_tenant():
    with h.Emulator("--users", 300, "--limits", "off") as emu:
        everyone = upns(emu)
        got, pages = listing(emu, "userPrincipalName ge 'b' and userPrincipalName le 'd'")
        want = {i: u for i, u in everyone.items() if b"b" <= key(u) <= b"d"}
        assert want and len(want) < len(everyone) and got == want, (len(got), len(want))
        assert pages > 1, pages
        # case-insensitive: the same range in capitals
        assert listing(emu, "userPrincipalName ge 'B' and userPrincipalName le 'D'")[0] == want
        # closed ranges around a boundary that is a user's UPN cover everyone, that user twice
        b = sorted(everyone.values(), key=key)[len(everyone) // 2]
        low = listing(emu, "userPrincipalName le %s" % lit(b))[0]
        high = listing(emu, "userPrincipalName ge %s" % lit(b))[0]
        assert set(low) | set(high) == set(everyone)
        assert {everyone[i] for i in set(low) & set(high)} == {b}
        # counted apart in the stats
        by = emu.stats()["byEndpoint"]
        assert by["usersRange"]["200"] >= pages, by
        # the order of clauses does not matter
        assert listing(emu, "userPrincipalName le 'd' and userPrincipalName ge 'b'")[0] == want


def test_ranges_odd_upns():
    with tempfile.TemporaryDirectory(prefix="emu-upn-") as d:
        path, names = crafted_tenant(d)
        with h.Emulator("--tenant-csv", path, "--limits", "off") as emu:
            everyone = upns(emu)
            assert sorted(everyone.values()) == sorted(names)
            for lo, hi in [("b", "d"), ("b'", "c'o@x.example"), ("BETA@x.example", "d@x.example"),
                           ("_", "\u00e9"), ("0", "~")]:
                got = listing(emu, "userPrincipalName ge %s and userPrincipalName le %s" % (lit(lo), lit(hi)),
                              top=2)[0]
                want = {i: u for i, u in everyone.items() if key(lo) <= key(u) <= key(hi)}
                assert got == want, (lo, hi, sorted(got.values()), sorted(want.values()))
            # non-ASCII bytes sort after every ASCII one, unfolded
            got = listing(emu, "userPrincipalName ge '~'")[0]
            assert sorted(got.values()) == sorted(["~tilde@x.example", "\u00e9lodie@x.example",
                                                   "\u00c9mile@x.example"]), got


def test_range_paging_checked():
    with h.Emulator("--users", 100, "--limits", "off") as emu:
        r = emu.request("GET", "/v1.0/users?$top=5&$filter=%s&$skiptoken=RFNwdAIAforged"
                        % h.q("userPrincipalName ge 'a'"))
        assert r.status == 400 and "Directory_ExpiredPageToken" in r.body, (r.status, r.body)
        # --empty-pages: still every user of the range once
        everyone = upns(emu)
    with h.Emulator("--users", 100, "--limits", "off", "--empty-pages", "3") as emu:
        got = listing(emu, "userPrincipalName ge 'c' and userPrincipalName le 'm'", top=9)[0]
        assert got == {i: u for i, u in everyone.items() if b"c" <= key(u) <= b"m"}


def test_other_forms_refused():
    with h.Emulator("--users", 20, "--limits", "off") as emu:
        for flt in ["id ge 'a'", "userType eq 'Member' and accountEnabled eq true",
                    "userPrincipalName gt 'a'", "userPrincipalName ge 'a' and userType eq 'Member'",
                    "userPrincipalName ge 'a' and userPrincipalName le 'b' and userPrincipalName le 'c'",
                    "startsWith(userPrincipalName,'a')", "userPrincipalName ge 'a' or userPrincipalName le 'b'",
                    "userPrincipalName ge 'a"]:
            r = emu.request("GET", "/v1.0/users?$filter=" + h.q(flt))
            assert r.status == 400 and "Request_UnsupportedQuery" in r.body, (flt, r.status, r.body)
        r = emu.request("GET", "/v1.0/reports/authenticationMethods/userRegistrationDetails?$filter="
                        + h.q("userPrincipalName ge 'a'"))
        assert r.status == 400, (r.status, r.body)
        # eq keeps working
        u = next(iter(upns(emu).values()))
        assert len(emu.get_json("/v1.0/users?$filter=" + h.q("userPrincipalName eq %s" % lit(u)))["value"]) == 1


def test_no_upn_range_filter():
    with h.Emulator("--users", 20, "--limits", "off", "--no-upn-range-filter") as emu:
        for flt in ["userPrincipalName ge 'a'", "userPrincipalName le 'z'",
                    "userPrincipalName ge 'a' and userPrincipalName le 'z'"]:
            r = emu.request("GET", "/v1.0/users?$filter=" + h.q(flt))
            assert r.status == 400 and "Request_UnsupportedQuery" in r.body, (flt, r.status, r.body)
        u = next(iter(upns(emu).values()))
        assert len(emu.get_json("/v1.0/users?$filter=" + h.q("userPrincipalName eq %s" % lit(u)))["value"]) == 1


if __name__ == "__main__":
    h.run([test_ranges_generated_tenant, test_ranges_odd_upns, test_range_paging_checked, test_other_forms_refused,
           test_no_upn_range_filter])
