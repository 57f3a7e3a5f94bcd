#!/usr/bin/env bash
# bench_pipeline.sh - mfa-migrate plan on an N-user export, against the
# floor: a bare libxlsxwriter loop writing as many cells in as many rows.
#
#   tests/bench/bench_pipeline.sh [BUILD_DIR]
#
# Environment (all optional):
#   BUILD    build folder (default: build; the first argument wins)
#   SIZES    user counts (default: "100000 1000000")
#   FORMAT   export format for gen-export (default: graph-mfastate-export)
#   REPEAT   runs of each side per size, best kept (default: 1)
#   WORK     scratch folder (default: $BUILD/bench-work; needs ~3 GB free
#            for 1M users: the exports, reports and libxlsxwriter's
#            temporary sheet files)
#   LIMIT    allowed time ratio ours/floor (default: 1.3)
#   RSS_MIB  allowed peak RSS of ours (default: 64)
#   KEEP     1: keep WORK afterwards
#
# Prints one row per size: N, ours s, floor s, ratio, ours RSS MiB, floor
# RSS MiB. Exits 1 when a ratio is over LIMIT or ours is over RSS_MIB.
set -euo pipefail

BUILD=${1:-${BUILD:-build}}
SIZES=${SIZES:-"100000 1000000"}
FORMAT=${FORMAT:-graph-mfastate-export}
REPEAT=${REPEAT:-1}
WORK=${WORK:-$BUILD/bench-work}
LIMIT=${LIMIT:-1.3}
RSS_MIB=${RSS_MIB:-64}

MFA=$BUILD/mfa-migrate
GEN=$BUILD/tests/bench/gen-export
FLOOR=$BUILD/tests/bench/xlsx-floor
TIME=/usr/bin/time

die() { echo "bench_pipeline: $*" >&2; exit 2; }

[ -x "$TIME" ] || die "'$TIME' is missing: install the Debian package 'time' (apt-get install time)"
command -v python3 >/dev/null || die "python3 is missing"
for b in "$MFA" "$GEN" "$FLOOR"; do
	[ -x "$b" ] || die "'$b' is missing: build first (cmake --build $BUILD)"
done

mkdir -p "$WORK"
cleanup() { [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT

# Rows and cells of every worksheet in an .xlsx (header rows and the
# Summary sheet included: the floor writes as many).
count_cells() {
	python3 - "$1" <<'EOF'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
rows = cells = 0
for name in z.namelist():
    if not (name.startswith('xl/worksheets/sheet') and name.endswith('.xml')):
        continue
    with z.open(name) as f:
        tail = b''
        while True:
            chunk = f.read(1 << 22)
            if not chunk:
                break
            # a match may straddle two chunks: carry the bytes that could
            # start one ('<row ' is 5 bytes, '<c ' 3) and no more
            rows += (tail[-4:] + chunk).count(b'<row ')
            cells += (tail[-2:] + chunk).count(b'<c ')
            tail = chunk[-4:]
print(rows, cells)
EOF
}

# Runs a command under GNU time; prints "seconds maxrss_kib".
measure() {
	local out=$WORK/time.$$
	"$TIME" -f '%e %M' -o "$out" "$@" >/dev/null
	tail -n 1 "$out"
	rm -f "$out"
}

# Keeps the best (least) time of REPEAT runs, and the peak RSS of that run.
best() {
	local best_s="" best_k="" s k
	while read -r s k; do
		if [ -z "$best_s" ] || awk -v a="$s" -v b="$best_s" 'BEGIN{exit !(a<b)}'; then
			best_s=$s
			best_k=$k
		fi
	done
	echo "$best_s $best_k"
}

printf '%-9s %9s %9s %7s %14s %15s\n' N "ours s" "floor s" ratio "ours RSS MiB" "floor RSS MiB"
fail=0
for n in $SIZES; do
	export_csv=$WORK/export-$n.csv
	"$GEN" --users "$n" --format "$FORMAT" --out "$export_csv"

	ours_runs=""
	floor_runs=""
	for ((i = 0; i < REPEAT; i++)); do
		rm -rf "$WORK/ours-$n"
		ours_runs+="$(measure "$MFA" plan --from-csv "$export_csv" --out "$WORK/ours-$n" -q)"$'\n'
		[ -f "$WORK/ours-$n/report.xlsx" ] || die "mfa-migrate wrote no report.xlsx"
		read -r rows cells < <(count_cells "$WORK/ours-$n/report.xlsx")

		rm -rf "$WORK/floor-$n"
		mkdir -p "$WORK/floor-$n"
		floor_runs+="$(measure "$FLOOR" --rows "$rows" --cells "$cells" --out "$WORK/floor-$n/floor.xlsx")"$'\n'
		rm -rf "$WORK/floor-$n"
	done
	read -r ours_s ours_k < <(printf '%s' "$ours_runs" | best)
	read -r floor_s floor_k < <(printf '%s' "$floor_runs" | best)
	rm -rf "$WORK/ours-$n" "$export_csv"

	ratio=$(awk -v a="$ours_s" -v b="$floor_s" 'BEGIN{ printf "%.2f", (b > 0 ? a / b : 0) }')
	printf '%-9s %9s %9s %7s %14s %15s   (%s rows, %s cells)\n' "$n" "$ours_s" "$floor_s" "$ratio" \
		"$(awk -v k="$ours_k" 'BEGIN{ printf "%.1f", k / 1024 }')" \
		"$(awk -v k="$floor_k" 'BEGIN{ printf "%.1f", k / 1024 }')" "$rows" "$cells"
	if awk -v r="$ratio" -v l="$LIMIT" 'BEGIN{exit !(r > l)}'; then
		echo "  over: ours takes more than ${LIMIT}x the floor" >&2
		fail=1
	fi
	if [ "$ours_k" -gt $((RSS_MIB * 1024)) ]; then
		echo "  over: peak RSS above ${RSS_MIB} MiB" >&2
		fail=1
	fi
done
exit $fail
