#!/usr/bin/env bash
# bench_latency.sh - a fallback scan (per-user reads through $batch) of
# USERS users at several round trips, default flags against the old fixed
# --workers 16, measured against the throttle bound (users / 800 per s).
# See README.md ("bench_latency.sh").
#
#   tests/bench/bench_latency.sh [BUILD_DIR]              # default: build
#   LATENCIES="50 1000" USERS=4000 tests/bench/bench_latency.sh build
#
# Environment: USERS (16000), LATENCIES ("50 300 1000 2000", ms),
# ITEM_MS (20, --batch-item-latency-ms when the emulator has it), OLD
# ("--workers 16"; empty: no old column), LIMIT (1.15), T429_MAX (0.01),
# WORK (default BUILD/bench-latency), KEEP=1 keeps it.
# Exit 1 when a default-flags row is over LIMIT or its 429 share over T429_MAX.
# Needs python3 and curl.
set -euo pipefail

BUILD=${1:-build}
MFA=$BUILD/mfa-migrate
EMU=$BUILD/tests/emulator/graph-emulator
USERS=${USERS:-16000}
LATENCIES=${LATENCIES:-50 300 1000 2000}
ITEM_MS=${ITEM_MS:-20}
OLD=${OLD---workers 16}
LIMIT=${LIMIT:-1.15}
T429_MAX=${T429_MAX:-0.01}
WORK=${WORK:-$BUILD/bench-latency}

# the emulator's own app (its defaults), whatever the caller's environment says
export AZURE_TENANT_ID=5f1c2b3a-7e6d-4c5b-9a8f-000000e1a1c0
export AZURE_CLIENT_ID=8d4e3f2a-1b0c-4d9e-8f7a-000000c11e47
export AZURE_CLIENT_SECRET=emulator-secret
unset AZURE_CLIENT_CERTIFICATE_PATH AZURE_AUTHORITY_HOST MFA_MIGRATE_ACCESS_TOKEN MFA_MIGRATE_TRACE

for f in "$MFA" "$EMU"; do
	[ -x "$f" ] || { echo "bench_latency: '$f' not found (build first, or give BUILD_DIR)" >&2; exit 2; }
done

# The emulator flags of issue 12 when this emulator has them; older ones:
# --no-state-select is the same fallback scan, without per-item latency.
HELP=$("$EMU" --help 2>&1 || true)
if grep -q -- '--state-select' <<<"$HELP"; then DROP=(--state-select drop); else DROP=(--no-state-select); fi
ITEM=()
if grep -q -- '--batch-item-latency-ms' <<<"$HELP"; then ITEM=(--batch-item-latency-ms "$ITEM_MS"); else ITEM_MS=0; fi

