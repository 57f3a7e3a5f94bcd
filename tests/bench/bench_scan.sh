#!/usr/bin/env bash
# bench_scan.sh - mfa-migrate's live scan against graph-emulator, measured
# against Graph's throttle bounds, a one-request-at-a-time client, and a
# memory ceiling. See README.md ("bench_scan.sh") for what each row means.
#
#   tests/bench/bench_scan.sh [BUILD_DIR]          # default: build
#   ONLY="1 3" SERIAL_SAMPLE=500 tests/bench/bench_scan.sh build-bench
#
# Scenarios (ONLY picks some; default all):
#   1  100,000 users, no fast path, registration on one page: wall time
#      against users / (800 K) s, and the serial client on a sample
#   2  S2_USERS users, no fast path: no registration, then registration
#      pages of 999 and of 100 under the reports budget (5 / 10 s)
#   3  100,000 users, fast path, no registration: against pages x latency
#   4  1,000,000 users, --limits off, fast path: peak RSS, without and with
#      registration
#
# Environment: LATENCY_MS (50), SCALE1 (time scale of 1, default 1),
# S2_SCALE (1), S1_USERS (100000), S2_USERS (10000), S3_USERS (100000),
# S4_USERS (1000000) (smaller ones for a quick try), SERIAL_SAMPLE (1000),
# WORKERS (16 x K),
# LIMIT (1.15, ratio of scenario 1), RSS_MIB (128, scenario 4),
# WORK (scratch, default BUILD/bench-scan), KEEP=1 keeps it.
# Exit 1 when scenario 1's ratio is over LIMIT or scenario 4 is over RSS_MIB.
# Needs /usr/bin/time (Debian package time), python3 and curl.
set -euo pipefail

BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
MFA=$BUILD/mfa-migrate
EMU=$BUILD/tests/emulator/graph-emulator
LATENCY_MS=${LATENCY_MS:-50}
SCALE1=${SCALE1:-1}
S2_SCALE=${S2_SCALE:-1}
S2_USERS=${S2_USERS:-10000}
S1_USERS=${S1_USERS:-100000}
S3_USERS=${S3_USERS:-100000}
S4_USERS=${S4_USERS:-1000000}
SERIAL_SAMPLE=${SERIAL_SAMPLE:-1000}
LIMIT=${LIMIT:-1.15}
RSS_MIB=${RSS_MIB:-128}
ONLY=${ONLY:-1 2 3 4}
WORK=${WORK:-$BUILD/bench-scan}

BENCH=bench_scan
# shellcheck source=tests/bench/emu.sh
. "$(dirname "$0")/emu.sh"
bench_setup

# scan NAME ARGS...: mfa-migrate audit against $BASE under GNU time; sets
# WALL, RSS (MiB), REQS (mfa-migrate's HTTP requests), T429 (429s the
# emulator answered, $batch items included), GRAPH (summary's graph section).
scan() {
	local name=$1 out
	shift
	out=$WORK/$name.out
	rm -rf "$out"
	if ! /usr/bin/time -f '%e %M' -o "$WORK/$name.time" \
		"$MFA" audit --graph-url "$BASE" --login-url "$BASE" --out "$out" -q "$@" \
		>"$WORK/$name.stdout" 2>"$WORK/$name.err"; then
		echo "bench_scan: mfa-migrate failed in '$name':" >&2
		cat "$WORK/$name.err" >&2
		exit 1
	fi
	read -r WALL RSS < <(tail -n 1 "$WORK/$name.time")
	RSS=$(awk -v k="$RSS" 'BEGIN { printf "%.1f", k / 1024 }')
	curl -sf "$BASE/_emulator/stats" >"$WORK/$name.stats.json"
	read -r REQS T429 < <(python3 - "$out/summary.json" "$WORK/$name.stats.json" <<-'EOF'
		import json, sys
		g = json.load(open(sys.argv[1]))["graph"]
		s = json.load(open(sys.argv[2]))
		print(g["requests"], s["throttled"])
	EOF
	)
	GRAPH=$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["graph"]))' \
		"$out/summary.json")
	echo "$name: $GRAPH" >>"$WORK/details.txt"
}

ROWS=()
FAILS=()
# row SCENARIO USERS WALL BOUND REQS 429S RSS
row() {
	local ratio=-
	if [ "$4" != - ]; then
		ratio=$(awk -v w="$3" -v b="$4" 'BEGIN { printf "%.2f", w / b }')
	fi
	ROWS+=("$(printf '%-34s %9s %9s %9s %6s %9s %6s %8s' "$1" "$2" "$3" "$4" "$ratio" "$5" "$6" "$7")")
	echo "${ROWS[-1]}"
}
fmt() { awk -v x="$1" 'BEGIN { printf "%.2f", x }'; }
pages() { echo $(( ($1 + $2 - 1) / $2 )); }
: >"$WORK/details.txt"

header=$(printf '%-34s %9s %9s %9s %6s %9s %6s %8s' scenario users "wall s" "bound s" ratio requests 429s "RSS MiB")
echo "$header"

