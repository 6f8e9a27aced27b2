"""dynaq.Env and dynaq.solve: the same environments and the same exact values as the command line."""

import json

import numpy as np
import pytest

import dynaq

gym = pytest.importorskip("gymnasium")


@pytest.mark.parametrize("gym_id, kwargs, builtin", [
    ("FrozenLake-v1", {"is_slippery": True}, "frozen-lake-4x4"),
    ("FrozenLake-v1", {"is_slippery": False}, "frozen-lake-4x4-deterministic"),
    ("FrozenLake8x8-v1", {}, "frozen-lake-8x8"),
])
def test_from_gymnasium_has_the_tables_of_the_builtin(gym_id, kwargs, builtin):
    env = dynaq.Env.from_gymnasium(gym.make(gym_id, **kwargs))
    assert env.spec == gym_id + ".json" and env.name == gym_id  # results say the JSON's "name"
    ours, theirs = json.loads(env.to_json()), json.loads(dynaq.Env.builtin(builtin).to_json())
    ours.pop("name"), theirs.pop("name")
    assert ours == theirs


def test_cliff_walking_and_taxi_with_numpy_scalars_load():
    for name in ("CliffWalking", "Taxi"):
        version = max((k for k in gym.registry if k.startswith(name + "-v")))
        env = dynaq.Env.from_gymnasium(gym.make(version))
        assert env.n_states == gym.make(version).unwrapped.observation_space.n


def test_solve_gives_the_values_of_dynaq_solve(tmp_path, dynaq_cli):
    printed = json.loads(dynaq_cli(["solve", "--env", "frozen-lake-4x4", "--gamma", "0.99", "--json"], cwd=tmp_path))
    solution = dynaq.solve("frozen-lake-4x4", gamma=0.99)
    assert solution.v_start == printed["v_start"]
    assert solution.optimal_return == printed["greedy_return"]
    assert solution.optimal_steps == printed["greedy_expected_steps"]
    assert solution.q.shape == (16, 4) and solution.v.shape == (16,)
    assert np.array_equal(solution.v, solution.q.max(axis=1))
    assert solution.policy.tolist() == np.argmax(solution.q, axis=1).tolist()


def test_solve_of_an_environment_made_from_arrays():
    # Two states: action 0 stays (reward 0), action 1 ends the episode with reward 1.
    env = dynaq.Env.from_arrays(transitions=[[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]]],
                                rewards=[[0.0, 1.0], [0.0, 0.0]], terminal=[False, True],
                                initial_state_distribution=[1.0, 0.0])
    solution = dynaq.solve(env, gamma=0.9)
    assert solution.v_start == 1.0 and solution.optimal_steps == 1.0 and solution.policy[0] == 1


def test_a_schedule_has_its_phases():
    open_maze = dynaq.Env.maze("S........\n" + ".........\n" * 4 + "........G\n", name="open.txt")
    env = dynaq.Env.builtin("dyna-maze").then(open_maze, at_step=500)
    assert [p["start_step"] for p in env.phases] == [0, 500]
    assert env.name == "dyna-maze@500=open.txt"
