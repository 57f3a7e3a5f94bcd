#!/usr/bin/env bash
# Installs what the project needs (Debian 12, as root), builds it twice
# (plain with -Werror, then with ASan+UBSan) and runs the whole test suite
# in each, builds the .deb from the first and installs it (as root), then
# runs every fuzz target briefly (libFuzzer, clang). Ends with ctest's
# summary of the sanitizer run.
set -euo pipefail
cd "$(dirname "$0")/.."

./tests/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)

echo "== build (warnings are errors)"
cmake -S . -B build-ci -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMFA_WERROR=ON >/dev/null
cmake --build build-ci -j"$jobs"
echo "== tests"
ctest --test-dir build-ci --output-on-failure -j"$jobs"
# The .deb of the -Werror build, installed with apt-get and checked (as
# root; not root, it says it skips the install unless CI=true)
echo "== package (cpack -G DEB, apt-get install, the installed binary)"
./tests/install/deb.sh build-ci

echo "== build (AddressSanitizer + UndefinedBehaviorSanitizer)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMFA_WERROR=ON -DMFA_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
echo "== tests under sanitizers"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" | tee build-asan/ctest.log

# Every tests/fuzz/fuzz_*.c target, FUZZ_SECONDS (default 60) each, $jobs at a
# time (8 targets on 2 cores: about 4 minutes), seeded from tests/fuzz/seeds and
# samples/ (read-only corpora: new inputs go to build-fuzz/corpus/<target>).
# A crash, a leak, a sanitizer report (UBSan halts too), an input that takes
# over 30 s or an out-of-memory makes libFuzzer exit non-zero: the run fails.
echo "== fuzz targets (libFuzzer + ASan + UBSan, ${FUZZ_SECONDS:=60} s each)"
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DMFA_FUZZ=ON >/dev/null
fuzz_targets=$(cd tests/fuzz && ls fuzz_*.c | sed "s/\.c$//")
cmake --build build-fuzz -j"$jobs" --target $fuzz_targets >/dev/null
fuzz_one() {
  local name=$1 corpus=build-fuzz/corpus/$1
  rm -rf "$corpus"; mkdir -p "$corpus"
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
       "build-fuzz/tests/fuzz/$name" -max_total_time="$FUZZ_SECONDS" -timeout=30 \
       -print_final_stats=1 "$corpus" tests/fuzz/seeds samples >"build-fuzz/$name.log" 2>&1; then
    tail -n 40 "build-fuzz/$name.log"
    echo "fuzz: $name failed (log: build-fuzz/$name.log)" >&2
    touch "build-fuzz/$name.failed"
    return 1
  fi
  echo "fuzz: $name: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "build-fuzz/$name.log" | grep -o '[0-9]*$') runs, no crash"
}
rm -f build-fuzz/*.failed
for name in $fuzz_targets; do
  [ -x "build-fuzz/tests/fuzz/$name" ] || { echo "fuzz: $name was not built" >&2; exit 1; }
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  fuzz_one "$name" &
done
wait
if ls build-fuzz/*.failed >/dev/null 2>&1; then
  echo "fuzz: failed: $(cd build-fuzz && ls *.failed | sed 's/\.failed$//' | tr '\n' ' ')" >&2
  exit 1
fi

echo "== ctest summary of the sanitizer run"
grep -E '^[0-9]+% tests passed|^Total Test time' build-asan/ctest.log
