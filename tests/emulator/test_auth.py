"""Token endpoint: secrets, unknown client/tenant/grant, certificate
assertions (RS256/x5t, PS256/x5t#S256, checked with OpenSSL), token expiry."""
import base64
import hashlib
import json
import os
import subprocess
import tempfile
import time
import uuid

import emu_harness as h


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def make_cert(d):
    key, cert = os.path.join(d, "key.pem"), os.path.join(d, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=emulator-test"],
                   check=True, capture_output=True)
    der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"], check=True,
                         capture_output=True).stdout
    return key, cert, der


def assertion(key, der, aud, alg="RS256", iss=h.CLIENT, exp_in=300, tamper=False):
    hdr = {"alg": alg, "typ": "JWT"}
    if alg == "RS256":
        hdr["x5t"] = b64u(hashlib.sha1(der).digest())
    else:
        hdr["x5t#S256"] = b64u(hashlib.sha256(der).digest())
    now = int(time.time())
    claims = {"aud": aud, "iss": iss, "sub": iss, "jti": str(uuid.uuid4()), "nbf": now - 5,
              "exp": now + exp_in}
    signing_input = b64u(json.dumps(hdr).encode()) + "." + b64u(json.dumps(claims).encode())
    cmd = ["openssl", "dgst", "-sha256", "-sign", key]
    if alg == "PS256":
        cmd += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"]
    sig = subprocess.run(cmd, input=signing_input.encode(), check=True, capture_output=True).stdout
    if tamper:
        sig = bytes([sig[0] ^ 1]) + sig[1:]
    return signing_input + "." + b64u(sig)


def entra_error(r, status, code):
    assert r.status == status, (r.status, r.body)
    body = r.json()
    assert body["error_codes"] == [code], body
    assert body["error_description"].startswith("AADSTS%d:" % code)
    for k in ("error", "timestamp", "trace_id", "correlation_id"):
        assert k in body


def test_secret_and_errors():
    with h.Emulator("--users", 5) as emu:
        r = emu.token_request(client_secret=h.SECRET)
        assert r.status == 200
        body = r.json()
        assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["access_token"]
        entra_error(emu.token_request(client_secret="wrong"), 401, 7000215)
        entra_error(emu.token_request(client_secret=h.SECRET, client_id="11111111-1111-1111-1111-111111111111"),
                    400, 700016)
        entra_error(emu.token_request(client_secret=h.SECRET, tenant="other-tenant"), 400, 90002)
        entra_error(emu.token_request(client_secret=h.SECRET, grant_type="password"), 400, 70003)
        entra_error(emu.token_request(client_secret=h.SECRET, scope="User.Read"), 400, 1002012)
        entra_error(emu.token_request(), 401, 7000218)
        # Graph without / with a bad token
        r = emu.request("GET", "/v1.0/users", token=False)
        assert r.status == 401 and r.json()["error"]["code"] == "InvalidAuthenticationToken"
        assert emu.request("GET", "/v1.0/users", token="abc.def.ghi").status == 401
        tok = emu.token()
        forged = tok[:-2] + ("AA" if tok[-2:] != "AA" else "BB")
        assert emu.request("GET", "/v1.0/users", token=forged).status == 401
        assert emu.request("GET", "/v1.0/users").status == 200


def test_certificate_assertion():
    with tempfile.TemporaryDirectory() as d:
        key, cert, der = make_cert(d)
        with h.Emulator("--users", 5, "--client-cert", cert) as emu:
            aud = "%s/%s/oauth2/v2.0/token" % (emu.base, h.TENANT)
            jwt_type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            for alg in ("RS256", "PS256"):
                r = emu.token_request(client_assertion_type=jwt_type, client_assertion=assertion(key, der, aud, alg))
                assert r.status == 200, (alg, r.body)
                assert emu.request("GET", "/v1.0/users", token=r.json()["access_token"]).status == 200
            entra_error(emu.token_request(client_assertion_type=jwt_type,
                                          client_assertion=assertion(key, der, aud, tamper=True)), 401, 700027)
            entra_error(emu.token_request(client_assertion_type=jwt_type,
                                          client_assertion=assertion(key, der, aud, "PS256", tamper=True)), 401, 700027)
            entra_error(emu.token_request(client_assertion_type=jwt_type,
                                          client_assertion=assertion(key, der, emu.base + "/wrong")), 401, 50027)
            entra_error(emu.token_request(client_assertion_type=jwt_type,
                                          client_assertion=assertion(key, der, aud, exp_in=-60)), 401, 700024)
            entra_error(emu.token_request(client_assertion_type=jwt_type,
                                          client_assertion=assertion(key, der, aud, iss="someone-else")), 401, 700021)
            entra_error(emu.token_request(client_assertion_type=jwt_type, client_assertion="not-a-jwt"), 400, 50027)
            # a certificate the app does not have: thumbprint unknown
            os.mkdir(os.path.join(d, "o"))
            okey, _, oder = make_cert(os.path.join(d, "o"))
            entra_error(emu.token_request(client_assertion_type=jwt_type,
                                          client_assertion=assertion(okey, oder, aud)), 401, 700027)


def test_token_expiry():
    with h.Emulator("--users", 5, "--token-ttl", 1) as emu:
        t0 = time.monotonic()
        r = emu.token_request(client_secret=h.SECRET)
        assert r.json()["expires_in"] == 1
        tok = r.json()["access_token"]
        assert emu.request("GET", "/v1.0/users", token=tok).status == 200
        deadline = t0 + 10
        while True:
            r = emu.request("GET", "/v1.0/users?$top=1", token=tok)
            if r.status == 401:
                break
            assert r.status == 200
            assert time.monotonic() < deadline, "token never expired"
            time.sleep(0.05)
        assert time.monotonic() - t0 >= 0.9, "token expired early"
        assert "expired" in r.json()["error"]["message"]
        assert r.json()["error"]["code"] == "InvalidAuthenticationToken"


if __name__ == "__main__":
    h.run([test_secret_and_errors, test_certificate_assertion, test_token_expiry])
