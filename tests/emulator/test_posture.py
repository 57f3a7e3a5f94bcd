"""The tenant-posture endpoints (posture.c): subscribedSkus with and
without P1, the authentication methods policy and its fixture override,
the switchFromPerUserMFA recommendation and its paged impacted users, the
permission each needs, and what Graph answers outside them."""
import json
import os
import tempfile

import emu_harness as h

PLAN_P1 = "AAD_PREMIUM"


def plans(emu):
    skus = emu.get_json("/v1.0/subscribedSkus")["value"]
    return {p["servicePlanName"] for s in skus for p in s["servicePlans"]}


def test_skus_with_and_without_p1():
    with h.Emulator("--users", 5, "--limits", "off") as emu:
        assert PLAN_P1 in plans(emu)
    with h.Emulator("--users", 5, "--limits", "off", "--no-p1") as emu:
        got = plans(emu)
        assert got and PLAN_P1 not in got and "AAD_PREMIUM_P2" not in got


def test_methods_policy_defaults_and_fixture():
    with h.Emulator("--users", 5, "--limits", "off") as emu:
        p = emu.get_json("/v1.0/policies/authenticationMethodsPolicy")
        states = {c["id"]: c["state"] for c in p["authenticationMethodConfigurations"]}
        assert states["Sms"] == "enabled" and states["Voice"] == "enabled"
        assert p["policyMigrationState"] == "preMigration"
        camp = p["registrationEnforcement"]["authenticationMethodsRegistrationCampaign"]
        assert camp["state"] == "default" and camp["snoozeDurationInDays"] == 1
    with tempfile.TemporaryDirectory() as d:
        fx = os.path.join(d, "fx.json")
        with open(fx, "w") as f:
            json.dump({"authenticationMethodsPolicy": {"policyMigrationState": "migrationComplete"}}, f)
        with h.Emulator("--users", 5, "--limits", "off", "--ca-fixture", fx) as emu:
            p = emu.get_json("/v1.0/policies/authenticationMethodsPolicy")
            assert p["policyMigrationState"] == "migrationComplete"
            assert "registrationEnforcement" in p  # the other keys stay


def impacted(emu, rec_id):
    ids, url, pages = [], "/beta/directory/recommendations/%s/impactedResources" % rec_id, 0
    while url:
        page = emu.get_json(url)
        pages += 1
        ids += [r["subjectId"] for r in page["value"]]
        assert all(r["resourceType"] == "user" for r in page["value"])
        nxt = page.get("@odata.nextLink")
        url = nxt[len(emu.base):] if nxt else None
    return ids, pages


def recommendation(emu):
    recs = emu.get_json("/beta/directory/recommendations")["value"]
    return [r for r in recs if r["recommendationType"] == "switchFromPerUserMFA"]


def test_recommendation_from_the_tenant():
    with h.Emulator("--users", 300, "--seed", 3, "--limits", "off",
                    "--recommendation-page-size", 25) as emu:
        state = emu.state()
        on = [i for i, s in state.items() if s in ("enabled", "enforced")]
        rec = recommendation(emu)
        assert len(rec) == 1 and rec[0]["status"] == "active"
        ids, pages = impacted(emu, rec[0]["id"])
        assert ids == on
        assert pages == (len(on) + 24) // 25
        r = emu.request("GET", "/beta/directory/recommendations/nope/impactedResources")
        assert r.status == 404
        r = emu.request("GET", "/v1.0/directory/recommendations")
        assert r.status == 400 and "Resource not found for the segment" in r.body


def test_recommendation_differ_and_absent():
    with h.Emulator("--users", 200, "--seed", 4, "--limits", "off", "--recommendation-differ", 2) as emu:
        state = emu.state()
        on = [i for i, s in state.items() if s in ("enabled", "enforced")]
        off = [i for i, s in state.items() if s == "disabled"]
        ids, _ = impacted(emu, recommendation(emu)[0]["id"])
        assert set(ids) == (set(on) - set(on[:2])) | set(off[:2])
    with h.Emulator("--users", 50, "--limits", "off", "--no-recommendation") as emu:
        assert recommendation(emu) == []


def test_permissions():
    with h.Emulator("--users", 5, "--limits", "off", "--app-permissions", "User.Read.All") as emu:
        for path in ("/v1.0/subscribedSkus", "/v1.0/policies/authenticationMethodsPolicy",
                     "/beta/directory/recommendations"):
            r = emu.request("GET", path)
            assert r.status == 403, (path, r.status)
            assert r.json()["error"]["code"] == "Authorization_RequestDenied"
    with h.Emulator("--users", 5, "--limits", "off", "--app-permissions",
                    "LicenseAssignment.Read.All,Policy.Read.AuthenticationMethod,"
                    "DirectoryRecommendations.Read.All") as emu:
        for path in ("/v1.0/subscribedSkus", "/v1.0/policies/authenticationMethodsPolicy",
                     "/beta/directory/recommendations"):
            assert emu.request("GET", path).status == 200, path


def test_legacy_settings_not_in_graph():
    # no Graph API for trusted IPs, remember MFA, app passwords: an unknown segment
    with h.Emulator("--users", 5, "--limits", "off") as emu:
        r = emu.request("GET", "/beta/policies/mfaServiceSettings")
        assert r.status == 400 and "Resource not found for the segment" in r.body


if __name__ == "__main__":
    h.run([test_skus_with_and_without_p1, test_methods_policy_defaults_and_fixture,
           test_recommendation_from_the_tenant, test_recommendation_differ_and_absent,
           test_permissions, test_legacy_settings_not_in_graph])
