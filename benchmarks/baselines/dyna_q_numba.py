#!/usr/bin/env python3
"""Dyna-Q on the Dyna maze with Numba: one @njit loop per agent, agents in parallel (prange).

What a speed-minded researcher writes with Numba: flat NumPy tables per agent (Q, the model's
next state and reward, the list of observed pairs), a small inline random generator per agent
(xorshift64*, seeded by splitmix64 from (seed, agent)) rather than np.random's shared state,
uniform indices by multiplying a 32-bit draw by the count, and the whole run of an agent in one
compiled loop. The workload, the correctness check and the JSON line are peer_harness.py's.
"""
import peer_harness as h

ARGS = h.setup(__doc__.splitlines()[0])

import numba  # noqa: E402
import numpy as np  # noqa: E402
from numba import njit, prange  # noqa: E402

NEXT = np.array(h.next_state_table(), dtype=np.int32)
EPS_THRESHOLD = np.uint64(int(h.EPSILON * 2**32))


@njit(inline="always")
def next_word(x):
    """xorshift64* state update; returns (new state, 32 random bits)."""
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    return x, (x * np.uint64(0x2545F4914F6CDD1D)) >> np.uint64(32)


@njit(inline="always")
def below(word, count):
    return np.int64((word * np.uint64(count)) >> np.uint64(32))


@njit
def seed_of(seed, agent):
    z = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(agent + 1) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z | np.uint64(1)


@njit
def run_agent(next_state, n, steps, episodes, seed, agent, lengths):
    """One agent for `steps` real steps or `episodes` episodes; returns the episodes it finished."""
    n_pairs = next_state.shape[0] * 4
    q = np.zeros(n_pairs, dtype=np.float32)
    model_next = np.zeros(n_pairs, dtype=np.int32)
    model_reward = np.zeros(n_pairs, dtype=np.float32)
    model_done = np.zeros(n_pairs, dtype=np.bool_)
    seen = np.zeros(n_pairs, dtype=np.bool_)
    observed = np.zeros(n_pairs, dtype=np.int32)
    n_observed = 0
    alpha, gamma = np.float32(h.ALPHA), np.float32(h.GAMMA)
    x = seed_of(seed, agent)
    s = h.START
    done_episodes = 0
    episode_steps = 0
    for _ in range(steps):
        if done_episodes >= episodes:
            break
        x, w = next_word(x)
        if w < EPS_THRESHOLD:
            x, w = next_word(x)
            a = below(w, 4)
        else:
            row = s * 4
            best = max(max(q[row], q[row + 1]), max(q[row + 2], q[row + 3]))
            ties = 0
            for b in range(4):
                if q[row + b] == best:
                    ties += 1
            a = 0
            if ties == 1:
                while q[row + a] != best:
                    a += 1
            else:
                x, w = next_word(x)
                k = below(w, ties)
                for b in range(4):
                    if q[row + b] == best:
                        if k == 0:
                            a = b
                            break
                        k -= 1
        s2 = next_state[s, a]
        done = s2 == h.GOAL
        r = np.float32(1.0) if done else np.float32(0.0)
        p = s * 4 + a
        if done:
            target = r
        else:
            r2 = s2 * 4
            target = r + gamma * max(max(q[r2], q[r2 + 1]), max(q[r2 + 2], q[r2 + 3]))
        q[p] += alpha * (target - q[p])
        if not seen[p]:
            seen[p] = True
            observed[n_observed] = p
            n_observed += 1
        model_next[p] = s2
        model_reward[p] = r
        model_done[p] = done
        for _ in range(n):
            x, w = next_word(x)
            pp = observed[below(w, n_observed)]
            if model_done[pp]:
                target = model_reward[pp]
            else:
                r2 = model_next[pp] * 4
                target = model_reward[pp] + gamma * max(max(q[r2], q[r2 + 1]), max(q[r2 + 2], q[r2 + 3]))
            q[pp] += alpha * (target - q[pp])
        episode_steps += 1
        if done:
            if done_episodes < lengths.shape[1]:
                lengths[agent, done_episodes] = episode_steps
            done_episodes += 1
            episode_steps = 0
            s = h.START
        else:
            s = s2
    return done_episodes


@njit(parallel=True)
def run_agents(next_state, agents, n, steps, episodes, seed, lengths):
    finished = np.zeros(agents, dtype=np.int64)
    for i in prange(agents):
        finished[i] = run_agent(next_state, n, steps, episodes, seed, i, lengths)
    return finished.sum()


def make(threads):
    numba.set_num_threads(threads)

    def run_steps(agents, n, steps, seed):
        return run_agents(NEXT, agents, n, steps, 2**62, seed, np.zeros((agents, 0), dtype=np.int32))

    def run_episodes(agents, n, episodes, seed):
        lengths = np.zeros((agents, episodes), dtype=np.int32)
        run_agents(NEXT, agents, n, 2**62, episodes, seed, lengths)
        return lengths

    def compile_peer(agents, n, steps, check_agents):
        run_steps(2, n, 2, 0)
        run_episodes(2, n, 1, 0)

    return compile_peer, run_steps, run_episodes


if __name__ == "__main__":
    h.main("numba", make, {"numpy": np.__version__, "numba": numba.__version__})
