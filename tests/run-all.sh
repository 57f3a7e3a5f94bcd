#!/usr/bin/env bash
# Installs what the project needs (Debian 12, as root), builds it twice
# (plain with -Werror, then with ASan+UBSan) and runs the whole test suite
# in each, then runs every fuzz target briefly (libFuzzer, clang). Ends with
# ctest's summary of the sanitizer run.
set -euo pipefail
cd "$(dirname "$0")/.."

./tests/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)

echo "== build (warnings are errors)"
cmake -S . -B build-ci -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMFA_WERROR=ON >/dev/null
cmake --build build-ci -j"$jobs"
echo "== tests"
ctest --test-dir build-ci --output-on-failure -j"$jobs"

echo "== build (AddressSanitizer + UndefinedBehaviorSanitizer)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMFA_WERROR=ON -DMFA_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
echo "== tests under sanitizers"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" | tee build-asan/ctest.log

echo "== fuzz targets (libFuzzer + ASan + UBSan, ${FUZZ_SECONDS:=30} s each)"
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DMFA_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$jobs" --target $(cd tests/fuzz && ls fuzz_*.c | sed "s/\.c$//") >/dev/null
for target in build-fuzz/tests/fuzz/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  corpus=build-fuzz/corpus/$name
  rm -rf "$corpus"; mkdir -p "$corpus"
  cp samples/*.csv tests/fuzz/seeds/* "$corpus"/ 2>/dev/null || true
  # a crash, a leak or a sanitizer report makes libFuzzer exit non-zero
  if ! "$target" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 "$corpus" \
       >"build-fuzz/$name.log" 2>&1; then
    tail -n 40 "build-fuzz/$name.log"
    echo "fuzz: $name failed (log: build-fuzz/$name.log)" >&2
    exit 1
  fi
  echo "fuzz: $name: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "build-fuzz/$name.log" | grep -o '[0-9]*$') runs, no crash"
done

echo "== ctest summary of the sanitizer run"
grep -E '^[0-9]+% tests passed|^Total Test time' build-asan/ctest.log
