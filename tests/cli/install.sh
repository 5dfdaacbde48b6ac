#!/usr/bin/env bash
# pmm as an installed library: cmake --install into a temporary prefix, then examples/consumer (its own
# CMakeLists.txt with find_package(pmm)) is configured, built and run against it.
set -u
B=${1:?build dir}; SRC=$(cd "$(dirname "$0")/../.." && pwd); T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cmake --install "$B" --prefix "$T/prefix" >"$T/install.log" 2>&1 || { echo "FAIL: install"; tail -20 "$T/install.log"; exit 1; }
[ -f "$T/prefix/include/pmm/solvers/heun.hpp" ] || { echo "FAIL: headers not installed"; exit 1; }
[ -f "$T/prefix/lib/cmake/pmm/pmmConfig.cmake" ] || [ -f "$T/prefix/lib/x86_64-linux-gnu/cmake/pmm/pmmConfig.cmake" ] ||
  { echo "FAIL: no package config"; exit 1; }
cmake -S "$SRC/examples/consumer" -B "$T/build" -DCMAKE_PREFIX_PATH="$T/prefix" -DCMAKE_BUILD_TYPE=Release \
  >"$T/cfg.log" 2>&1 || { echo "FAIL: configure consumer"; tail -20 "$T/cfg.log"; exit 1; }
cmake --build "$T/build" >"$T/build.log" 2>&1 || { echo "FAIL: build consumer"; tail -30 "$T/build.log"; exit 1; }
"$T/build/consumer" || { echo "FAIL: consumer run"; exit 1; }
