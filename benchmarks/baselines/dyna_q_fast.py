#!/usr/bin/env python3
"""Tabular Dyna-Q on the Dyna maze, the textbook code with its two slow spots fixed.

The same as dyna_q_textbook.py, with what a careful NumPy user changes first:
  - ties among maximal actions are broken uniformly at random (as dynaq does; with NumPy's
    first-maximum argmax an all-zero Q always picks action 0);
  - observed pairs are kept in a list beside the model dict, so that a planning step samples one
    in O(1) (random.randrange) instead of copying a set into a list.
States are flat integers (row * 9 + column) and Q is a (states, actions) array. The workload and
the JSON line it prints are those of dyna_q_textbook.py.
"""
import argparse
import json
import random
import sys
import time

import numpy as np

# The maze and its transition table, as the fast peers use them (one definition of the maze).
from peer_harness import GOAL, HEIGHT, N_ACTIONS, START, WIDTH
from peer_harness import next_state_table as transition_table


def greedy(q_row):
    best = np.flatnonzero(q_row == q_row.max())
    return int(best[0]) if len(best) == 1 else int(best[random.randrange(len(best))])


def dyna_q_agent(next_state, steps, n, alpha, gamma, epsilon, deadline):
    q = np.zeros((HEIGHT * WIDTH, N_ACTIONS))
    model = {}
    observed = []
    state = START
    planning = 0
    for t in range(steps):
        if time.perf_counter() > deadline:
            return t, planning
        action = random.randrange(N_ACTIONS) if random.random() < epsilon else greedy(q[state])
        s2 = next_state[state][action]
        done = s2 == GOAL
        reward = 1.0 if done else 0.0
        target = reward if done else reward + gamma * q[s2].max()
        q[state, action] += alpha * (target - q[state, action])
        pair = state * N_ACTIONS + action
        if pair not in model:
            observed.append(pair)
        model[pair] = (s2, reward, done)
        for _ in range(n):
            p = observed[random.randrange(len(observed))]
            ps2, r, d = model[p]
            s, a = divmod(p, N_ACTIONS)
            target = r if d else r + gamma * q[ps2].max()
            q[s, a] += alpha * (target - q[s, a])
            planning += 1
        state = START if done else s2
    return steps, planning


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="planning steps per real step (default 50)")
    parser.add_argument("--steps", type=int, default=1000, help="real steps per agent (default 1000)")
    parser.add_argument("--agents", type=int, default=1000000, help="agents at most (default 1000000)")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args()

    random.seed(args.seed)
    table = transition_table()
    start = time.perf_counter()
    cpu_start = time.process_time()
    deadline = start + args.time_limit
    real = planning = done_agents = 0
    for _ in range(args.agents):
        steps, updates = dyna_q_agent(table, args.steps, args.n, 0.1, 0.95, 0.1, deadline)
        real += steps
        planning += updates
        if steps < args.steps:
            break
        done_agents += 1
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    json.dump({"baseline": "fast", "n": args.n, "steps_per_agent": args.steps, "seconds": seconds, "cpu_seconds": cpu_seconds,
               "real_steps": real, "planning_updates": planning, "agents_completed": done_agents,
               "python": sys.version.split()[0], "numpy": np.__version__}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
