#!/usr/bin/env bash
# bench_tenants.sh - audit --tenants across many emulated tenants in one
# graph-emulator (--tenants N): unsharded, then in shards run one after
# another and merged with `mfa-migrate rollup`. See README.md
# ("bench_tenants.sh").
#
#   tests/bench/bench_tenants.sh [BUILD_DIR]        # default: build
#   TENANTS=50 USERS=100 SHARDS=4 tests/bench/bench_tenants.sh build
#
# Environment: TENANTS (500), USERS (200 a tenant), SHARDS (4), WORKERS
# (audit --workers, default the tool's 256: 4 tenants at a time),
# LATENCY_MS (0, the emulator's added latency a request), WORK (scratch,
# default BUILD/bench-tenants), KEEP=1 keeps it.
# Prints one table row per run: wall s, tenants a minute, peak RSS of the
# largest process (GNU time's %M: the parent or its largest tenant audit)
# and of the whole process tree (sampled every 50 ms from /proc), and
# checks that the merged roll-up equals the unsharded one (exit 1 if not).
# Needs /usr/bin/time (Debian package time), python3 and curl.
set -euo pipefail

BUILD=${1:-build}
MFA=$BUILD/mfa-migrate
EMU=$BUILD/tests/emulator/graph-emulator
TENANTS=${TENANTS:-500}
USERS=${USERS:-200}
SHARDS=${SHARDS:-4}
LATENCY_MS=${LATENCY_MS:-0}
WORK=${WORK:-$BUILD/bench-tenants}

BENCH=bench_tenants
BENCH_TENANT=none
# shellcheck source=tests/bench/emu.sh
. "$(dirname "$0")/emu.sh"
rm -rf "$WORK"
bench_setup

# The peak summed RSS (KiB) of pid's descendants (pid is GNU time, not
# counted), sampled every 50 ms until pid ends; "-" when none was seen.
tree_rss() {
	python3 - "$1" <<'PY'
import os, sys, time
root = int(sys.argv[1]); peak = 0
def kids(p):
    out = []
    try:
        for t in os.listdir("/proc/%d/task" % p):
            with open("/proc/%d/task/%s/children" % (p, t)) as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out
while os.path.exists("/proc/%d" % root):
    total, todo = 0, kids(root)
    while todo:
        p = todo.pop()
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
        todo += kids(p)
    peak = max(peak, total)
    time.sleep(0.05)
print(peak if peak else "-")
PY
}

# timed NAME CMD...: runs CMD under GNU time with the tree sampler; sets
# WALL (s), RSS (MiB, largest process) and TREE (MiB, whole tree).
timed() {
	local name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$WORK/$name.time" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
	local pid=$!
	TREE=$(tree_rss "$pid")
	local rc=0
	wait "$pid" || rc=$?
	# 1: some tenant's audit failed (shown in the table), anything else is ours
	if [ "$rc" -gt 1 ] && [ "$rc" -ne 3 ]; then
		echo "bench_tenants: '$name' exited $rc" >&2
		tail -5 "$WORK/$name.err" >&2
		exit 1
	fi
	read -r WALL RSS < <(tail -1 "$WORK/$name.time")
	RSS=$(awk -v k="$RSS" 'BEGIN { printf "%.1f", k / 1024 }')
	[ "$TREE" = - ] || TREE=$(awk -v k="$TREE" 'BEGIN { printf "%.1f", k / 1024 }')
}

per_min() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n * 60 / s }'; }

t0=$(date +%s.%N)
emu_start tenants --tenants "$TENANTS" --users "$USERS" --latency-ms "$LATENCY_MS"
EMU_READY=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
EMU_RSS=$(awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$EMU_PID/status")
curl -fsS "$BASE/_emulator/tenants" | python3 -c '
import json, sys
for i, t in enumerate(json.load(sys.stdin)["tenants"]):
    print("%s,Tenant %d,,,%s" % (t["id"], i, sys.argv[1]))' "$BASE" >"$WORK/tenants.txt"
W=()
[ -n "${WORKERS:-}" ] && W=(--workers "$WORKERS")

echo "bench_tenants: $TENANTS tenants x $USERS users in one emulator (ready in ${EMU_READY} s, RSS ${EMU_RSS} MiB), $(nproc) cores"
echo
echo "| run | tenants | wall s | tenants/min | peak RSS MiB (largest process) | peak RSS MiB (process tree) |"
echo "|---|---|---|---|---|---|"

# the baseline: one tenant alone, the floor a tenant's audit costs
timed single "$MFA" audit --graph-url "$BASE" --login-url "$BASE" \
	--tenant "$(head -1 "$WORK/tenants.txt" | cut -d, -f1)" --out "$WORK/single" -q
echo "| baseline: one tenant's audit alone | 1 | $WALL | $(per_min 1 "$WALL") | $RSS | $TREE |"

timed whole "$MFA" audit --tenants "$WORK/tenants.txt" "${W[@]}" --out "$WORK/whole" -q
echo "| 1 shard (unsharded audit --tenants) | $TENANTS | $WALL | $(per_min "$TENANTS" "$WALL") | $RSS | $TREE |"

SUM=0
PEAK=0
PEAKT=0
DIRS=()
for ((i = 0; i < SHARDS; i++)); do
	timed "shard$i" "$MFA" audit --tenants "$WORK/tenants.txt" --shard "$i/$SHARDS" "${W[@]}" \
		--out "$WORK/shard$i" -q
	n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["tenants"]))' "$WORK/shard$i/summary.json")
	echo "| shard $i/$SHARDS | $n | $WALL | $(per_min "$n" "$WALL") | $RSS | $TREE |"
	SUM=$(awk -v a="$SUM" -v b="$WALL" 'BEGIN { print a + b }')
	PEAK=$(awk -v a="$PEAK" -v b="$RSS" 'BEGIN { print (b > a ? b : a) }')
	[ "$TREE" = - ] || PEAKT=$(awk -v a="$PEAKT" -v b="$TREE" 'BEGIN { print (b > a ? b : a) }')
	DIRS+=("$WORK/shard$i")
done
timed rollup "$MFA" rollup "${DIRS[@]}" --out "$WORK/merged" -q
echo "| rollup of the $SHARDS shards | $TENANTS | $WALL | - | $RSS | $TREE |"
SUM=$(awk -v a="$SUM" -v b="$WALL" 'BEGIN { print a + b }')
PEAK=$(awk -v a="$PEAK" -v b="$RSS" 'BEGIN { print (b > a ? b : a) }')
PEAKT=$(awk -v a="$PEAKT" -v b="$TREE" 'BEGIN { print (b > a ? b : a) }')
echo "| $SHARDS shards one after another + rollup | $TENANTS | $SUM | $(per_min "$TENANTS" "$SUM") | $PEAK | $PEAKT |"

python3 - "$WORK/whole/summary.json" "$WORK/merged/summary.json" <<'PY'
import json, sys
def load(p):
    with open(p) as f:
        d = json.load(f)
    d.pop("shard", None)
    for t in d["tenants"]:
        t.pop("folder", None)
    return d
a, b = load(sys.argv[1]), load(sys.argv[2])
if a != b:
    sys.exit("bench_tenants: the merged roll-up differs from the unsharded one")
print("\nmerged roll-up == unsharded roll-up (summary.json less folders): %d tenants, %d users"
      % (len(a["tenants"]), a["allTenants"]["users"]))
PY
