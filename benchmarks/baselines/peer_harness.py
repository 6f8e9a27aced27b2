"""What the fast peers of dynaq (dyna_q_numpy_vectorized.py, dyna_q_numba.py, dyna_q_jax.py) share.

Each peer is Dyna-Q on the Dyna maze as a speed-minded researcher would write it with that tool,
on the workload dynaq-bench times (benchmarks/measure.cpp, make_group): every agent takes
--steps real steps, each followed by n planning updates; alpha 0.1, gamma 0.95, epsilon 0.1,
Q = 0, ties among maximal actions broken uniformly at random, the last-outcome model, planning
pairs drawn uniformly from the observed pairs, no step limit, a new episode at the start after
the goal. Their random numbers are their own (not dynaq's Philox streams), so they are checked
statistically: before anything is timed, a peer runs --check-agents agents for 20 episodes at
n = 50 and must give the random walk's first episode (868.7 steps in expectation, within 4.5
standard errors) and the plateau of figure 8.2 (episodes 11-20 between 16.2 and 17.6 steps on
average; dynaq gives 16.9). A peer that fails prints why and exits 1.

A peer is a function make(threads) -> (compile, run_steps, run_episodes):
  compile(agents, n, steps, check_agents) compiles what the two others will run (for JAX, the
    programs of exactly these shapes; for Numba, its functions; NumPy has nothing to compile);
  run_steps(agents, n, steps, seed) -> total episodes finished (every agent takes `steps` steps);
  run_episodes(agents, n, episodes, seed) -> int array [agents, episodes] of episode lengths.
The harness times compilation apart from the timed runs, and prints one JSON line that
dynaq-bench reads (benchmarks/baselines.cpp).
"""
import argparse
import json
import math
import os
import sys
import time

HEIGHT, WIDTH, N_ACTIONS = 6, 9, 4
N_STATES = HEIGHT * WIDTH
START = 2 * WIDTH + 0
GOAL = 0 * WIDTH + 8
WALLS = {(1, 2), (2, 2), (3, 2), (4, 5), (0, 7), (1, 7), (2, 7)}
ALPHA, GAMMA, EPSILON = 0.1, 0.95, 0.1

RANDOM_WALK_EPISODE_1 = 868.7   # expected length of the first episode (all Q equal: a random walk)
PLATEAU_RANGE = (16.2, 17.6)    # mean of episodes 11-20 at n = 50
CHECK_N, CHECK_EPISODES = 50, 20


def next_state_table():
    """next_state[s][a] of the Dyna maze as nested lists: up, down, left, right; walls and edges stay."""
    moves = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    table = [[0] * N_ACTIONS for _ in range(N_STATES)]
    for row in range(HEIGHT):
        for col in range(WIDTH):
            for a, (dr, dc) in enumerate(moves):
                r, c = min(max(row + dr, 0), HEIGHT - 1), min(max(col + dc, 0), WIDTH - 1)
                if (r, c) in WALLS:
                    r, c = row, col
                table[row * WIDTH + col][a] = r * WIDTH + c
    return table


def limit_threads(threads):
    """Before NumPy, Numba or JAX is imported: at most `threads` threads for the math libraries."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[name] = str(threads)
    if threads == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = (flags + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()


def parse_args(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--n", type=int, default=50, help="planning steps per real step (default 50)")
    parser.add_argument("--steps", type=int, default=1000, help="real steps per agent (default 1000)")
    parser.add_argument("--agents", type=int, default=1000, help="agents run side by side (default 1000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs after compilation (default 3)")
    parser.add_argument("--threads", type=int, default=1, help="threads (default 1)")
    parser.add_argument("--check-agents", type=int, default=500,
                        help="agents of the correctness check before timing (default 500)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--time-limit", type=float, default=0.0,
                        help="accepted for dynaq-bench's older baselines; the peers run --repeats runs")
    args = parser.parse_args()
    if min(args.n, args.steps, args.agents, args.repeats, args.threads, args.check_agents) < 1:
        parser.error("--n, --steps, --agents, --repeats, --threads and --check-agents must be at least 1")
    return args


def check(run_episodes, agents, seed):
    """The statistical check of the module docstring; returns its figures, or exits 1."""
    lengths = run_episodes(agents, CHECK_N, CHECK_EPISODES, seed + 1)
    first = [float(x) for x in lengths[:, 0]]
    mean = sum(first) / len(first)
    sd = math.sqrt(sum((x - mean) ** 2 for x in first) / (len(first) - 1))
    stderr = sd / math.sqrt(len(first))
    plateau = float(lengths[:, 10:CHECK_EPISODES].mean())
    figures = {"agents": agents, "n": CHECK_N, "episode_1_mean": mean, "episode_1_stderr": stderr,
               "plateau_11_20": plateau}
    problems = []
    if abs(mean - RANDOM_WALK_EPISODE_1) > 4.5 * stderr:
        problems.append("episode 1 lasted %.1f steps on average (+/- %.1f), not %.1f" % (mean, stderr, RANDOM_WALK_EPISODE_1))
    if not PLATEAU_RANGE[0] <= plateau <= PLATEAU_RANGE[1]:
        problems.append("episodes 11-20 lasted %.2f steps on average, outside [%.1f, %.1f]" % (plateau, *PLATEAU_RANGE))
    if problems:
        print("correctness check failed: " + "; ".join(problems), file=sys.stderr)
        sys.exit(1)
    return figures


def main(name, make, versions):
    """Compile, check, time; print the JSON line. `make(threads)` is described above."""
    args = ARGS
    start = time.perf_counter()
    compile_peer, run_steps, run_episodes = make(args.threads)
    compile_peer(args.agents, args.n, args.steps, args.check_agents)
    compile_seconds = time.perf_counter() - start
    start = time.perf_counter()
    figures = check(run_episodes, args.check_agents, args.seed)
    check_seconds = time.perf_counter() - start
    runs = []
    episodes = 0
    for r in range(args.repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        episodes = run_steps(args.agents, args.n, args.steps, args.seed + 2 + r)
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    best = min(runs)
    real = args.agents * args.steps
    json.dump({"baseline": name, "n": args.n, "steps_per_agent": args.steps, "agents": args.agents,
               "threads": args.threads, "compile_seconds": compile_seconds, "check_seconds": check_seconds,
               "check": figures, "seconds": best[0], "cpu_seconds": best[1],
               "runs_seconds": [w for w, _ in runs], "real_steps": real, "planning_updates": real * args.n,
               "agents_completed": args.agents, "episodes": int(episodes),
               "python": sys.version.split()[0], **versions}, sys.stdout)
    print()


ARGS = None


def setup(description):
    """Parses the options and limits threads; call before importing NumPy, Numba or JAX."""
    global ARGS
    ARGS = parse_args(description)
    limit_threads(ARGS.threads)
    return ARGS
