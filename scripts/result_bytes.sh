#!/usr/bin/env bash
# Writes the result files of a fixed set of sweeps (and solve, experiment, merge) made by one
# dynaq binary into a folder, timings removed, so that two builds can be compared byte for byte:
#   scripts/result_bytes.sh OLD/dynaq /tmp/before; scripts/result_bytes.sh NEW/dynaq /tmp/after
#   diff -r /tmp/before /tmp/after
# For changes that must not move a byte of any result (refactors).
set -euo pipefail
dynaq=$(realpath "$1")
out=$2
rm -rf "$out" && mkdir -p "$out"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
data=tests/data

sweep() {  # NAME ARGS...: one dynaq run, its files kept and its summary's timings dropped
  local name=$1; shift
  "$dynaq" run --quiet --out "$out/$name" "$@" >"$out/$name.stdout" 2>"$out/$name.stderr" || echo "exit $?" >>"$out/$name.stderr"
  rm -rf "$out/$name/chunks"
  [[ -f "$out/$name/summary.json" ]] && sed -i -E '/"timings"|"wall_seconds"|"compute_seconds"/d; s/"command": "[^"]*"/"command": ""/' "$out/$name/summary.json"
  # The summary seals the other files with their hashes; it was edited above, so its own seal
  # line (if any) is not compared.
  return 0
}

sweep default --seeds 20
sweep grid --env dyna-maze,blocking-maze --algo dyna-q,dyna-q-plus,prioritized --kappa 0.001,0.01 -n 0,5 --seeds 7 --episodes 8 --chunk-agents 5 --save-agent-metrics
sweep steps --preset figure-8.4 --seeds 30 --steps 1200 --save-tables --save-agent-metrics
sweep counts --env frozen-lake-8x8 --model last,counts --backup sample,expected --seeds 9 --episodes 20 --algo dyna-q,dyna-q-plus-action
sweep random --env random-maze:12x12:3,garnet:20:3:2:5 --planning-draw pairs,states --q-init 0,1 --seeds 6 --episodes 5 --max-episode-steps env,50
sweep schedule --env 'dyna-maze@300=dyna-maze-new-goal' --steps 900 --bucket 30 --seeds 11 --algo dyna-q-plus --threads 1
sweep bad_option --alpha 2
sweep bad_combo --model last --backup expected
sweep maze_file --env "$data/mazes/square.txt" --seeds 4 --episodes 3
sweep config --config scripts/examples/sweep.toml --seeds 3

# A sharded run merged, and a killed-then-resumed run, are the same files as one run.
"$dynaq" run --quiet --out "$out/shard0" --shard 0/2 --seeds 9 --chunk-agents 4 --episodes 6 >/dev/null
"$dynaq" run --quiet --out "$out/shard1" --shard 1/2 --seeds 9 --chunk-agents 4 --episodes 6 >/dev/null
"$dynaq" merge --quiet "$out/merged" "$out/shard0" "$out/shard1" >"$out/merged.stdout" 2>&1 || echo "merge exit $?" >>"$out/merged.stdout"
rm -rf "$out/shard0" "$out/shard1" "$out/merged/chunks"
[[ -f "$out/merged/summary.json" ]] && sed -i -E '/"timings"|"wall_seconds"|"compute_seconds"/d; s/"command": "[^"]*"/"command": ""/' "$out/merged/summary.json"

"$dynaq" solve --env dyna-maze --json >"$out/solve.json" 2>&1 || true
"$dynaq" solve --env random-maze:20x20:3 >"$out/solve.txt" 2>&1 || true
"$dynaq" experiment example-8.4 --max-resolution 2 --seeds 5 --out "$out/example" >"$out/example.stdout" 2>&1 || true
"$dynaq" experiment new-task --seeds 10 --planning-updates 500 --out "$out/new_task" >"$out/new_task.stdout" 2>&1 || true
find "$out" -name '*.json' -path '*example*' -exec sed -i -E '/seconds/d' {} +
grep -rl --null "$out" "$out" | xargs -0 -r sed -i "s|$out|OUT|g"  # the folder named in outputs
echo "result bytes of $dynaq written to $out"
