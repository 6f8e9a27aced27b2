#!/usr/bin/env bash
# The GPU check: what a session with an NVIDIA GPU runs to validate the cuda engine and record it.
#
#   scripts/gpu_check.sh            # every stage, in order
#   scripts/gpu_check.sh tests      # some stages: build tests sanitize timing bench figure profile
#
# Stages (each well under 10 minutes on an H100; run them one by one where a session limits the
# length of a command; the build directory is kept between them):
#   build     configure and build in build-gpu/ (Release, sm_90 unless CMAKE_CUDA_ARCHITECTURES is
#             set), with ptxas's register and spill report of every kernel
#   tests     the GPU tests (cuda engine and value iteration against the reference, bit for bit;
#             the host emulation tests too), then the whole suite with ctest
#   sanitize  compute-sanitizer memcheck, racecheck, synccheck and initcheck on the small GPU runs
#             (CudaSanitizer.*), memcheck also on the straightforward kernel's parity test
#   timing    every kernel version on the Dyna maze (CudaTiming.*: Q backups per second)
#   bench     dynaq-bench with the cuda engine beside the cpu engine (and the JAX peer, on the GPU
#             when the machine's JAX has CUDA)
#   figure    Sutton & Barto figure 8.2 with 10,000 seeds per n on the GPU, end to end, files included
#   profile   Nsight Compute on one launch of each kernel version in a long run (occupancy, stall
#             reasons, instructions, memory traffic): the evidence for the next design step
# Everything is logged under benchmarks/results/gpu-check-DEVICE/ (DEVICE from nvidia-smi, e.g.
# nvidia-h100-80gb-hbm3), one file per stage plus summary.txt; commit that folder. With $OUT set
# to a folder (a lent machine whose files come back from there), the folder is also archived
# into $OUT. A machine without Debian's packages builds with what scripts/gpu_bundle.sh put in
# .deps/. The script exits non-zero when any stage failed, after running every stage asked for.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
root=$(pwd)
build=${DYNAQ_GPU_BUILD:-$root/build-gpu}

if ! command -v nvcc >/dev/null 2>&1 && [[ -x /usr/local/cuda/bin/nvcc ]]; then
  export PATH="/usr/local/cuda/bin:$PATH"
fi
if ! command -v compute-sanitizer >/dev/null 2>&1 && [[ -x /usr/local/cuda/compute-sanitizer/compute-sanitizer ]]; then
  export PATH="/usr/local/cuda/compute-sanitizer:$PATH"
