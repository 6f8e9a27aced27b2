#!/usr/bin/env bash
# Fuzzes dynaq's input parsers: builds the libFuzzer targets of tests/fuzz/ with Debian's clang,
# AddressSanitizer and UndefinedBehaviorSanitizer into build-fuzz/, then runs each target for a
# bounded time. Installs the Debian packages it is missing.
#
#   scripts/fuzz.sh                  # every target, 60 s each
#   scripts/fuzz.sh -t 600 mdp_json  # one target, 10 minutes
#
# Each target starts from its committed seed corpus (tests/fuzz/corpus/TARGET/) and the committed
# regressions (tests/data/fuzz_regressions/TARGET/); inputs that reach new code are kept in
# build-fuzz/corpus/TARGET/ (not committed). A finding is a crash, a sanitizer report, an
# exception other than InputError, a hang (-timeout), a leak, or one allocation larger than
# -malloc_limit_mb (memory must stay proportional to the input). The input is saved under
# build-fuzz/findings/TARGET/ and the script exits non-zero: fix the bug, then commit the input
# to tests/data/fuzz_regressions/TARGET/, where tests/fuzz_regression_test.cpp replays it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=60
targets=()
while (($#)); do
  case "$1" in
    -t | --seconds) seconds="$2"; shift 2 ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done

# clang, libFuzzer (libclang-rt-N-dev is only recommended by clang, so name it) and what the
# configure step of dynaq needs.
scripts/install_missing.sh cmake make clang libomp-dev libcli11-dev
clang_major=$(clang --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)
scripts/install_missing.sh "libclang-rt-${clang_major}-dev"

build="build-fuzz"
mkdir -p "$build"
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="" -DDYNAQ_FUZZ=ON \
  -DDYNAQ_ENABLE_CUDA=OFF -DDYNAQ_BUILD_TESTS=OFF >"$build/configure.log" 2>&1 || {
  cat "$build/configure.log" >&2
  exit 1
}

if ((${#targets[@]} == 0)); then
  for source in tests/fuzz/fuzz_*.cpp; do
    name=$(basename "$source" .cpp)
    targets+=("${name#fuzz_}")
  done
fi
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}"

# Larger inputs than libFuzzer's default 4096 bytes: a million-state MDP is out of reach anyway,
# but a few thousand states or cells exercise the size checks.
declare -A max_len=([maze]=16384 [mdp_json]=65536 [config]=16384)
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=()
for target in "${targets[@]}"; do
  corpus="$build/corpus/$target"
  findings="$build/findings/$target"
  mkdir -p "$corpus" "$findings" "tests/fuzz/corpus/$target" "tests/data/fuzz_regressions/$target"
  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=32
           -max_len="${max_len[$target]:-16384}" -artifact_prefix="$findings/" -print_final_stats=1)
  [[ -f "tests/fuzz/$target.dict" ]] && options+=(-dict="tests/fuzz/$target.dict")
  echo "== fuzz_$target for ${seconds} s" >&2
  if "$build/tests/fuzz/fuzz_$target" "${options[@]}" "$corpus" "tests/fuzz/corpus/$target" \
       "tests/data/fuzz_regressions/$target" >"$build/fuzz_$target.log" 2>&1; then
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)|^Done' "$build/fuzz_$target.log" >&2 || true
  else
    tail -n 60 "$build/fuzz_$target.log" >&2
    failed+=("$target")
  fi
done

if ((${#failed[@]})); then
  echo "dynaq fuzz: findings in: ${failed[*]} (inputs in $build/findings/; logs in $build/fuzz_*.log)" >&2
  exit 1
fi
echo "dynaq fuzz: no findings in ${targets[*]} (${seconds} s each)" >&2
