#!/usr/bin/env bash
# Builds dynaq with AddressSanitizer and UndefinedBehaviorSanitizer (g++, CUDA off: the reference
# and cpu engines) into build-sanitize/, and runs the whole CPU test suite under them, the dynaq
# processes the tests start included. Installs the Debian packages it is missing. MPI is left out:
# Open MPI keeps allocations until exit in plug-ins it unloads, which no suppression can name.
#
#   scripts/sanitize.sh            # build and run every test
#   scripts/sanitize.sh -R Fault   # only the tests whose names match (ctest -R)
#
# Any finding fails: a report aborts its process, and every report is also written under
# build-sanitize/sanitizer-reports/, which must stay empty (a report from a dynaq process whose
# failure a test expected would otherwise go unseen).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install_missing.sh cmake g++ make libgtest-dev libcli11-dev

build="build-sanitize"
mkdir -p "$build"
sanitizers="-fsanitize=address,undefined -fno-sanitize-recover=all"
# g++ 12 at -O1 with the sanitizers reports std::function members in libstdc++'s <regex> (which
# CLI11 includes) as maybe uninitialized; the Release build keeps the warning for our own code.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=g++ \
  -DCMAKE_CXX_FLAGS="$sanitizers -fno-omit-frame-pointer -g -O1 -Wno-maybe-uninitialized" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="" \
  -DCMAKE_EXE_LINKER_FLAGS="$sanitizers" -DDYNAQ_ENABLE_CUDA=OFF -DDYNAQ_WITH_MPI=OFF >"$build/configure.log" 2>&1 || {
  cat "$build/configure.log" >&2
  exit 1
}
cmake --build "$build" -j"$(nproc)"

reports="$PWD/$build/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"
chmod 1777 "$reports"  # tests run dynaq as another user too
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=1:log_path=$reports/asan:log_exe_name=1"
export UBSAN_OPTIONS="abort_on_error=1:halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan:log_exe_name=1"

status=0
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" "$@" || status=$?
# An empty report file is one a process opened when the fault tests SIGKILLed it: nothing to read.
found=0
for report in "$reports"/*; do
  [[ -s "$report" ]] || continue
  ((found++)) || echo "dynaq sanitize: sanitizer reports:" >&2
  echo "== $report" >&2
  cat "$report" >&2
done
((found == 0)) || exit 1
exit "$status"
