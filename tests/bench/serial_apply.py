#!/usr/bin/env python3
"""serial_apply.py - the one-change-at-a-time client mfa-migrate is compared with.

The documented PowerShell shape, in Python's standard library:

    foreach ($u in $users) {
        Invoke-MgGraphRequest -Method PATCH `
            -Uri "/beta/users/$($u.id)/authentication/requirements" `
            -Body @{ perUserMfaState = "disabled" }
    }

One PATCH after another on one keep-alive connection (http.client), no
$batch, no compare-and-set read, no read-back. A 429 is waited out for its
Retry-After and the same PATCH is sent again (the Graph SDK's retry handler
does the same); a dropped connection is reopened once per attempt. The users
are the first SAMPLE "disable" lines of an mfa-migrate plan.jsonl, so the
sample can be extrapolated to the plan's full count (the caller says so).

    serial_apply.py --base http://127.0.0.1:PORT --plan PLAN.jsonl
                    [--sample N] [--out RESULT.json]

Credentials: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET.
Prints one JSON object (also written to --out): changes, seconds,
writesPerSecond, requests, throttled, status counts, perChangeMs (median,
p90, p99), planDisable (the plan's full count of changes).
"""
import argparse
import http.client
import json
import os
import sys
import time
import urllib.parse

MAX_ATTEMPTS = 8


def fail(msg):
    print("serial_apply: " + msg, file=sys.stderr)
    sys.exit(1)


def read_plan(path, sample):
    """The first `sample` users the plan disables, and the plan's count."""
    ids, total = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if d.get("kind") == "mfa-migrate-plan":
                total = d.get("counts", {}).get("disable")
                continue
            if d.get("action") == "disable" and len(ids) < sample:
                ids.append(d.get("id") or d.get("userPrincipalName"))
    if total is None:
        fail("'%s' has no plan header" % path)
    return ids, total


class Conn:
    """One keep-alive connection, reopened after the server closes it."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.c = None
        self.opened = 0

    def request(self, method, path, body, headers):
        for tries in range(2):
            if self.c is None:
                self.c = http.client.HTTPConnection(self.host, self.port, timeout=60)
                self.opened += 1
            try:
                self.c.request(method, path, body=body, headers=headers)
                r = self.c.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.c.close()
                    self.c = None
                return r.status, r.getheader("Retry-After"), data
            except (http.client.HTTPException, OSError):
                self.c.close()
                self.c = None
                if tries:
                    raise
        raise AssertionError("not reached")


def token(conn, tenant, client, secret):
    form = urllib.parse.urlencode({
        "grant_type": "client_credentials",
        "client_id": client,
        "client_secret": secret,
        "scope": "https://graph.microsoft.com/.default",
    })
    status, _, data = conn.request("POST", "/%s/oauth2/v2.0/token" % tenant, form,
                                   {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 200:
        fail("sign-in answered %d" % status)
    return json.loads(data)["access_token"]


def pct(sorted_ms, q):
    if not sorted_ms:
        return 0.0
    return sorted_ms[min(len(sorted_ms) - 1, int(q * len(sorted_ms)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", required=True, help="Graph and sign-in base, http://127.0.0.1:PORT")
    ap.add_argument("--plan", required=True, help="mfa-migrate plan.jsonl")
    ap.add_argument("--sample", type=int, default=1000, help="users to change (default 1000)")
    ap.add_argument("--out", help="also write the result here")
    a = ap.parse_args()

    env = {k: os.environ.get(k) for k in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET")}
    missing = [k for k, v in env.items() if not v]
    if missing:
        fail("set " + ", ".join(missing))
    u = urllib.parse.urlsplit(a.base)
    if u.scheme != "http" or not u.hostname:
        fail("--base must be http://HOST:PORT")
    ids, total = read_plan(a.plan, a.sample)
    if not ids:
        fail("'%s' disables nobody" % a.plan)

    conn = Conn(u.hostname, u.port or 80)
    bearer = "Bearer " + token(conn, env["AZURE_TENANT_ID"], env["AZURE_CLIENT_ID"],
                               env["AZURE_CLIENT_SECRET"])
    body = json.dumps({"perUserMfaState": "disabled"})
    headers = {"Authorization": bearer, "Content-Type": "application/json"}
    statuses, per_change = {}, []
    requests = throttled = changed = failed = 0
    waited = 0.0

    start = time.monotonic()
    for uid in ids:
        path = "/beta/users/%s/authentication/requirements" % urllib.parse.quote(uid, safe="@")
        t0 = time.monotonic()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            status, retry_after, _ = conn.request("PATCH", path, body, headers)
            requests += 1
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            if status == 429 and attempt < MAX_ATTEMPTS:
                throttled += 1
                try:
                    delay = float(retry_after)
                except (TypeError, ValueError):
                    delay = min(2.0 ** attempt, 60.0)
                waited += delay
                time.sleep(delay)
                continue
            break
        if status == 429:
            throttled += 1
        per_change.append((time.monotonic() - t0) * 1000.0)
        if status == 204:
            changed += 1
        else:
            failed += 1
    seconds = time.monotonic() - start

    per_change.sort()
    result = {
        "changes": changed,
        "failed": failed,
        "sample": len(ids),
        "planDisable": total,
        "seconds": seconds,
        "writesPerSecond": changed / seconds if seconds > 0 else 0,
        "requests": requests,
        "throttled": throttled,
        "secondsWaitedOnRetryAfter": waited,
        "connectionsOpened": conn.opened,
        "statuses": statuses,
        "perChangeMs": {"median": pct(per_change, 0.5), "p90": pct(per_change, 0.9),
                        "p99": pct(per_change, 0.99)},
    }
    text = json.dumps(result, indent=1)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    print(text)
    return 0 if failed == 0 else 4


if __name__ == "__main__":
    sys.exit(main())
