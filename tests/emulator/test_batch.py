"""$batch rules: at most 20 items, unique ids, versionless item urls,
Content-Type on writes, items answered with their own status."""
import emu_harness as h


def item(i, method, url, body=None):
    it = {"id": str(i), "method": method, "url": url}
    if body is not None:
        it["body"] = body
        it["headers"] = {"Content-Type": "application/json"}
    return it


def test_batch_rules():
    with h.Emulator("--users", 100, "--limits", "off") as emu:
        ids = [u["id"] for u in emu.get_json("/v1.0/users?$top=30")["value"]]
        reqs = [item(i, "GET", "/users/%s/authentication/requirements" % ids[i]) for i in range(21)]
        r = emu.request("POST", "/beta/$batch", body={"requests": reqs})
        assert r.status == 400, r.status
        r = emu.request("POST", "/beta/$batch", body={"requests": reqs[:20]})
        assert r.status == 200
        resp = r.json()["responses"]
        assert sorted(int(x["id"]) for x in resp) == list(range(20))
        assert all(x["status"] == 200 and x["body"]["perUserMfaState"] for x in resp)
        dup = [item(1, "GET", "/users"), item(1, "GET", "/users")]
        assert emu.request("POST", "/beta/$batch", body={"requests": dup}).status == 400
        nohdr = [{"id": "1", "method": "PATCH", "url": "/users/%s/authentication/requirements" % ids[0],
                  "body": {"perUserMfaState": "enforced"}}]
        assert emu.request("POST", "/beta/$batch", body={"requests": nohdr}).status == 400
        assert emu.request("POST", "/beta/$batch", body={"nothing": 1}).status == 400

        mixed = [
            item("a", "PATCH", "/users/%s/authentication/requirements" % ids[0], {"perUserMfaState": "enforced"}),
            item("b", "GET", "/users/%s/authentication/requirements" % ids[1]),
            item("c", "GET", "/v1.0/users"),
            item("d", "GET", "/beta/users/%s/authentication/requirements" % ids[1]),
            item("e", "PATCH", "/users/00000000-0000-0000-0000-000000000000/authentication/requirements",
                 {"perUserMfaState": "enforced"}),
            item("f", "PATCH", "/users/%s/authentication/requirements" % ids[2], {"perUserMfaState": "bogus"}),
            item("g", "GET", "users?$top=2&$select=id"),
        ]
        r = emu.request("POST", "/beta/$batch", body={"requests": mixed})
        assert r.status == 200
        by = {x["id"]: x for x in r.json()["responses"]}
        assert by["a"]["status"] == 204 and "body" not in by["a"]
        assert by["b"]["status"] == 200
        assert by["c"]["status"] == 400
        assert by["c"]["body"]["error"]["message"] == "Resource not found for the segment 'v1.0'."
        assert by["d"]["status"] == 400 and "'beta'" in by["d"]["body"]["error"]["message"]
        assert by["e"]["status"] == 404
        assert by["f"]["status"] == 400
        assert by["g"]["status"] == 200 and len(by["g"]["body"]["value"]) == 2
        assert emu.state()[ids[0]] == "enforced"
        # v1.0 batch: item urls are relative to v1.0, so requirements is not there
        r = emu.request("POST", "/v1.0/$batch", body={"requests": [item(1, "GET", "/users?$top=1"),
                                                                    item(2, "GET", "/users/%s/authentication/requirements" % ids[0])]})
        by = {x["id"]: x for x in r.json()["responses"]}
        assert by["1"]["status"] == 200 and by["2"]["status"] == 400
        # the batch needs a token
        assert emu.request("POST", "/beta/$batch", body={"requests": reqs[:2]}, token=False).status == 401


def test_out_of_order():
    with h.Emulator("--users", 50, "--limits", "off") as emu:
        ids = [u["id"] for u in emu.get_json("/v1.0/users?$top=20")["value"]]
        orders = set()
        for _ in range(5):
            reqs = [item(i, "GET", "/users/%s/authentication/requirements" % ids[i]) for i in range(20)]
            resp = emu.request("POST", "/beta/$batch", body={"requests": reqs}).json()["responses"]
            orders.add(tuple(x["id"] for x in resp))
        assert any(o != tuple(str(i) for i in range(20)) for o in orders)


if __name__ == "__main__":
    h.run([test_batch_rules, test_out_of_order])
