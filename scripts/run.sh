#!/usr/bin/env bash
# Sets dynaq up (scripts/setup.sh) and runs its main job: `dynaq` with no arguments, Sutton &
# Barto's figure 8.2 experiment with 10,000 agents per planning setting. Extra arguments are
# passed to dynaq (e.g. scripts/run.sh run --env taxi --seeds 100).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh >&2
exec build/dynaq "$@"
