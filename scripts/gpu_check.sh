#!/usr/bin/env bash
# The GPU check: what a session with an NVIDIA GPU runs to validate the cuda engine and record it.
#
#   scripts/gpu_check.sh            # every stage, in order
#   scripts/gpu_check.sh tests      # some stages: build tests sanitize timing bench figure profile
#   scripts/gpu_check.sh --prebuild # here, without a GPU: the build stage's binaries, to carry
#
# Stages (each well under 10 minutes on an H100; run them one by one where a session limits the
# length of a command; the build directory is kept between them):
#   build     configure and build in build-gpu/ (Release, sm_90 unless CMAKE_CUDA_ARCHITECTURES is
#             set), with ptxas's register and spill report of every kernel
#   tests     the GPU tests (cuda engine and value iteration against the reference, bit for bit;
#             the host emulation tests too), then the whole suite with ctest
#   sanitize  compute-sanitizer memcheck, racecheck, synccheck and initcheck on the small GPU runs
#             (CudaSanitizer.*), memcheck also on the straightforward kernel's parity test
#   timing    every kernel version on the Dyna maze, planning from the environment and from the
#             model tables (CudaTiming.*: Q backups per second)
#   bench     dynaq-bench with the cuda engine beside the cpu engine (and the JAX peer, on the GPU
#             when the machine's JAX has CUDA)
#   figure    Sutton & Barto figure 8.2 with 10,000 seeds per n on the GPU, end to end, files included
#   profile   Nsight Compute on one launch of each kernel version in a long run (occupancy, stall
#             reasons, instructions, memory traffic): the evidence for the next design step
# Everything is logged under benchmarks/results/gpu-check-DEVICE/ (DEVICE from nvidia-smi, e.g.
# nvidia-h100-80gb-hbm3), one file per stage plus summary.txt; commit that folder. With $OUT set
# to a folder (a remote machine whose files come back from there), the folder is also archived
# into $OUT. A machine without Debian's packages builds with what scripts/gpu_bundle.sh put in
# .deps/. The script exits non-zero when any stage failed, after running every stage asked for.
#
# Where device time is scarce (a shared or rented machine: minutes in all, a limit per command):
#   - build here first (--prebuild: for any x86-64, without MPI, the object files removed so
#     that build-gpu is about 28 MB), and carry build-gpu and .deps (scripts/gpu_bundle.sh) with
#     the call: the build stage then only checks that the binaries run there, else it builds;
#   - DYNAQ_GPU_CHECK_SECONDS=N: a stage that would no longer end within N seconds of the start
#     (by its usual time, stage_seconds below) is skipped and listed in summary.txt, instead of
#     being cut off mid-way by the command's limit; a second call runs what was skipped:
#       DYNAQ_GPU_CHECK_SECONDS=540 scripts/gpu_check.sh                  # first call, limit 600 s
#       DYNAQ_GPU_CHECK_SECONDS=540 scripts/gpu_check.sh figure profile   # then what it skipped
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
# The commit of a checkout (a remote machine's copy of the tree may have no .git: then the
# prebuilt binaries' record says which commit they are).
commit_of_tree() {
  if git rev-parse HEAD >/dev/null 2>&1; then
    echo "commit $(git rev-parse HEAD)$(git diff --quiet || echo ' (with uncommitted changes)')"
  else
    echo "commit: no git repository here"
  fi
}

configure_flags=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_FLAGS=-Xptxas=-v)
ptxas_report() { grep -E "Compiling entry|registers|spill" "$1" >"$2" || true; }  # registers, stack, spills

if [[ ${1:-} == --prebuild ]]; then
  command -v nvcc >/dev/null 2>&1 || { echo "gpu_check --prebuild: nvcc not found" >&2; exit 1; }
  rm -rf "$build"
  # Host code for any x86-64 and no MPI: the binaries must run on another machine's processor and
  # libraries.
  cmake -S "$root" -B "$build" "${configure_flags[@]}" -DDYNAQ_NATIVE=OFF -DDYNAQ_WITH_MPI=OFF || exit 1
  cmake --build "$build" -j"$(nproc)" 2>&1 | tee "$build/prebuild.log"
  ((PIPESTATUS[0] == 0)) || exit 1
  ptxas_report "$build/prebuild.log" "$build/ptxas.txt"
  find "$build" \( -name '*.o' -o -name '*.a' \) -delete
  {
    echo "prebuilt $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname) with $(nvcc --version | tail -n 1)"
    commit_of_tree
    echo "source $root"
  } >"$build/PREBUILT"
  echo "gpu_check --prebuild: $(du -sh "$build" | cut -f1) in ${build#"$root"/}; carry it (and .deps) to the GPU machine"
  exit 0
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
# Each stage's usual seconds on a 16-core machine with an H100 or H200 (estimates until a run
# records them in summary.txt), for DYNAQ_GPU_CHECK_SECONDS.
declare -A stage_seconds=([build]=150 [tests]=90 [sanitize]=150 [timing]=45 [bench]=240 [figure]=30 [profile]=120)
[[ -f $build/PREBUILT ]] && stage_seconds[build]=10  # checking that the carried binaries run
deadline=${DYNAQ_GPU_CHECK_SECONDS:-0}
tests_bin=$build/tests/dynaq_tests
failed=0
skipped=()

