"""Users' mail property (served, exported, read back)."""
import csv
import io
import os
import tempfile

import emu_harness as h


def test_mail_property():
    with tempfile.TemporaryDirectory() as d:
        exp = os.path.join(d, "users.csv")
        with h.Emulator("--users", 2000, "--seed", 21, "--export-csv", exp, "--limits", "off") as emu:
            users = emu.get_json("/v1.0/users?$select=id,userPrincipalName,userType,mail&$top=999")["value"]
            default = emu.get_json("/v1.0/users?$top=5")["value"]
        # every user answers mail (a string or null), members at the mail domain
        assert all("mail" in u for u in users)
        members = [u for u in users if u["userType"] == "Member"]
        guests = [u for u in users if u["userType"] == "Guest"]
        none = [u for u in members if u["mail"] is None]
        assert 0.02 < len(none) / len(members) < 0.09, len(none)
        for u in members:
            if u["mail"] is not None:
                assert u["mail"] == u["userPrincipalName"].split("@")[0] + "@mail.contoso.example", u
        assert guests and all(u["mail"] is not None for u in guests)
        for u in guests:
            # first.lastN_fabrikam.com#EXT#@contoso.onmicrosoft.com -> first.lastN@fabrikam.com
            local, domain = u["userPrincipalName"].split("#EXT#")[0].rsplit("_", 1)
            assert u["mail"] == local + "@" + domain, u
        # Graph's default property set names mail too
        assert all("mail" in u for u in default)

        with open(exp, encoding="utf-8") as f:
            text = f.read()
        rows = list(csv.DictReader(io.StringIO(text)))
        assert list(rows[0].keys())[:4] == ["id", "userPrincipalName", "displayName", "mail"]
        by_id = {u["id"]: u["mail"] for u in users}
        assert all((r["mail"] or None) == by_id[r["id"]] for r in rows if r["id"] in by_id)

        # read back: the export, and a file whose mail column is edited and moved
        with h.Emulator("--tenant-csv", exp, "--limits", "off") as emu:
            assert emu.request("GET", "/_emulator/export", token=False).body == text
        edited = os.path.join(d, "edited.csv")
        fields = [k for k in rows[0].keys() if k != "mail"] + ["MAIL"]
        with open(edited, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            for i, r in enumerate(rows[:50]):
                r = dict(r)
                r["MAIL"] = "" if i == 0 else "person%d@elsewhere.example" % i
                del r["mail"]
                w.writerow(r)
        with h.Emulator("--tenant-csv", edited, "--limits", "off") as emu:
            got = emu.get_json("/v1.0/users?$select=id,mail&$top=999")["value"]
        assert [u["mail"] for u in got] == [None] + ["person%d@elsewhere.example" % i for i in range(1, 50)]
        # a file without the column: nobody has mail
        bare = os.path.join(d, "bare.csv")
        with open(bare, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=fields[:-1])
            w.writeheader()
            for r in rows[:10]:
                w.writerow({k: r[k] for k in fields[:-1]})
        with h.Emulator("--tenant-csv", bare, "--limits", "off") as emu:
            got = emu.get_json("/v1.0/users?$select=id,mail")["value"]
        assert len(got) == 10 and all(u["mail"] is None for u in got)


if __name__ == "__main__":
    h.run([test_mail_property])
