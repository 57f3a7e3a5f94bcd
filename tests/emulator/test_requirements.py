"""PATCH/GET of per-user MFA state: enabled -> enforced for registered users,
404/400/415/403, /_emulator/state, stats, set-state and reset."""
import emu_harness as h

REQ = "/beta/users/%s/authentication/requirements"


def registration(emu):
    regs = emu.get_json("/v1.0/reports/authenticationMethods/userRegistrationDetails")["value"]
    return {r["id"]: r for r in regs}


def test_patch_semantics():
    with h.Emulator("--users", 400, "--limits", "off") as emu:
        regs = registration(emu)
        state = emu.state()
        reg = next(i for i, r in regs.items() if r["isMfaRegistered"] and state[i] == "disabled")
        unreg = next(i for i, r in regs.items() if not r["isMfaRegistered"] and state[i] == "disabled")

        def patch(uid, value):
            return emu.request("PATCH", REQ % uid, body={"perUserMfaState": value})

        r = patch(reg, "enabled")
        assert r.status == 204 and r.body == ""
        assert emu.get_json(REQ % reg)["perUserMfaState"] == "enforced"   # registered: enforced
        assert patch(unreg, "enabled").status == 204
        assert emu.get_json(REQ % unreg)["perUserMfaState"] == "enabled"  # stays enabled
        assert patch(unreg, "enforced").status == 204
        assert emu.get_json(REQ % unreg)["perUserMfaState"] == "enforced"
        assert patch(reg, "disabled").status == 204
        assert emu.get_json(REQ % reg)["perUserMfaState"] == "disabled"

        state = emu.state()
        assert state[reg] == "disabled" and state[unreg] == "enforced"
        st = emu.stats()
        assert st["writesPerUser"] == {reg: 2, unreg: 2}, st["writesPerUser"]
        assert st["maxWritesPerUser"] == 2 and st["writes"] == 4

        # errors
        assert patch("00000000-0000-0000-0000-000000000000", "disabled").status == 404
        assert emu.request("GET", REQ % "nobody@contoso.example").status == 404
        for bad in ("unknownFutureValue", "Enabled", "", 3, None):
            assert patch(unreg, bad).status == 400, bad
        assert emu.request("PATCH", REQ % unreg, body={"perUserMfaState": "enabled", "x": 1}).status == 400
        assert emu.request("PATCH", REQ % unreg, body="{not json",
                           headers={"Content-Type": "application/json"}).status == 400
        assert emu.request("PATCH", REQ % unreg, body={}).status == 400
        assert emu.request("PATCH", REQ % unreg, body='{"perUserMfaState":"disabled"}',
                           headers={"Content-Type": "text/plain"}).status == 415
        r = emu.request("GET", "/v1.0/users/%s/authentication/requirements" % unreg)
        assert r.status == 400 and "requirements" in r.json()["error"]["message"]
        assert emu.stats()["writes"] == 4  # failed PATCHes wrote nothing

        # reset puts the generated tenant back
        r = emu.request("POST", "/_emulator/reset", token=False)
        assert r.status == 200
        assert emu.stats()["writes"] == 0
        assert emu.state()[unreg] == "disabled"


def test_guest_by_upn_and_set_state():
    with h.Emulator("--users", 300, "--limits", "off") as emu:
        users = emu.get_json("/v1.0/users?$select=id,userPrincipalName&$top=999")["value"]
        guest = next(u for u in users if "#EXT#" in u["userPrincipalName"])
        path = REQ % h.q(guest["userPrincipalName"])
        assert emu.request("PATCH", path, body={"perUserMfaState": "enforced"}).status == 204
        assert emu.state()[guest["id"]] == "enforced"
        assert emu.get_json(path)["perUserMfaState"] == "enforced"
        # drift behind the tool's back: JSON, CSV
        r = emu.request("POST", "/_emulator/set-state", token=False,
                        body={"id": guest["id"], "perUserMfaState": "disabled"})
        assert r.status == 200 and r.json()["updated"] == 1
        assert emu.state()[guest["id"]] == "disabled"
        csv_body = "id,perUserMfaState\n%s,enabled\n%s,enforced\n" % (users[0]["id"], users[1]["userPrincipalName"])
        r = emu.request("POST", "/_emulator/set-state", token=False, body=csv_body,
                        headers={"Content-Type": "text/csv"})
        assert r.status == 200 and r.json()["updated"] == 2, r.body
        st = emu.state()
        assert st[users[0]["id"]] == "enabled" and st[users[1]["id"]] == "enforced"
        assert emu.stats()["writes"] == 1  # set-state is not a Graph write
        r = emu.request("POST", "/_emulator/set-state", token=False, body={"id": "nope", "perUserMfaState": "enabled"})
        assert r.status == 404


def test_permissions():
    with h.Emulator("--users", 20, "--app-permissions", "User.Read.All,Policy.Read.All") as emu:
        uid = emu.get_json("/v1.0/users?$top=1")["value"][0]["id"]
        assert emu.get_json(REQ % uid)["perUserMfaState"]
        r = emu.request("PATCH", REQ % uid, body={"perUserMfaState": "enforced"})
        assert r.status == 403
        assert r.json()["error"] == {"code": "Authorization_RequestDenied",
                                     "message": "Insufficient privileges to complete the operation.",
                                     "innerError": r.json()["error"]["innerError"]}
        r = emu.request("GET", "/v1.0/reports/authenticationMethods/userRegistrationDetails")
        assert r.status == 403
    with h.Emulator("--users", 20, "--app-permissions", "Policy.ReadWrite.AuthenticationMethod") as emu:
        assert emu.request("GET", "/v1.0/users").status == 403


if __name__ == "__main__":
    h.run([test_patch_semantics, test_guest_by_upn_and_set_state, test_permissions])