# On a remote machine whose files come back only from $OUT (a few files at most): one archive of
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
  commit_of_tree
  [[ -f $build/PREBUILT ]] && sed 's/^/prebuilt binaries: /' "$build/PREBUILT"
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

# Whether the binaries that --prebuild made run on this machine. They carry
# the source folder they were built in (DYNAQ_SOURCE_DIR, ctest's paths): where this copy of the
# tree is elsewhere, that path is made a link to it. Prints why not, when not.
prebuilt_runs() {
  [[ -f $build/PREBUILT ]] || { echo "no prebuilt binaries in ${build#"$root"/}"; return 1; }
  local built_in
  built_in=$(sed -n 's/^source //p' "$build/PREBUILT")
  if [[ $built_in != "$root" ]]; then
    if [[ ! -e $built_in ]]; then
      if ! { mkdir -p "$(dirname "$built_in")" && ln -s "$root" "$built_in"; }; then
        echo "cannot link $built_in here"
        return 1
      fi
    elif [[ $(cd "$built_in" && pwd -P) != $(pwd -P) ]]; then
      echo "they were built in $built_in, which is another folder here"
      return 1
    fi
  fi
  "$tests_bin" --gtest_list_tests >/dev/null && "$build/dynaq" --version >/dev/null &&
    "$build/benchmarks/dynaq-bench" --help >/dev/null
}

# shellcheck disable=SC2317  # called through run
use_prebuilt() {
  cat "$build/PREBUILT"
  cp "$build/ptxas.txt" "$out/ptxas.txt" 2>/dev/null || true
}

for stage in "${stages[@]}"; do
  if ((deadline > 0 && SECONDS + ${stage_seconds[$stage]:-60} > deadline)); then
    printf '%-28s %-16s %5ss  %s\n' "$stage" "SKIPPED" 0 \
      "$((deadline - SECONDS)) s left of DYNAQ_GPU_CHECK_SECONDS=$deadline, about ${stage_seconds[$stage]:-60} s needed" |
      tee -a "$summary"
    skipped+=("$stage")
    continue
  fi
  case $stage in
    build)
      if why=$(prebuilt_runs 2>&1); then
        run build-prebuilt build.log use_prebuilt
        continue
      fi
      echo "building here: ${why}" | tee -a "$summary"
      rm -rf "$build/PREBUILT"
      [[ -f $build/CMakeCache.txt ]] && ! grep -q "^CMAKE_HOME_DIRECTORY:INTERNAL=$root\$" "$build/CMakeCache.txt" &&
        rm -rf "$build"  # configured for another folder: start afresh
      # Libraries carried from a machine with Debian's packages (scripts/gpu_bundle.sh), if any.
      deps=()
      if [[ -d $root/.deps/usr ]]; then
        deps=(-DGTest_DIR="$root/.deps/usr/lib/x86_64-linux-gnu/cmake/GTest"
              -DCLI11_DIR="$root/.deps/usr/share/cmake/CLI11")
      fi
      run configure configure.log cmake -S "$root" -B "$build" "${configure_flags[@]}" "${deps[@]}"
      run build build.log cmake --build "$build" -j"$(nproc)"
      # Registers, stack and spills of every kernel (kernels/agent_kernels.cu's napkin math).
      ptxas_report "$out/build.log" "$out/ptxas.txt"
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
      # The workloads the GPU targets are judged on: the Dyna maze (shared memory) and a 100x100
      # maze (global memory) at n = 50, up to a million agents, the cpu engine on every core
      # beside them, and JAX's vmap Dyna-Q on the same GPU with 100,000 agents, as many as one of
      # the cuda engine's runs (the machine's python3 has JAX with CUDA).
      run bench bench.log "$build/benchmarks/dynaq-bench" --envs dyna-maze,random-maze:100x100:1 --n 50 \
        --agents 10000,100000,1000000 --engines cpu-all,cuda --time-budget 4 --gpu-time-budget 20 \
        --no-baselines --peers jax --peer-agents 100000 --json "$out/bench.json"
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

((${#skipped[@]} == 0)) || echo "not run for lack of time: ${skipped[*]}" | tee -a "$summary"
echo "results in ${out#"$root"/}" | tee -a "$summary"
archive && [[ -f ${OUT:-}/gpu-check-$slug.tar.gz ]] && echo "archived in \$OUT/gpu-check-$slug.tar.gz"
exit "$failed"
