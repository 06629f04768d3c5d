#!/usr/bin/env bash
# Sets up and runs every Silang test on Debian 12:
#   1. installs the Debian packages (tools/install-deps.sh)
#   2. builds and runs the suite (unit, in-process gRPC, end-to-end)
#   3. builds again with AddressSanitizer + UBSan and runs the suite again
#   4. runs the MARC import fuzzer for a bounded time
# Build trees: build/ and build-asan/ (reused when present).
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh

jobs=$(nproc)
run_suite() {
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "$@" > /dev/null
  ninja -C "$dir" -j "$jobs"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 600
}

# Line tables only (-g1): backtraces, sanitizer reports and perf still name
# file and line, and each file compiles in about a quarter less time than
# with full -g (most of the suite's time is compiling). For variables in a
# debugger, build Debug.
echo "== build and test (RelWithDebInfo)"
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"

echo "== build and test (ASan + UBSan)"
# Debian's RocksDB and gRPC are not instrumented; container-overflow checks
# need every library instrumented, so they are off.
export ASAN_OPTIONS=detect_container_overflow=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DSILANG_SANITIZE=ON \
  -DSILANG_BUILD_BENCHMARKS=OFF -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1"

if [ -x tests/catalog/run-fuzz.sh ]; then
  echo "== fuzz the catalogue import (bounded)"
  tests/catalog/run-fuzz.sh
fi
echo "== all tests passed"
