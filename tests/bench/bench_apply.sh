#!/usr/bin/env bash
# bench_apply.sh - mfa-migrate apply against Graph's write quota, on the
# emulator, and the one-change-at-a-time client beside it (README.md).
#
#   tests/bench/bench_apply.sh [BUILD_DIR]        # default: build
#   K=10 USERS=61000 tests/bench/bench_apply.sh build-release
#
# Environment (defaults in brackets):
#   USERS [61000]   tenant size; the default mix gives ~20,200 users to disable
#   SEED [1]        emulator seed (tenant, $batch order)
#   K [20]          emulator --time-scale: 3,000 writes per 150/K s; a whole
#                   number 1..55 (18000*K must fit mfa-migrate's 1,000,000 cap)
#   WORKERS [16]    mfa-migrate --workers of the headline run
#   WORKERS_LOW [4] --workers of the second no-verify run ("" skips it)
#   SAMPLE [1000]   users the serial client changes (extrapolated to the plan)
#   RTT_MS [100]    Graph round trip modelled for the second serial run; the
#                   emulator adds RTT_MS/K (time-scaled like the windows)
#   CONTROL [1]     also run K=1 with mfa-migrate's default budgets and
#                   --max-changes CONTROL_CHANGES [3500]: one real 150 s
#                   window boundary with client and server windows matched
#                   (about 155 s; CONTROL=0 skips it)
#   WORK            scratch folder [BUILD/bench-apply]; KEEP=1 keeps it
#
# Needs python3, curl and bc. Not run in CI: it takes about 5 minutes (K=20,
# CONTROL=1) and measures rather than checks. Exit 1 when the headline run
# misses ratio 0.95 or has 429s at or above 1% of the emulator's requests.
set -euo pipefail

BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
MFA=$BUILD/mfa-migrate
EMU=$BUILD/tests/emulator/graph-emulator
USERS=${USERS:-61000}
SEED=${SEED:-1}
K=${K:-20}
WORKERS=${WORKERS:-16}
WORKERS_LOW=${WORKERS_LOW-4}
SAMPLE=${SAMPLE:-1000}
RTT_MS=${RTT_MS:-100}
CONTROL=${CONTROL:-1}
CONTROL_CHANGES=${CONTROL_CHANGES:-3500}
WORK=${WORK:-$BUILD/bench-apply}
KEEP=${KEEP:-0}

export AZURE_TENANT_ID=5f1c2b3a-7e6d-4c5b-9a8f-000000e1a1c0
export AZURE_CLIENT_ID=8d4e3f2a-1b0c-4d9e-8f7a-000000c11e47
export AZURE_CLIENT_SECRET=emulator-secret
# the emulator is on loopback; a proxy from the environment must not see it
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1

for f in "$MFA" "$EMU"; do
	[ -x "$f" ] || { echo "bench_apply: '$f' not found (build first)" >&2; exit 2; }
done
for c in python3 curl bc; do
	command -v "$c" >/dev/null || { echo "bench_apply: needs $c" >&2; exit 2; }
done

case $K in
'' | *[!0-9]*) K=0 ;;
esac
if [ "$K" -lt 1 ] || [ "$K" -gt 55 ]; then
	echo "bench_apply: K must be a whole number from 1 to 55" >&2
	exit 2
fi