want() { case " $ONLY " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
workers_for() { local w=$((16 * $1)); [ "$w" -gt 256 ] && w=256; echo "${WORKERS:-$w}"; }

# ---- 1: the headline: 100,000 users without the fast path ---------------
if want 1; then
	N=$S1_USERS
	K=$SCALE1
	emu_start s1 --users "$N" --no-state-select --registration-page-size "$N" \
		--latency-ms "$LATENCY_MS" --time-scale "$K"
	scan s1 --workers "$(workers_for "$K")" --read-budget "$((8000 * K))" --reports-budget "$((5 * K))"
	BOUND=$(fmt "$(awk -v n="$N" -v k="$K" 'BEGIN { print n / (800 * k) }')")
	row "1 no fast path, K=$K" "$N" "$WALL" "$BOUND" "$REQS" "$T429" "$RSS"
	S1_RATIO=$(awk -v w="$WALL" -v b="$BOUND" 'BEGIN { printf "%.2f", w / b }')
	if awk -v r="$S1_RATIO" -v l="$LIMIT" 'BEGIN { exit !(r > l) }'; then
		FAILS+=("scenario 1: ratio $S1_RATIO over $LIMIT")
	fi
	# The serial client on the same tenant, after the scan (its ~20
	# requests a second are far from any budget).
	python3 "$HERE/serial_client.py" --graph-url "$BASE" --sample "$SERIAL_SAMPLE" --json \
		>"$WORK/serial.json"
	read -r SWALL SREQ S429 SRATE SN < <(python3 - "$WORK/serial.json" "$N" <<-'EOF'
		import json, sys
		d = json.load(open(sys.argv[1]))
		n = int(sys.argv[2])
		# what it would send for the whole tenant: token, pages, one GET each
		print("%.0f" % d["seconds"], 1 + -(-n // 999) + n, d["throttled"], d["usersPerSecond"], d["sampled"])
	EOF
	)
	row "1 serial client ($SN at $SRATE/s)*" "$N" "$SWALL" "$BOUND" "$SREQ" "$S429" -
	echo "serial: $(cat "$WORK/serial.json")" >>"$WORK/details.txt"
	emu_stop
fi

# ---- 2: the registration join under the reports budget -------------------
if want 2; then
	N=$S2_USERS
	K=$S2_SCALE
	UB=$(awk -v n="$N" -v k="$K" 'BEGIN { print n / (800 * k) }')
	for P in none 999 100; do
		if [ $P = none ]; then
			emu_start s2-$P --users "$N" --no-state-select --latency-ms "$LATENCY_MS" --time-scale "$K"
			scan s2-$P --workers "$(workers_for "$K")" --read-budget "$((8000 * K))" --no-registration
			BOUND=$(fmt "$UB")
			S2_NOREG=$WALL
		else
			emu_start s2-$P --users "$N" --no-state-select --latency-ms "$LATENCY_MS" --time-scale "$K" \
				--registration-page-size $P
			scan s2-$P --workers "$(workers_for "$K")" --read-budget "$((8000 * K))" \
				--reports-budget "$((5 * K))"
			# reports: 5 requests / 10 s = 0.5 pages/s (x K)
			RB=$(awk -v p="$(pages "$N" $P)" -v k="$K" 'BEGIN { print p / (0.5 * k) }')
			BOUND=$(fmt "$(awk -v a="$UB" -v b="$RB" 'BEGIN { print (a > b ? a : b) }')")
			echo "s2-$P: registration $(pages "$N" $P) pages, bound alone $(fmt "$RB") s;" \
				"joined after the scan it would take >= $(fmt "$(awk -v a="${S2_NOREG:-0}" -v b="$RB" 'BEGIN { print a + b }')") s;" \
				"the join added $(fmt "$(awk -v a="$WALL" -v b="${S2_NOREG:-0}" 'BEGIN { print a - b }')") s" \
				>>"$WORK/details.txt"
		fi
		row "2 no fast path, reg $P, K=$K" "$N" "$WALL" "$BOUND" "$REQS" "$T429" "$RSS"
		emu_stop
	done
fi

# ---- 3: the fast path ----------------------------------------------------
if want 3; then
	N=$S3_USERS
	emu_start s3 --users "$N" --latency-ms "$LATENCY_MS"
	# one users page after another: pages x mean latency
	BOUND=$(fmt "$(awk -v p="$(pages "$N" 999)" -v l="$LATENCY_MS" 'BEGIN { print p * l / 1000 }')")
	scan s3 --no-registration
	row "3 fast path, no registration" "$N" "$WALL" "$BOUND" "$REQS" "$T429" "$RSS"
	curl -sf -X POST "$BASE/_emulator/reset" >/dev/null
	scan s3-json --no-registration --format json
	row "3 fast path, summary.json only" "$N" "$WALL" "$BOUND" "$REQS" "$T429" "$RSS"
	emu_stop
fi

# ---- 4: peak memory on a million users -----------------------------------
if want 4; then
	N=$S4_USERS
	emu_start s4 --users "$N" --limits off
	scan s4-noreg --no-registration
	row "4 fast path, no registration" "$N" "$WALL" - "$REQS" "$T429" "$RSS"
	if awk -v r="$RSS" -v l="$RSS_MIB" 'BEGIN { exit !(r > l) }'; then
		FAILS+=("scenario 4 without registration: $RSS MiB over $RSS_MIB")
	fi
	curl -sf -X POST "$BASE/_emulator/reset" >/dev/null
	# the emulator has no limits here; neither must the client's budgets
	scan s4-reg --reports-budget 1000000
	row "4 fast path, registration (999)" "$N" "$WALL" - "$REQS" "$T429" "$RSS"
	if awk -v r="$RSS" -v l="$RSS_MIB" 'BEGIN { exit !(r > l) }'; then
		FAILS+=("scenario 4 with registration: $RSS MiB over $RSS_MIB")
	fi
	emu_stop
fi

echo
echo "$header"
printf '%s\n' "${ROWS[@]}"
echo
echo "* extrapolated from the sample's measured rate (see serial below)"
echo "latency ${LATENCY_MS} ms; requests: HTTP requests mfa-migrate sent (a \$batch of 20 is one);"
echo "429s: as counted by the emulator (\$batch items included)"
echo
cat "$WORK/details.txt"
if [ ${#FAILS[@]} -gt 0 ]; then
	echo
	printf 'over target: %s\n' "${FAILS[@]}"
	exit 1
fi
