# emu.sh - sourced by the bench scripts: start and stop graph-emulator.
# Needs EMU (the emulator binary), WORK (a scratch folder) and BENCH (the
# script's name, for messages), and EMU_PIDS=() and EMU_PID= declared
# before the script's cleanup trap: every started emulator's pid is added
# to EMU_PIDS for that cleanup.

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
