#!/usr/bin/env bash
# Makes .venv-bench/, the virtual environment of the Python peers that dynaq-bench times beside
# dynaq (NumPy vectorised over seeds, Numba, JAX: benchmarks/baselines/), from PyPI, with the
# versions of benchmarks/baselines/requirements.txt. Safe to run again. dynaq-bench finds the
# environment by itself (its --python option names another interpreter).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python="${PYTHON:-python3}"
if [[ ! -x .venv-bench/bin/python ]]; then
  if ! "$python" -m venv .venv-bench; then
    scripts/install_missing.sh python3-venv
    "$python" -m venv .venv-bench
  fi
fi
.venv-bench/bin/python -m pip install --quiet --upgrade pip
.venv-bench/bin/python -m pip install --quiet -r benchmarks/baselines/requirements.txt
.venv-bench/bin/python -c 'import numpy, numba, jax; print("baselines ready: numpy", numpy.__version__, "numba", numba.__version__, "jax", jax.__version__)'