fi
if ! command -v ncu >/dev/null 2>&1; then
  for ncu_dir in /usr/local/cuda/nsight-compute* /opt/nvidia/nsight-compute/*; do
    [[ -x $ncu_dir/ncu ]] && export PATH="$ncu_dir:$PATH" && break
  done
fi
device=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1)
if [[ -z "$device" ]]; then
  echo "gpu_check: no GPU: nvidia-smi does not list one (nothing to check here)" >&2
  exit 1
fi
slug=$(printf '%s' "$device" | tr '[:upper:]' '[:lower:]' | tr -cs 'a-z0-9' '-' | sed 's/^-//; s/-$//')
out=$root/benchmarks/results/gpu-check-$slug
mkdir -p "$out"
summary=$out/summary.txt
stages=("$@")
((${#stages[@]})) || stages=(build tests sanitize timing bench figure profile)
tests_bin=$build/tests/dynaq_tests
failed=0

# On a lent machine whose files come back only from $OUT (a few files at most): one archive of
# the log folder, made anew after every stage, so that a command stopped at its time limit still
# brings back the stages it finished.
archive() {
  [[ -n ${OUT:-} && -d ${OUT:-} ]] || return 0
  tar -czf "$OUT/gpu-check-$slug.tar.gz" -C "$root/benchmarks/results" "gpu-check-$slug"
}

# run NAME LOG COMMAND...: runs COMMAND with its output in LOG (and on the terminal), records
# PASS or FAIL with the time taken in summary.txt, and carries on.
run() {
  local name=$1 log=$2
  shift 2
  local start=$SECONDS
  echo "== $name: $*" | tee "$out/$log"
  "$@" 2>&1 | tee -a "$out/$log"
  local status=${PIPESTATUS[0]}
  local verdict=PASS
  ((status == 0)) || { verdict="FAIL (exit $status)"; failed=1; }
  printf '%-28s %-16s %5ss  %s\n' "$name" "$verdict" "$((SECONDS - start))" "$log" | tee -a "$summary"
  archive
}

{
  echo "gpu_check $(date -u +%Y-%m-%dT%H:%M:%SZ) on $device"
  echo "commit $(git rev-parse HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "stages: ${stages[*]}"
} | tee -a "$summary"
{
  nvidia-smi
  nvcc --version
  command -v compute-sanitizer && compute-sanitizer --version
  uname -a
  lscpu | head -n 20
} >"$out/environment.txt" 2>&1

# shellcheck disable=SC2317  # called through run
figure() {  # the main job at the scale it is meant for, timed as a user would time it
  local folder=$build/figure-8.2
  rm -rf "$folder"
  local TIMEFORMAT="end to end: %R s wall, %U s user, %S s system"
  time "$build/dynaq" run --preset figure-8.2 --seeds 10000 --backend cuda --out "$folder" || return 1
  ls -l "$folder"
}

# shellcheck disable=SC2317  # called through run
profile() {  # KERNEL DYNAQ-RUN-OPTIONS...: one launch of the kernel, skipping the self-check's
  local kernel=$1
  shift
  # A long run makes many launches (about 65536 Q backups per agent each); the first few are the
  # self-check's short runs, so the tenth advance launch belongs to the run itself.
  ncu --kernel-name regex:advance_ --launch-skip 10 --launch-count 1 \
    --section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats \
    --section SchedulerStats --section InstructionStats --section MemoryWorkloadAnalysis \
    "$build/dynaq" run --backend cuda --cuda-kernel "$kernel" --quiet --out "$build/profile-$kernel" "$@"
}

# shellcheck disable=SC2317  # called through run
sanitize() {  # TOOL FILTER [extra compute-sanitizer options]
  local tool=$1 filter=$2
  shift 2
  compute-sanitizer --tool "$tool" --error-exitcode 1 "$@" "$tests_bin" --gtest_filter="$filter"
}

for stage in "${stages[@]}"; do
  case $stage in
    build)
      # Libraries carried from a machine with Debian's packages (scripts/gpu_bundle.sh), if any.
      deps=()
      if [[ -d $root/.deps/usr ]]; then
        deps=(-DGTest_DIR="$root/.deps/usr/lib/x86_64-linux-gnu/cmake/GTest"
              -DCLI11_DIR="$root/.deps/usr/share/cmake/CLI11")
      fi
      run configure configure.log cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_FLAGS=-Xptxas=-v \
        "${deps[@]}"
      run build build.log cmake --build "$build" -j"$(nproc)"
      # Registers, stack and spills of every kernel (kernels/agent_kernels.cu's napkin math).
      grep -E "Compiling entry|registers|spill" "$out/build.log" >"$out/ptxas.txt" || true
      ;;
    tests)
      run gpu-tests gpu-tests.log "$tests_bin" --gtest_filter='Cuda*:Shared*:EngineParity.*'
      run ctest ctest.log ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
      ;;
    sanitize)
      if ! command -v compute-sanitizer >/dev/null 2>&1; then
        echo "compute-sanitizer not found (it ships with the CUDA toolkit)" | tee -a "$summary"
        failed=1
        continue
      fi
      run memcheck memcheck.log sanitize memcheck 'CudaSanitizer.*:EngineParity.GpuKernelMatchesReference' --leak-check full
      run racecheck racecheck.log sanitize racecheck 'CudaSanitizer.*' --racecheck-report all
      run synccheck synccheck.log sanitize synccheck 'CudaSanitizer.*'
      run initcheck initcheck.log sanitize initcheck 'CudaSanitizer.*'
      ;;
    timing)
      run timing timing.log "$tests_bin" --gtest_also_run_disabled_tests --gtest_filter='CudaTiming.*'
      ;;
    bench)
      run bench bench.log "$build/benchmarks/dynaq-bench" --engines cpu-all,cuda --gpu-time-budget 10 --time-budget 4 \
        --no-baselines --json "$out/bench.json"
      ;;
    figure)
      run figure-8.2 figure.log figure
      ;;
    profile)
      if ! command -v ncu >/dev/null 2>&1; then
        echo "ncu not found (Nsight Compute ships with the CUDA toolkit)" | tee -a "$summary"
        failed=1
        continue
      fi
      run profile-shared profile-shared.log profile shared --env dyna-maze -n 50 --seeds 100000 --steps 20000
      # About 0.6 MiB of tables per agent: 20,000 agents keep the run in one chunk on an H100.
      run profile-global profile-global.log profile global --env random-maze:100x100:1 -n 50 --seeds 20000 \
        --steps 20000
      ;;
    *)
      echo "gpu_check: unknown stage '$stage' (build tests sanitize timing bench figure profile)" >&2
      exit 2
      ;;
  esac
done

echo "results in ${out#"$root"/}" | tee -a "$summary"
archive && [[ -n ${OUT:-} ]] && echo "archived in \$OUT/gpu-check-$slug.tar.gz"
exit "$failed"
