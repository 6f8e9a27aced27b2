#!/usr/bin/env bash
# Sets dynaq up (scripts/setup.sh) and runs the whole test suite with ctest, then installs the
# Python module into .venv/ (scripts/setup_python.sh) and runs its tests with pytest. GPU tests
# skip, saying why, on machines without a GPU.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh
ctest --test-dir build --output-on-failure -j"$(nproc)"
scripts/setup_python.sh
# pytest's exit code 5 (no tests collected) fails as any other: the tests must run.
.venv/bin/python -m pytest -q python/tests
