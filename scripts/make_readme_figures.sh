#!/usr/bin/env bash
# Draws the figures the README shows into benchmarks/results/figures/ (small PNGs), from runs
# made in a temporary folder: Sutton & Barto's figures 8.2 and 8.4 with the plot presets, the
# blocking maze's agents one by one, and the intervals and profiles of `dynaq compare`.
#
#   scripts/make_readme_figures.sh [DYNAQ]      (default build/dynaq; about a minute on 2 cores)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dynaq=${1:-build/dynaq}
out=benchmarks/results/figures
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

"$dynaq" run -q --env dyna-maze -n 0,5,50 --seeds 1000 --episodes 50 --out "$work/fig82"
"$dynaq" plot "$work/fig82" --preset figure-8.2 --format png --out "$out/figure_8_2"
# Figure 8.4's setting as the book's code has it: alpha 1, n 10, kappa 1e-4.
"$dynaq" run -q --env blocking-maze --steps 3000 --bucket 30 --alpha 1 -n 10 --algo dyna-q,dyna-q-plus \
  --kappa 0.0001 --seeds 1000 --save-agent-metrics --out "$work/blocking"
"$dynaq" plot "$work/blocking" --preset figure-8.4 --band agents --format png --out "$out/figure_8_4_agents"
# Three mazes whose episodes should be short, and how close to the optimal length each n gets.
"$dynaq" run -q --env dyna-maze,dyna-maze:2,cliff-walking -n 0,5,50 --seeds 200 --episodes 20 \
  --save-agent-metrics --out "$work/three"
"$dynaq" compare "$work/three" --metric final_steps --normalize optimal --out "$work/compare" --plot >/dev/null
cp "$work/compare/intervals.png" "$out/compare_intervals.png"
cp "$work/compare/profile.png" "$out/compare_profile.png"
rm -f "$out"/*.json
ls -l "$out"
