# emu.sh - sourced by the bench scripts: their setup, and starting and
# stopping graph-emulator. Needs MFA and EMU (the binaries), WORK (a
# scratch folder) and BENCH (the script's name, for messages). A script
# either calls bench_setup, or declares EMU_PIDS=() and EMU_PID= before its
# own cleanup trap: every started emulator's pid is added to EMU_PIDS.

# bench_setup: the emulator's own app in the environment, whatever the
# caller's says (BENCH_TENANT=none leaves the tenant unset, for --tenants
# runs); the binaries and GNU time checked; $WORK made; and a trap that
# stops every emulator started and removes $WORK (unless KEEP=1).
bench_setup() {
	local f

	export AZURE_CLIENT_ID=8d4e3f2a-1b0c-4d9e-8f7a-000000c11e47
	export AZURE_CLIENT_SECRET=emulator-secret
	if [ "${BENCH_TENANT:-}" = none ]; then
		unset AZURE_TENANT_ID
	else
		export AZURE_TENANT_ID=5f1c2b3a-7e6d-4c5b-9a8f-000000e1a1c0
	fi
	unset AZURE_CLIENT_CERTIFICATE_PATH AZURE_AUTHORITY_HOST MFA_MIGRATE_ACCESS_TOKEN \
		MFA_MIGRATE_TRACE JOB_COMPLETION_INDEX MFA_MIGRATE_SHARD_COUNT
	for f in "$MFA" "$EMU"; do
		[ -x "$f" ] || { echo "$BENCH: '$f' not found (build first, or give BUILD_DIR)" >&2; exit 2; }
	done
	[ -x /usr/bin/time ] || { echo "$BENCH: /usr/bin/time not found (Debian package time)" >&2; exit 2; }
	mkdir -p "$WORK"
	EMU_PID=
	EMU_PIDS=()
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

bench_cleanup() {
	local p

	for p in "${EMU_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	[ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
}

# emu_start NAME ARGS...: starts an emulator with ARGS on a free port,
# waits for its port file, sets EMU_PID and BASE; its output goes to
# $WORK/NAME.emu.log (shown if it dies while starting).
emu_start() {
	local name=$1
	shift
	rm -f "$WORK/$name.port"
	"$EMU" --port 0 --port-file "$WORK/$name.port" "$@" >"$WORK/$name.emu.log" 2>&1 &
	EMU_PID=$!
	EMU_PIDS+=("$EMU_PID")
	for _ in $(seq 1 3000); do
		[ -s "$WORK/$name.port" ] && break
		kill -0 "$EMU_PID" 2>/dev/null || { cat "$WORK/$name.emu.log" >&2; exit 1; }
		sleep 0.01
	done
	[ -s "$WORK/$name.port" ] || { echo "$BENCH: emulator '$name' did not start" >&2; exit 1; }
	BASE=http://127.0.0.1:$(cat "$WORK/$name.port")
}

# emu_stop: stops the emulator emu_start started last.
emu_stop() {
	kill "$EMU_PID" 2>/dev/null || true
	wait "$EMU_PID" 2>/dev/null || true
	EMU_PID=
}
