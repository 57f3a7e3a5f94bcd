#!/usr/bin/env bash
# bench_signins.sh - audit --sign-ins over a million generated sign-ins:
# wall time against the reports budget's bound (sign-in pages / allowed
# rate) and peak RSS against the same audit without --sign-ins. See
# README.md ("bench_signins.sh").
#
#   tests/bench/bench_signins.sh [BUILD_DIR]                 # default: build
#   USERS=20000 PER_USER=10 SCALE=20 tests/bench/bench_signins.sh build
#
# Environment: USERS (100000) x PER_USER (10) sign-ins; SCALE (50): the
# emulator's --time-scale, and the client's MFA_MIGRATE_TIME_SCALE to match
# (Graph's 5 / 10 s made SCALE times faster, so the run takes 1/SCALE of a
# real tenant's time); LIMIT (1.25): most wall / bound;
# RSS_MIB (32): most extra peak RSS over the audit without --sign-ins;
# WORK (scratch, default BUILD/bench-signins), KEEP=1 keeps it.
# Exit 1 when over LIMIT or RSS_MIB. Needs /usr/bin/time and python3.
set -euo pipefail

BUILD=${1:-build}
MFA=$BUILD/mfa-migrate
EMU=$BUILD/tests/emulator/graph-emulator
USERS=${USERS:-100000}
PER_USER=${PER_USER:-10}
SCALE=${SCALE:-50}
LIMIT=${LIMIT:-1.25}
RSS_MIB=${RSS_MIB:-32}
WORK=${WORK:-$BUILD/bench-signins}

BENCH=bench_signins
# shellcheck source=tests/bench/emu.sh
. "$(dirname "$0")/emu.sh"
bench_setup

# run NAME ARGS...: mfa-migrate audit under GNU time; sets WALL (s) and RSS (MiB).
run() {
	local name=$1
	shift
	# the client's throttle windows divided as the emulator's are (the
	# same budgets, only faster), so its own pacing and Graph's
	# x-ms-throttle-limit-percentage agree
	MFA_MIGRATE_TIME_SCALE=$SCALE /usr/bin/time -v -o "$WORK/$name.time" "$MFA" audit \
		--graph-url "$BASE" --login-url "$BASE" \
		--no-registration --format csv --out "$WORK/$name" "$@" \
		>/dev/null 2>"$WORK/$name.err" || { cat "$WORK/$name.err" >&2; exit 1; }
	WALL=$(python3 - "$WORK/$name.time" <<'PY'
import sys
for line in open(sys.argv[1]):
    if "Elapsed (wall clock)" in line:
        t = line.rsplit(" ", 1)[1].strip().split(":")
        print("%.2f" % sum(float(x) * 60 ** i for i, x in enumerate(reversed(t))))
PY
)
	RSS=$(awk -F: '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$WORK/$name.time")
}

emu_start signins --users "$USERS" --sign-ins-per-user "$PER_USER" --time-scale "$SCALE"
run plain
PLAIN_WALL=$WALL PLAIN_RSS=$RSS
run signins --sign-ins 7
TOTAL=$(python3 -c "import csv,sys; print(sum(int(r['signIns']) for r in csv.DictReader(open(sys.argv[1]))))" "$WORK/signins/signins.csv")
PAGES=$(( (TOTAL + 999) / 1000 ))
emu_stop

python3 - "$TOTAL" "$PAGES" "$SCALE" "$WALL" "$RSS" "$PLAIN_WALL" "$PLAIN_RSS" "$LIMIT" "$RSS_MIB" <<'PY'
import sys
total, pages, scale = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
wall, rss, pwall, prss, limit, rss_mib = map(float, sys.argv[4:])
rate = 5 * scale / 10.0            # reports requests per second allowed
bound = max(pages - 5, 1) / rate   # the bucket's burst of 5 goes at once
extra = rss - prss
print("sign-ins %d in %d pages; reports budget %.1f requests/s (Graph's 5 / 10 s x %g)" % (total, pages, rate, scale))
print("audit without --sign-ins: %.2f s, peak RSS %.1f MiB" % (pwall, prss))
print("audit --sign-ins 7:       %.2f s, peak RSS %.1f MiB (+%.1f MiB)" % (wall, rss, extra))
print("bound (pages - burst) / rate: %.2f s; wall / bound %.2f (at Graph's real 0.5/s: %.0f s)" % (bound, wall / bound, pages / 0.5))
ok = wall / bound <= limit and extra <= rss_mib
print("ok" if ok else "OVER: wall/bound above %.2f or RSS above +%g MiB" % (limit, rss_mib))
sys.exit(0 if ok else 1)
PY
