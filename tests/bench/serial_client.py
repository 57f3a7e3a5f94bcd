#!/usr/bin/env python3
"""serial_client.py - the one-request-at-a-time way of reading per-user MFA.

The shape of the documented PowerShell approach (Get-MgUser -All, then
Invoke-MgGraphRequest GET /beta/users/{id}/authentication/requirements for
each user, one after another), as a floor for bench_scan.sh to compare
mfa-migrate with: sign in with client credentials, list every user (pages of
999, following @odata.nextLink whole), then read each user's state on one
keep-alive connection, waiting out Retry-After on a 429 as the Graph SDK
does. Stdlib only (http.client).

    serial_client.py --graph-url http://127.0.0.1:PORT [--login-url URL]
                     [--sample N] [--json]

Credentials come from AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET.
With --sample N only the first N users' states are read and the whole
tenant's time is extrapolated from the measured rate:
    estimate = listing seconds + users / (sampled users / reading seconds)
The last line printed is one JSON object with every figure (--json: only it).
"""

import argparse
import http.client
import json
import os
import sys
import time
import urllib.parse

# Graph's $top limit; what Get-MgUser -All -PageSize 999 asks for.
PAGE = 999
MAX_RETRIES = 10


class Conn:
    """One keep-alive HTTP/1.1 connection to a base URL, reopened when the
    server closes it (the SDK's connection pool does the same)."""

    def __init__(self, base, timeout):
        u = urllib.parse.urlsplit(base)
        if u.scheme not in ("http", "https"):
            raise SystemExit("serial_client: unsupported URL '%s'" % base)
        self.scheme, self.netloc, self.timeout = u.scheme, u.netloc, timeout
        self.c = None
        self.requests = 0
        self.throttled = 0
        self.retried = 0

    def _open(self):
        cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        self.c = cls(self.netloc, timeout=self.timeout)

    def request(self, method, target, body=None, headers=None):
        """(status, headers dict lowercased, body bytes); retries 429/503
        after Retry-After (or 1 s without one) and reconnects once on a
        dropped connection."""
        headers = dict(headers or {})
        attempt = 0
        while True:
            attempt += 1
            if self.c is None:
                self._open()
            try:
                self.c.request(method, target, body=body, headers=headers)
                r = self.c.getresponse()
                data = r.read()
            except (http.client.HTTPException, OSError):
                self.c.close()
                self.c = None
                if attempt > MAX_RETRIES:
                    raise
                continue
            self.requests += 1
            hdrs = {k.lower(): v for k, v in r.getheaders()}
            if r.status in (429, 503) and attempt <= MAX_RETRIES:
                if r.status == 429:
                    self.throttled += 1
                self.retried += 1
                try:
                    wait = float(hdrs.get("retry-after", "1"))
                except ValueError:
                    wait = 1.0
                time.sleep(max(wait, 0.0))
                continue
            if hdrs.get("connection", "").lower() == "close":
                self.c.close()
                self.c = None
            return r.status, hdrs, data


def target_of(url):
    """Path and query of an absolute URL (a nextLink is followed whole)."""
    u = urllib.parse.urlsplit(url)
    return u.path + ("?" + u.query if u.query else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--graph-url", required=True, help="Graph base URL (http://127.0.0.1:PORT)")
    ap.add_argument("--login-url", help="sign-in base URL (default: --graph-url)")
    ap.add_argument("--sample", type=int, default=0,
                    help="read only the first N users' states and extrapolate (0: all)")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--json", action="store_true", help="print only the JSON result line")
    a = ap.parse_args()

    env = {k: os.environ.get(k) for k in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET")}
    missing = [k for k, v in env.items() if not v]
    if missing:
        sys.exit("serial_client: set %s" % ", ".join(missing))
    graph = a.graph_url.rstrip("/")
    login = (a.login_url or a.graph_url).rstrip("/")

    def say(msg):
        if not a.json:
            print(msg, file=sys.stderr, flush=True)

    t0 = time.monotonic()
    lc = Conn(login, a.timeout)
    form = urllib.parse.urlencode({
        "grant_type": "client_credentials",
        "client_id": env["AZURE_CLIENT_ID"],
        "client_secret": env["AZURE_CLIENT_SECRET"],
        "scope": "https://graph.microsoft.com/.default",
    })
    st, _, body = lc.request("POST", urllib.parse.urlsplit(login).path +
                             "/%s/oauth2/v2.0/token" % urllib.parse.quote(env["AZURE_TENANT_ID"]),
                             body=form,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    if st != 200:
        sys.exit("serial_client: sign-in failed: http %d" % st)
    token = json.loads(body)["access_token"]
    auth = {"Authorization": "Bearer " + token}

    gc = Conn(graph, a.timeout)
    base_path = urllib.parse.urlsplit(graph).path
    target = base_path + "/v1.0/users?$select=id,userPrincipalName&$top=%d" % PAGE
    ids = []
    while target:
        st, _, body = gc.request("GET", target, headers=auth)
        if st != 200:
            sys.exit("serial_client: listing users failed: http %d" % st)
        page = json.loads(body)
        ids.extend(u["id"] for u in page.get("value", []))
        nxt = page.get("@odata.nextLink")
        target = target_of(nxt) if nxt else None
    t_list = time.monotonic()
    list_s = t_list - t0
    say("serial: listed %d users in %.2f s (%d pages)" % (len(ids), list_s, gc.requests))

    n = len(ids) if a.sample <= 0 else min(a.sample, len(ids))
    states = {}
    failed = 0
    for i in range(n):
        st, _, body = gc.request(
            "GET", base_path + "/beta/users/%s/authentication/requirements" % urllib.parse.quote(ids[i]),
            headers=auth)
        if st == 200:
            s = json.loads(body).get("perUserMfaState", "?")
            states[s] = states.get(s, 0) + 1
        else:
            failed += 1
    read_s = time.monotonic() - t_list
    rate = n / read_s if read_s > 0 else 0.0
    total = list_s + (len(ids) / rate if rate > 0 else float("inf"))
    say("serial: read %d states in %.2f s: %.1f users/s; all %d users: %.0f s%s" %
        (n, read_s, rate, len(ids), total, " (extrapolated)" if n < len(ids) else ""))
    print(json.dumps({
        "users": len(ids), "listSeconds": round(list_s, 3), "sampled": n,
        "readSeconds": round(read_s, 3), "usersPerSecond": round(rate, 2),
        "seconds": round(total, 1), "extrapolated": n < len(ids),
        "requests": lc.requests + gc.requests, "throttled": gc.throttled + lc.throttled,
        "failed": failed, "states": states,
    }), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
