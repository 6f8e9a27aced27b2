#!/usr/bin/env python3
"""Export Gymnasium's toy-text environments as dynaq tabular MDP JSON test fixtures.

The files this writes (tests/data/gymnasium/*.json) are committed test data: the C++ tests
compare dynaq's built-in FrozenLake, CliffWalking and Taxi (src/envs/toy_text.cpp) against
them table by table, bit for bit. Regenerate them only to follow a new Gymnasium release:

    pip install "gymnasium>=1.0,<2"
    python3 scripts/make_gymnasium_fixtures.py            # writes tests/data/gymnasium/
    python3 scripts/make_gymnasium_fixtures.py --out DIR  # writes elsewhere, e.g. to diff

Each file holds the environment's `P` (outcomes in Gymnasium's own order, duplicates kept),
its initial state distribution and its registered step limit, in the format of
include/dynaq/mdp_json.hpp, plus the Gymnasium id and version it came from.
"""

import argparse
import json
import pathlib

import gymnasium
from gymnasium.envs.registration import parse_env_id

DEFAULT_OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "gymnasium"


def latest_id(name):
    """The newest registered version of an environment, e.g. "Taxi" -> "Taxi-v4".

    Gymnasium bumps versions between 1.x releases (Taxi-v3 became Taxi-v4 in 1.3,
    CliffWalking-v0 became CliffWalking-v1 in 1.2), so look the id up rather than fix it.
    """
    versions = []
    for env_id in gymnasium.registry:
        namespace, env_name, version = parse_env_id(env_id)
        if namespace is None and env_name == name and version is not None:
            versions.append((version, env_id))
    if not versions:
        raise SystemExit(f"no environment named {name} is registered in Gymnasium "
                         f"{gymnasium.__version__}")
    return max(versions)[1]


# (fixture name, Gymnasium environment name, keyword arguments for gymnasium.make).
# FrozenLake 8x8 is made through its own id so that it carries its own step limit (200).
ENVIRONMENTS = [
    ("frozen-lake-4x4", "FrozenLake", {"is_slippery": True}),
    ("frozen-lake-4x4-deterministic", "FrozenLake", {"is_slippery": False}),
    ("frozen-lake-8x8", "FrozenLake8x8", {"is_slippery": True}),
    ("frozen-lake-8x8-deterministic", "FrozenLake8x8", {"is_slippery": False}),
    ("cliff-walking", "CliffWalking", {}),
    ("taxi", "Taxi", {}),
]


def outcome(entry):
    """One (probability, next state, reward, terminated) tuple as plain JSON values.

    Gymnasium mixes numpy scalars and Python ints into P; convert without rounding
    (json writes floats in their shortest round-trip form).
    """
    probability, next_state, reward, terminated = entry
    return [float(probability), int(next_state), float(reward), bool(terminated)]


def export(name, env_id, kwargs):
    env = gymnasium.make(env_id, **kwargs)
    base = env.unwrapped
    n_states = int(base.observation_space.n)
    n_actions = int(base.action_space.n)
    # P is a dict of dicts keyed by state and action; list it in index order.
    table = [[[outcome(e) for e in base.P[s][a]] for a in range(n_actions)]
             for s in range(n_states)]
    header = {
        "name": name,
        "gymnasium_id": env_id,
        "gymnasium_kwargs": kwargs,
        "gymnasium_version": gymnasium.__version__,
        "n_states": n_states,
        "n_actions": n_actions,
    }
    if env.spec.max_episode_steps is not None:
        header["max_episode_steps"] = int(env.spec.max_episode_steps)
    header["initial_state_distribution"] = [float(p) for p in base.initial_state_distrib]
    env.close()

    # Compact JSON with one state of P per line keeps Taxi (500 x 6) readable in a diff.
    text = json.dumps(header, indent=None)[:-1]
    text += ', "P": [\n' + ",\n".join(json.dumps(row, indent=None) for row in table) + "\n]}\n"
    return text, header


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT,
                        help=f"output directory (default {DEFAULT_OUT})")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    print(f"Gymnasium {gymnasium.__version__}")
    for name, env_name, kwargs in ENVIRONMENTS:
        env_id = latest_id(env_name)
        text, header = export(name, env_id, kwargs)
        path = args.out / f"{name}.json"
        path.write_text(text)
        limit = header.get("max_episode_steps", "none")
        print(f"  {path}: {env_id} {kwargs}, {header['n_states']} states x "
              f"{header['n_actions']} actions, step limit {limit}")


if __name__ == "__main__":
    main()
