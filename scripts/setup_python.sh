#!/usr/bin/env bash
# Creates the virtual environment .venv/ (from PyPI: the module's build tools, NumPy, pandas,
# pytest, Gymnasium, tqdm, matplotlib) and installs the dynaq Python module into it. The module
# is built in build/, beside the command line, so that the library both link is compiled once
# (scripts/setup.sh is run first when build/ is not there yet). Run by scripts/test.sh; safe to
# run again.
#
#   scripts/setup_python.sh && .venv/bin/python -c "import dynaq"
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[[ -f build/CMakeCache.txt ]] || scripts/setup.sh
scripts/install_missing.sh python3-venv python3-dev
[[ -x .venv/bin/python ]] || python3 -m venv .venv
# Debian 12's venv comes with pip 23.0, which lacks -C (config settings) used below: pip 23.1 or later.
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade "pip>=23.1"
.venv/bin/python -m pip install -q --disable-pip-version-check \
  "nanobind>=2.0" "scikit-build-core>=0.10" numpy pandas pytest "gymnasium>=1.0" tqdm matplotlib

if ! command -v nvcc >/dev/null 2>&1 && [[ -x /usr/local/cuda/bin/nvcc ]]; then
  export PATH="/usr/local/cuda/bin:$PATH"
fi
# pip builds with the tools of .venv (no isolated build environment, whose nanobind would vanish
# with it), in build/ with the generator and options that folder was configured with.
generator=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' build/CMakeCache.txt)
CMAKE_GENERATOR="$generator" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" .venv/bin/python -m pip install -q \
  --disable-pip-version-check --no-build-isolation --no-deps \
  -C build-dir=build -C cmake.define.DYNAQ_BUILD_TESTS=ON .
# The command line's own builds (scripts/setup.sh) leave the module out again.
cmake -S . -B build -DDYNAQ_BUILD_PYTHON=OFF >/dev/null
