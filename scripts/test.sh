#!/usr/bin/env bash
# Sets dynaq up (scripts/setup.sh) and runs the whole test suite with ctest. GPU tests skip,
# saying why, on machines without a GPU.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh
ctest --test-dir build --output-on-failure -j"$(nproc)"
