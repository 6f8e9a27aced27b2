#!/usr/bin/env python3
"""Tabular Dyna-Q on the Dyna maze, written the way the textbook's example code is.

This is the baseline a reader of Sutton & Barto (2nd ed., section 8.2, figure 8.2) would write or
copy from the book's companion Python code: the maze as a small class with a step method, Q in a
NumPy array indexed by (row, column, action), the model in a dict, the visited (state, action)
pairs in a set, a planning step that samples with random.choice(list(visited)) (which copies the
set every time: O(visited) per planning step), and a greedy action that is NumPy's argmax (the
first maximum).

dynaq-bench runs it as a subprocess on the same workload as its own engines (the Dyna maze,
alpha 0.1, gamma 0.95, epsilon 0.1, n planning steps, a fixed number of real steps per agent)
and reads the JSON line it prints. Agents run one after another until --agents are done or
--time-limit seconds have passed; the rate counts only the work done.
"""
import argparse
import json
import random
import sys
import time

import numpy as np


class Maze:
    """The Dyna maze of figure 8.2: 6 x 9, start at (2, 0), goal at (0, 8)."""

    HEIGHT = 6
    WIDTH = 9
    START = (2, 0)
    GOAL = (0, 8)
    WALLS = {(1, 2), (2, 2), (3, 2), (4, 5), (0, 7), (1, 7), (2, 7)}
    ACTIONS = [0, 1, 2, 3]  # up, down, left, right

    def step(self, state, action):
        row, col = state
        if action == 0:
            row = max(row - 1, 0)
        elif action == 1:
            row = min(row + 1, self.HEIGHT - 1)
        elif action == 2:
            col = max(col - 1, 0)
        else:
            col = min(col + 1, self.WIDTH - 1)
        if (row, col) in self.WALLS:
            row, col = state
        next_state = (row, col)
        reward = 1.0 if next_state == self.GOAL else 0.0
        return next_state, reward, next_state == self.GOAL


def choose_action(q, state, epsilon, maze):
    if np.random.binomial(1, epsilon) == 1:
        return np.random.choice(maze.ACTIONS)
    return int(np.argmax(q[state[0], state[1], :]))


def dyna_q_agent(maze, steps, n, alpha, gamma, epsilon, deadline):
    """One agent for `steps` real steps; returns (real steps, planning updates) done."""
    q = np.zeros((maze.HEIGHT, maze.WIDTH, len(maze.ACTIONS)))
    model = {}
    visited = set()
    state = maze.START
    planning = 0
    for t in range(steps):
        if time.perf_counter() > deadline:
            return t, planning
        action = choose_action(q, state, epsilon, maze)
        next_state, reward, done = maze.step(state, action)
        target = reward if done else reward + gamma * np.max(q[next_state[0], next_state[1], :])
        q[state[0], state[1], action] += alpha * (target - q[state[0], state[1], action])
        model[(state, action)] = (next_state, reward, done)
        visited.add((state, action))
        for _ in range(n):
            s, a = random.choice(list(visited))
            s2, r, d = model[(s, a)]
            target = r if d else r + gamma * np.max(q[s2[0], s2[1], :])
            q[s[0], s[1], a] += alpha * (target - q[s[0], s[1], a])
            planning += 1
        state = maze.START if done else next_state
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
    np.random.seed(args.seed)
    maze = Maze()
    start = time.perf_counter()
    cpu_start = time.process_time()
    deadline = start + args.time_limit
    real = planning = done_agents = 0
    for _ in range(args.agents):
        steps, updates = dyna_q_agent(maze, args.steps, args.n, 0.1, 0.95, 0.1, deadline)
        real += steps
        planning += updates
        if steps < args.steps:
            break
        done_agents += 1
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    json.dump({"baseline": "textbook", "n": args.n, "steps_per_agent": args.steps, "seconds": seconds, "cpu_seconds": cpu_seconds,
               "real_steps": real, "planning_updates": planning, "agents_completed": done_agents,
               "python": sys.version.split()[0], "numpy": np.__version__}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
