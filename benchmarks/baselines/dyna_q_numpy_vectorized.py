#!/usr/bin/env python3
"""Dyna-Q on the Dyna maze in NumPy, vectorised over agents (seeds).

What a NumPy user writes to run many seeds at once: every table gets a leading agent axis
(Q is [agents, pairs], and so on), a real step is a handful of array operations over all agents,
and each of the n planning updates is one gather-compute-scatter over all agents (agents never
share a row, so the scatter cannot collide). Random numbers come from one np.random.Generator,
a block of them per real step. Agents that have finished (the check's episode budget) are
masked: their updates write back what was there. The workload, the correctness check and the
JSON line are peer_harness.py's.
"""
import peer_harness as h

ARGS = h.setup(__doc__.splitlines()[0])

import numpy as np  # noqa: E402

NEXT = np.array(h.next_state_table(), dtype=np.int64)


def run(agents, n, steps, episodes, seed, record):
    rng = np.random.default_rng(seed)
    pairs = h.N_STATES * 4
    q = np.zeros((agents, pairs), dtype=np.float32)
    model_next = np.zeros((agents, pairs), dtype=np.int64)
    model_reward = np.zeros((agents, pairs), dtype=np.float32)
    seen = np.zeros((agents, pairs), dtype=bool)
    observed = np.zeros((agents, pairs), dtype=np.int64)
    n_observed = np.zeros(agents, dtype=np.int64)
    state = np.full(agents, h.START, dtype=np.int64)
    episode_steps = np.zeros(agents, dtype=np.int64)
    done_episodes = np.zeros(agents, dtype=np.int64)
    lengths = np.zeros((agents, episodes if record else 0), dtype=np.int64)
    rows = np.arange(agents)
    alpha, gamma = np.float32(h.ALPHA), np.float32(h.GAMMA)
    q4 = q.reshape(agents, h.N_STATES, 4)
    t = 0
    while t < steps:
        active = done_episodes < episodes
        if not active.any():
            break
        t += 1
        u = rng.random((agents, 3 + n), dtype=np.float32)
        # Epsilon-greedy with random ties: the maximal action with the largest random key.
        row = q4[rows, state]
        best = row.max(axis=1, keepdims=True)
        tie_key = np.where(row == best, rng.random((agents, 4), dtype=np.float32), -1.0)
        action = np.where(u[:, 0] < h.EPSILON, np.minimum((u[:, 1] * 4).astype(np.int64), 3), tie_key.argmax(axis=1))
        s2 = NEXT[state, action]
        done = s2 == h.GOAL
        reward = done.astype(np.float32)
        pair = state * 4 + action
        target = np.where(done, reward, reward + gamma * q4[rows, s2].max(axis=1))
        old = q[rows, pair]
        q[rows, pair] = np.where(active, old + alpha * (target - old), old)
        new = active & ~seen[rows, pair]
        seen[rows, pair] |= new
        observed[rows, np.where(new, n_observed, 0)] = np.where(new, pair, observed[rows, 0])
        n_observed += new
        model_next[rows, pair] = np.where(active, np.where(done, -1, s2), model_next[rows, pair])
        model_reward[rows, pair] = np.where(active, reward, model_reward[rows, pair])
        for j in range(n):
            k = np.minimum((u[:, 3 + j] * n_observed).astype(np.int64), n_observed - 1)
            p = observed[rows, k]
            nxt = model_next[rows, p]
            value = np.where(nxt < 0, 0.0, q4[rows, np.maximum(nxt, 0)].max(axis=1))
            target = model_reward[rows, p] + gamma * value.astype(np.float32)
            old = q[rows, p]
            q[rows, p] = np.where(active, old + alpha * (target - old), old)
        episode_steps += active
        ended = active & done
        if record:
            at = np.minimum(done_episodes, episodes - 1)
            lengths[rows, at] = np.where(ended, episode_steps, lengths[rows, at])
        done_episodes += ended
        episode_steps[ended] = 0
        state = np.where(done, h.START, s2)
    return done_episodes.sum(), lengths


def make(threads):
    def run_steps(agents, n, steps, seed):
        return run(agents, n, steps, 2**62, seed, False)[0]

    def run_episodes(agents, n, episodes, seed):
        return run(agents, n, 2**62, episodes, seed, True)[1]

    def compile_peer(agents, n, steps, check_agents):
        pass  # nothing to compile

    return compile_peer, run_steps, run_episodes


if __name__ == "__main__":
    h.main("numpy_vectorized", make, {"numpy": np.__version__})