mkdir -p "$WORK"
EMU_PID=
EMU_PIDS=()
cleanup() {
	if [ -n "$EMU_PID" ]; then
		kill "$EMU_PID" 2>/dev/null || true
		wait "$EMU_PID" 2>/dev/null || true
	fi
	[ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

BENCH=bench_latency
# shellcheck source=tests/bench/emu.sh
. "$(dirname "$0")/emu.sh"

# scan NAME ARGS...: the audit against $BASE; sets WALL (s, start to exit
# of the process, sign-in included), SHARE (429s / Graph requests the emulator
# saw, $batch items counted one by one), PEAK (peakInFlight).
scan() {
	local name=$1 out t0 t1
	shift
	out=$WORK/$name.out
	rm -rf "$out"
	t0=$(date +%s.%N)
	if ! "$MFA" audit --graph-url "$BASE" --login-url "$BASE" --out "$out" -q \
		--no-registration --no-ca "$@" >"$WORK/$name.stdout" 2>"$WORK/$name.err"; then
		echo "bench_latency: mfa-migrate failed in '$name':" >&2
		cat "$WORK/$name.err" >&2
		exit 1
	fi
	t1=$(date +%s.%N)
	curl -sf "$BASE/_emulator/stats" >"$WORK/$name.stats.json"
	read -r WALL SHARE PEAK < <(python3 - "$out/summary.json" "$WORK/$name.stats.json" "$USERS" "$t0" "$t1" <<-'EOF'
		import json, sys
		s = json.load(open(sys.argv[1]))
		st = json.load(open(sys.argv[2]))
		users = int(sys.argv[3])
		# every user read is one $batch item; the users pages and the
		# token are a few requests more
		print("%.2f" % (float(sys.argv[5]) - float(sys.argv[4])), "%.4f" % (st["throttled"] / max(1, users + st["requests"])),
		      s["graph"]["peakInFlight"])
	EOF
	)
	echo "$name: $(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["graph"]))' \
		"$out/summary.json")" >>"$WORK/details.txt"
}

BOUND=$(awk -v n="$USERS" 'BEGIN { printf "%.2f", n / 800 }')
: >"$WORK/details.txt"
FAILS=()
ROWS=()
# The users list comes one page of 999 after another, each a round trip:
# below that floor no client gets (the bound assumes the list is free).
floor() { awk -v n="$USERS" -v l="$1" 'BEGIN { printf "%.2f", int((n + 998) / 999) * l / 1000 }'; }
hdr=$(printf '%8s %9s %8s %8s %7s %7s %6s' "RTT ms" "wall s" "bound s" "pages s" ratio "429 %" peak)
if [ -n "$OLD" ]; then
	hdr="$hdr $(printf ' | %9s %7s %7s %6s' "old s" ratio "429 %" peak)"
fi
echo "$USERS users, fallback scan, \$batch item latency ${ITEM_MS} ms; old = '$OLD'"
echo "$hdr"
for L in $LATENCIES; do
	emu_start "l$L" --threads 4 --users "$USERS" "${DROP[@]}" "${ITEM[@]}" --latency-ms "$L"
	scan "l$L-default"
	R=$(awk -v w="$WALL" -v b="$BOUND" 'BEGIN { printf "%.2f", w / b }')
	P=$(awk -v s="$SHARE" 'BEGIN { printf "%.2f", s * 100 }')
	line=$(printf '%8s %9s %8s %8s %7s %7s %6s' "$L" "$WALL" "$BOUND" "$(floor "$L")" "$R" "$P" "$PEAK")
	if awk -v r="$R" -v l="$LIMIT" 'BEGIN { exit !(r > l) }'; then
		FAILS+=("$L ms: ratio $R over $LIMIT")
	fi
	if awk -v s="$SHARE" -v l="$T429_MAX" 'BEGIN { exit !(s > l) }'; then
		FAILS+=("$L ms: 429 share $P % over $(awk -v l="$T429_MAX" 'BEGIN { print l * 100 }') %")
	fi
	if [ -n "$OLD" ]; then
		curl -sf -X POST "$BASE/_emulator/reset" >/dev/null
		# shellcheck disable=SC2086 # OLD is a list of flags
		scan "l$L-old" $OLD
		R=$(awk -v w="$WALL" -v b="$BOUND" 'BEGIN { printf "%.2f", w / b }')
		P=$(awk -v s="$SHARE" 'BEGIN { printf "%.2f", s * 100 }')
		line="$line $(printf ' | %9s %7s %7s %6s' "$WALL" "$R" "$P" "$PEAK")"
	fi
	ROWS+=("$line")
	echo "$line"
	emu_stop
done
echo "bound: users / 800 per s (8,000 RU per 10 s, 20 per \$batch); pages s: the users list's"
echo "pages one after another at the mean round trip; ratio: wall / bound; 429 %: 429s the emulator"
echo "answered per Graph request it saw (\$batch items counted one by one); peak: peakInFlight"
echo
cat "$WORK/details.txt"
if [ ${#FAILS[@]} -gt 0 ]; then
	echo
	printf 'over target: %s\n' "${FAILS[@]}"
	exit 1
fi
