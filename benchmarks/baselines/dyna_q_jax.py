#!/usr/bin/env python3
"""Dyna-Q on the Dyna maze in JAX: one agent's step written plainly, jax.vmap over agents, jit.

What a JAX user writes: the step of one agent as a pure function of its tables and a key
(jax.random, a key folded with the step number per agent), the n planning updates as a
lax.fori_loop, jax.vmap over agents, and the run as a lax.scan over real steps (a fixed step
budget) or a lax.while_loop until every agent has its episodes (the correctness check), agents
that have finished masked (their updates add zero). Compilation (jit's lower and compile for the
timed shapes) is timed apart from the runs. On a machine with a GPU and JAX's CUDA wheels the
same script runs there (JAX's default backend; JAX_PLATFORMS=cpu keeps it on the CPU). The workload, the check and the JSON line are
peer_harness.py's.
"""
import sys

import peer_harness as h

ARGS = h.setup(__doc__.splitlines()[0])

import jax  # noqa: E402
import numpy as np  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

NEXT = jnp.array(h.next_state_table(), dtype=jnp.int32)
PAIRS = h.N_STATES * 4


def init_agent():
    zeros_f = jnp.zeros(PAIRS, jnp.float32)
    zeros_i = jnp.zeros(PAIRS, jnp.int32)
    return dict(q=zeros_f, model_next=zeros_i, model_reward=zeros_f, seen=jnp.zeros(PAIRS, bool), observed=zeros_i,
                n_observed=jnp.int32(0), state=jnp.int32(h.START), episode_steps=jnp.int32(0),
                done_episodes=jnp.int32(0))


def agent_step(agent, key, t, n, episodes, lengths):
    """One real step and n planning updates of one agent; a no-op once it has `episodes` episodes."""
    active = agent["done_episodes"] < episodes
    k_eps, k_explore, k_tie, k_plan = jax.random.split(jax.random.fold_in(key, t), 4)
    q = agent["q"]
    s = agent["state"]
    row = lax.dynamic_slice(q, (s * 4,), (4,))
    tied = row == row.max()
    greedy = jnp.argmax(jnp.where(tied, jax.random.uniform(k_tie, (4,)), -1.0))
    explore = jax.random.randint(k_explore, (), 0, 4)
    action = jnp.where(jax.random.uniform(k_eps) < h.EPSILON, explore, greedy)
    s2 = NEXT[s, action]
    done = s2 == h.GOAL
    reward = done.astype(jnp.float32)
    pair = s * 4 + action
    target = jnp.where(done, reward, reward + h.GAMMA * lax.dynamic_slice(q, (s2 * 4,), (4,)).max())
    q = q.at[pair].add(jnp.where(active, h.ALPHA * (target - q[pair]), 0.0))
    new = active & ~agent["seen"][pair]
    n_obs = agent["n_observed"]
    observed = agent["observed"].at[n_obs].set(jnp.where(new, pair, agent["observed"][n_obs]))
    n_obs = n_obs + new
    model_next = agent["model_next"].at[pair].set(jnp.where(active, jnp.where(done, -1, s2), agent["model_next"][pair]))
    model_reward = agent["model_reward"].at[pair].set(jnp.where(active, reward, agent["model_reward"][pair]))
    draws = jax.random.randint(k_plan, (n,), 0, jnp.iinfo(jnp.int32).max)

    def plan(j, q):
        p = observed[(draws[j] % n_obs)]
        nxt = model_next[p]
        value = jnp.where(nxt < 0, 0.0, lax.dynamic_slice(q, (jnp.maximum(nxt, 0) * 4,), (4,)).max())
        target = model_reward[p] + h.GAMMA * value
        return q.at[p].add(jnp.where(active, h.ALPHA * (target - q[p]), 0.0))

    q = lax.fori_loop(0, n, plan, q)
    steps = agent["episode_steps"] + active
    ended = active & done
    if lengths is not None:
        at = jnp.minimum(agent["done_episodes"], lengths.shape[0] - 1)
        lengths = lengths.at[at].set(jnp.where(ended, steps, lengths[at]))
    agent = dict(q=q, model_next=model_next, model_reward=model_reward, seen=agent["seen"].at[pair].set(agent["seen"][pair] | new),
                 observed=observed, n_observed=n_obs, state=jnp.where(done, h.START, s2),
                 episode_steps=jnp.where(ended, 0, steps), done_episodes=agent["done_episodes"] + ended)
    return agent, lengths


def make(threads):
    cache = {}

    def steps_program(agents, n, steps):
        def run(keys):
            state = jax.vmap(lambda _: init_agent())(jnp.arange(agents))

            def body(state, t):
                state, _ = jax.vmap(lambda a, k: agent_step(a, k, t, n, 2**30, None))(state, keys)
                return state, None

            state, _ = lax.scan(body, state, jnp.arange(steps))
            return state["done_episodes"].sum()

        return jax.jit(run)

    def episodes_program(agents, n, episodes):
        def run(keys):
            state = jax.vmap(lambda _: init_agent())(jnp.arange(agents))
            lengths = jnp.zeros((agents, episodes), jnp.int32)

            def unfinished(carry):
                return (carry[0]["done_episodes"] < episodes).any()

            def body(carry):
                state, lengths, t = carry
                state, lengths = jax.vmap(lambda a, k, l: agent_step(a, k, t, n, episodes, l))(state, keys, lengths)
                return state, lengths, t + 1

            _, lengths, _ = lax.while_loop(unfinished, body, (state, lengths, jnp.int32(0)))
            return lengths

        return jax.jit(run)

    def compiled(kind, agents, n, length):
        # jit compiles per shape and per static length: the first call of each is the compile.
        key = (kind, agents, n, length)
        if key not in cache:
            program = (steps_program if kind == "steps" else episodes_program)(agents, n, length)
            keys = jax.random.split(jax.random.key(0), agents)
            cache[key] = program.lower(keys).compile()
        return cache[key]

    def compile_peer(agents, n, steps, check_agents):
        compiled("steps", agents, n, steps)
        compiled("episodes", check_agents, h.CHECK_N, h.CHECK_EPISODES)

    def run_steps(agents, n, steps, seed):
        keys = jax.random.split(jax.random.key(seed), agents)
        return int(compiled("steps", agents, n, steps)(keys))

    def run_episodes(agents, n, episodes, seed):
        keys = jax.random.split(jax.random.key(seed), agents)
        return np.asarray(compiled("episodes", agents, n, episodes)(keys))

    return compile_peer, run_steps, run_episodes


if __name__ == "__main__":
    print("jax devices:", jax.devices(), file=sys.stderr)
    h.main("jax", make, {"jax": jax.__version__, "jax_backend": jax.default_backend()})
