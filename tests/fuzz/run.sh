#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang (tests/fuzz/CMakeLists.txt, in BUILD_DIR/fuzz) and runs each:
# first every regression input of regressions/<reader>/ (the crash classes of issue 19; any crash fails),
# then SECONDS of fuzzing from the seeds of corpus/<reader>/ (new inputs go to a temporary directory, not
# into the repository; a crash input is kept in BUILD_DIR/fuzz/crashes/). Without clang: SKIPPED.
# Usage: run.sh BUILD_DIR [SECONDS=3]
set -u
B=${1:?build dir}; SECONDS_EACH=${2:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
CXX=$(command -v clang++ || command -v clang++-14 || true)
[ -n "$CXX" ] || { echo "SKIPPED: no clang++ (the fuzz harnesses need libFuzzer)"; exit 0; }
echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' > "$B/fuzz_probe.cpp"
if ! "$CXX" -fsanitize=fuzzer,address "$B/fuzz_probe.cpp" -o "$B/fuzz_probe" 2>/dev/null; then
  echo "SKIPPED: $CXX cannot link -fsanitize=fuzzer (install libclang-rt-dev)"; exit 0; fi
F="$B/fuzz"
cmake -S "$HERE" -B "$F" -DCMAKE_CXX_COMPILER="$CXX" >"$B/fuzz_configure.log" 2>&1 ||
  { echo "FAIL: configuring tests/fuzz"; tail -20 "$B/fuzz_configure.log"; exit 1; }
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir -p "$F/crashes"
fail=0
for reader in npy npz csv schedule mixture_json text model_info; do
  bin="$F/fuzz_$reader"
  if ! nice -n 5 cmake --build "$F" --target "fuzz_$reader" -j "${JOBS:-2}" >"$F/build_$reader.log" 2>&1; then
    echo "FAIL: building fuzz_$reader"; grep -m 20 -E "error|Error" "$F/build_$reader.log"; fail=1; continue; fi
  if [ -d "$HERE/regressions/$reader" ]; then
    if ! "$bin" -rss_limit_mb=2048 -timeout=20 "$HERE/regressions/$reader"/* >"$F/$reader.regressions.log" 2>&1; then
      echo "FAIL: fuzz_$reader on a regression input"; tail -30 "$F/$reader.regressions.log"; fail=1; continue; fi
    echo "fuzz_$reader: $(ls "$HERE/regressions/$reader" | wc -l) regression inputs passed"
  fi
  work=$(mktemp -d "$F/corpus.$reader.XXXXXX")
  if "$bin" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=20 -max_len=65536 -print_final_stats=1 \
       -artifact_prefix="$F/crashes/$reader-" "$work" "$HERE/corpus/$reader" >"$F/$reader.log" 2>&1; then
    echo "fuzz_$reader: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$F/$reader.log" | grep -o '[0-9]*$') runs in ${SECONDS_EACH} s, no finding"
  else
    echo "FAIL: fuzz_$reader found a crash (input kept in $F/crashes/):"; tail -40 "$F/$reader.log"; fail=1
  fi
  rm -rf "$work"
done
[ $fail -eq 0 ] && echo "fuzz: all passed"
exit $fail
