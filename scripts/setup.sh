#!/usr/bin/env bash
# Installs what dynaq needs to build (Debian packages, only those missing), then configures
# and builds it in build/. Sourced by scripts/run.sh and scripts/test.sh; safe to run again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# python3-matplotlib draws `dynaq plot`; Open MPI lets `mpirun` split a sweep (both optional
# for the build, used by the tests when present).
scripts/install_missing.sh cmake g++ make libgtest-dev libcli11-dev python3 python3-matplotlib python3-numpy \
  libopenmpi-dev openmpi-bin

# The CUDA toolkit is optional: when nvcc is there (on PATH or in /usr/local/cuda), the CUDA
# targets are built too.
if ! command -v nvcc >/dev/null 2>&1 && [[ -x /usr/local/cuda/bin/nvcc ]]; then
  export PATH="/usr/local/cuda/bin:$PATH"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >build-configure.log 2>&1 || {
  cat build-configure.log >&2
  exit 1
}
rm -f build-configure.log
cmake --build build -j"$(nproc)"