rm -rf "$WORK"
mkdir -p "$WORK"
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [ "$KEEP" != 1 ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
# a signal exits through the EXIT trap, so the emulators stop with the script
trap 'exit 130' INT
trap 'exit 143' TERM

# start_emu NAME ARGS... : starts an emulator, sets URL
start_emu() {
	local name=$1 _
	shift
	"$EMU" --port 0 --port-file "$WORK/$name.port" --users "$USERS" --seed "$SEED" \
		"$@" >"$WORK/$name.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 1 1000); do
		[ -s "$WORK/$name.port" ] && break
		kill -0 "${PIDS[-1]}" 2>/dev/null || { cat "$WORK/$name.log" >&2; exit 1; }
		sleep 0.01
	done
	[ -s "$WORK/$name.port" ] || { echo "bench_apply: emulator '$name' did not start" >&2; exit 1; }
	URL=http://127.0.0.1:$(cat "$WORK/$name.port")
}

now() { date +%s.%N; }
# An emulator that stops answering (killed from outside) ends the run loudly.
emu_gone() {
	echo "bench_apply: the emulator at $1 does not answer; its logs:" >&2
	tail -n 3 "$WORK"/*.log >&2
	exit 1
}
reset() { curl -sf -X POST "$1/_emulator/reset" >/dev/null || emu_gone "$1"; }
stats() { curl -sf "$1/_emulator/stats" >"$2" || emu_gone "$1"; }

# Each row: a JSON line in rows.jsonl, turned into the table at the end.
ROWS=$WORK/rows.jsonl
: >"$ROWS"

# row KIND NAME K T0 T1 STATS0 STATS1 RESULT
row() {
	python3 - "$@" <<'EOF' >>"$ROWS"
import json, math, sys
kind, name, k, t0, t1, s0, s1, result = sys.argv[1:9]
k, wall = float(k), float(t1) - float(t0)
a, b = json.load(open(s0)), json.load(open(s1))
res = json.load(open(result))
quota = 3000 * k / 150
if kind == "apply":
    changes = res["outcomes"]["changed"]
    writes, secs = res["writes"], res["seconds"]
    summary_ws = res["writesPerSecond"]
    # First-use windows: the first 3,000 writes cost no wait, each further
    # 3,000 (or part) one whole window: the least time the emulator allows.
    bound = max(0, math.ceil(writes / 3000) - 1) * 150 / k
else:
    changes = res["changes"]
    writes, secs = res["requests"], res["seconds"]
    summary_ws = res["writesPerSecond"]
    bound = None
req = b["requests"] - a["requests"]
thr = b["throttled"] - a["throttled"]
ep = b.get("byEndpoint", {})
print(json.dumps({
    "kind": kind, "name": name, "k": k, "changes": changes, "writes": writes,
    "wall": wall, "seconds": secs, "ws": summary_ws, "ws_wall": changes / wall,
    "quota": quota, "ratio": summary_ws / quota, "bound": bound,
    "requests": req, "throttled": thr, "share": thr / req if req else 0,
    "get429": ep.get("requirements.get", {}).get("429", 0),
    "patch429": ep.get("requirements.patch", {}).get("429", 0),
    "client": res.get("graph"), "paused": (res.get("graph") or {}).get("pausedSeconds"),
    "sample_of": res.get("planDisable"),
}))
EOF
}

# run_apply NAME K URL PLAN OUT [ARGS...] : one apply, between two stats reads
run_apply() {
	local name=$1 k=$2 url=$3 plan=$4 out=$5 t0 t1 rc=0
	shift 5
	reset "$url"
	stats "$url" "$out.stats0"
	echo "-- $name: mfa-migrate apply $plan --yes --out $out $*" >&2
	t0=$(now)
	MFA_MIGRATE_TIME_SCALE=$k "$MFA" apply "$plan" --yes --out "$out" --graph-url "$url" \
		--login-url "$url" -q "$@" >/dev/null 2>"$out.stderr" || rc=$?
	t1=$(now)
	stats "$url" "$out.stats1"
	# 0 done; 4 finished with failures; 5.. limited by --max-changes
	if [ ! -s "$out/summary.json" ]; then
		echo "bench_apply: '$name' failed (exit $rc):" >&2
		cat "$out.stderr" >&2
		exit 1
	fi
	[ "$rc" = 0 ] || echo "   (exit $rc: $(head -c 300 "$out.stderr"))" >&2
	row apply "$name" "$k" "$t0" "$t1" "$out.stats0" "$out.stats1" "$out/summary.json"
}

# run_serial NAME K URL PLAN OUT
run_serial() {
	local name=$1 k=$2 url=$3 plan=$4 out=$5 t0 t1
	reset "$url"
	stats "$url" "$out.stats0"
	echo "-- $name: serial_apply.py --plan $plan --sample $SAMPLE" >&2
	t0=$(now)
	python3 "$HERE/serial_apply.py" --base "$url" --plan "$plan" --sample "$SAMPLE" \
		--out "$out.json" >/dev/null
	t1=$(now)
	stats "$url" "$out.stats1"
	row serial "$name" "$k" "$t0" "$t1" "$out.stats0" "$out.stats1" "$out.json"
}

# The client's throttle windows scaled like the emulator's
# (MFA_MIGRATE_TIME_SCALE, a benchmark-only setting): same budgets, same
# windows, so the client paces itself as it would against Graph.
budgets() {
	:
}

echo "== tenant: $USERS users (seed $SEED), emulator --time-scale $K" >&2
start_emu main --time-scale "$K"
MAIN=$URL
t0=$(now)
# --no-registration: the plan's actions do not depend on it (no --hold-*
# option), and the reports budget (5 / 10 s, not time-scaled in the client)
# would make the plan, which is not what is measured, take minutes.
# --no-require-ca-coverage: the emulator has no Conditional Access here, and
# the benchmark disables everyone.
MFA_MIGRATE_TIME_SCALE=$K "$MFA" plan --graph-url "$MAIN" --login-url "$MAIN" --out "$WORK/plan" -q --no-registration \
	--no-require-ca-coverage >/dev/null
t1=$(now)
PLAN=$WORK/plan/plan.jsonl
DISABLE=$(head -1 "$PLAN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["counts"]["disable"])')
printf -- '-- plan: %s users to disable (%.1f s)\n' "$DISABLE" "$(echo "$t1 - $t0" | bc)" >&2
[ "$DISABLE" -ge 20000 ] || echo "   note: fewer than 20,000 changes; raise USERS" >&2

# shellcheck disable=SC2046
run_apply "apply --no-verify, workers $WORKERS" "$K" "$MAIN" "$PLAN" "$WORK/a-noverify" \
	--no-verify --workers "$WORKERS" $(budgets "$K")
HEADLINE=$(tail -1 "$ROWS")
if [ -n "$WORKERS_LOW" ]; then
	# shellcheck disable=SC2046
	run_apply "apply --no-verify, workers $WORKERS_LOW" "$K" "$MAIN" "$PLAN" "$WORK/a-noverify-low" \
		--no-verify --workers "$WORKERS_LOW" $(budgets "$K")
fi
# shellcheck disable=SC2046
run_apply "apply (read-back), workers $WORKERS" "$K" "$MAIN" "$PLAN" "$WORK/a-verify" \
	--workers "$WORKERS" $(budgets "$K")

run_serial "serial PATCH, loopback" "$K" "$MAIN" "$PLAN" "$WORK/s-loopback"
LAT=$(python3 -c "print(f'{$RTT_MS / $K:g}')")
start_emu serial --time-scale "$K" --latency-ms "$LAT"
run_serial "serial PATCH, RTT ${RTT_MS}ms/K" "$K" "$URL" "$PLAN" "$WORK/s-rtt"

if [ "$CONTROL" = 1 ]; then
	start_emu control --time-scale 1
	run_apply "K=1 default budgets, max $CONTROL_CHANGES" 1 "$URL" "$PLAN" "$WORK/a-control" \
		--workers "$WORKERS" --max-changes "$CONTROL_CHANGES"
fi

python3 - "$ROWS" "$DISABLE" "$K" "$RTT_MS" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
n, k, rtt = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
hdr = ["scenario", "K", "changes", "wall s", "writes/s", "wall w/s", "quota/s", "ratio",
       "bound s", "bound/s", "requests", "429s", "(get/patch)", "429 share"]
out = []
for r in rows:
    out.append([r["name"], "%g" % r["k"], "%d" % r["changes"], "%.1f" % r["wall"], "%.1f" % r["ws"],
                "%.1f" % r["ws_wall"], "%.0f" % r["quota"], "%.3f" % r["ratio"],
                "%.1f" % r["bound"] if r["bound"] is not None else "-",
                "%.3f" % (r["bound"] / r["seconds"]) if r["bound"] and r["seconds"] > 0 else "-",
                "%d" % r["requests"], "%d" % r["throttled"], "%d/%d" % (r["get429"], r["patch429"]),
                "%.2f%%" % (100 * r["share"])])
w = [max(len(h), *(len(o[i]) for o in out)) for i, h in enumerate(hdr)]
line = lambda c: "| " + " | ".join(x.ljust(w[i]) if i == 0 else x.rjust(w[i]) for i, x in enumerate(c)) + " |"
print(line(hdr))
print("|" + "|".join("-" * (x + 2) for x in w) + "|")
for o in out:
    print(line(o))
print()
print("writes/s: summary.json writes / seconds (serial: changes / its PATCH loop's seconds);"
      " wall w/s: changes / wall clock of the whole command (sign-in, plan reading, read-back"
      " and reports included); quota/s: 3000*K/150; ratio: writes/s / quota/s;")
print("bound s: least time the emulator's first-use windows allow for those writes"
      " ((ceil(writes/3000)-1) * 150/K); bound/s: bound s / summary.json seconds (1.0 = no time"
      " lost beyond what the quota forces); 429 share: 429s / emulator requests ($batch"
      " envelopes and items both count)")
for r in rows:
    if r["kind"] == "serial":
        per = r["seconds"] / r["changes"]
        t_n = per * n
        quota_t = (max(0, -(-n // 3000) - 1) * 150 / k)
        print("%s: sample of %d of %d changes in %.2f s (PATCH loop); extrapolated to %d:"
              " %.1f s at this pace, quota floor %.1f s, so at least %.1f s (x K = %.0f s"
              " real time)" % (r["name"], r["changes"], n, r["seconds"], n, t_n, quota_t,
                               max(t_n, quota_t), max(t_n, quota_t) * k))
for r in rows:
    if r["kind"] == "apply" and r["client"]:
        c = r["client"]
        print("%s: client summary graph.requests %d, throttled %d, retries %d, pausedSeconds %.1f"
              % (r["name"], c["requests"], c["throttled"], c["retries"], c["pausedSeconds"]))
EOF

python3 - "$HEADLINE" <<'EOF'
import json, sys
r = json.loads(sys.argv[1])
ok = r["ratio"] >= 0.95 and r["share"] < 0.01
print("headline (%s): ratio %.3f (target >= 0.95), 429 share %.2f%% (target < 1%%): %s"
      % (r["name"], r["ratio"], 100 * r["share"], "met" if ok else "MISSED"))
sys.exit(0 if ok else 1)
EOF
