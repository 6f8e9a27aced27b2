"""Bad input from Python: a ValueError in the words of the command line and the file readers,
and nothing left behind."""

import math
import os
import tempfile

import numpy as np
import pytest

import dynaq

CHAIN = dict(transitions=[[[0.0, 1.0]], [[0.0, 1.0]]], rewards=[[0.0], [1.0]], terminal=[False, True],
             initial_state_distribution=[1.0, 0.0])


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """Temporary folders of dynaq.run go here, so that a test can see none is left."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.mark.parametrize("options, message", [
    (dict(alhpa=0.1), r"unknown option 'alhpa' of dynaq.run \(did you mean 'alpha'\?\)"),
    (dict(alpha=1.5), r"--alpha 1.5 is outside \(0, 1\]"),
    (dict(alpha=[0.1, float("nan")]), r"--alpha"),
    (dict(gamma=float("nan")), r"--gamma"),
    (dict(seeds=0), r"--seeds must be between 1 and 4294967295"),
    (dict(seeds=[1, 2]), r"seeds takes one value, not a list"),
    (dict(episodes=5, steps=100), r"--episodes and --steps are alternatives"),
    (dict(env="dyna-mze"), r"unknown environment 'dyna-mze' \(did you mean 'dyna-maze'\?\)"),
    (dict(backend="tpu"), r"--backend: 'tpu' is not one of"),
    (dict(save_tables="yes"), r"save_tables: expected True or False"),
])
def test_bad_options_raise_value_error_and_write_nothing(options, message, tmp_path, private_tmp):
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=message):
        dynaq.run(**{"env": "dyna-maze", "seeds": 2, "episodes": 2, "out": out, "progress": False, **options})
    assert not out.exists()
    with pytest.raises(ValueError, match=message):
        dynaq.run(**{"env": "dyna-maze", "seeds": 2, "episodes": 2, "progress": False, **options})
    assert os.listdir(private_tmp) == []


def test_a_maze_error_names_its_line_and_column():
    with pytest.raises(ValueError, match=r"^walls.txt:2:3: .*'x'"):
        dynaq.Env.maze("S..\n.#x\n..G\n", name="walls.txt")
    with pytest.raises(ValueError, match="must not end in .json"):
        dynaq.Env.maze("S.G\n", name="maze.json")
    with pytest.raises(ValueError, match="may not hold ','"):
        dynaq.Env.maze("S.G\n", name="a,b.txt")


@pytest.mark.parametrize("change, message", [
    (dict(transitions=[[[0.0, 1.0, 0.0]], [[0.0, 1.0, 0.0]]]), r"transitions: expected shape \(S, A, S\), got \(2, 1, 3\)"),
    (dict(rewards=[[0.0, 1.0]]), r"rewards: expected shape \(2, 1, 2\) or \(2, 1\), got \(1, 2\)"),
    (dict(terminal=[True]), r"terminal: expected shape \(2,\) or \(2, 1, 2\), got \(1,\)"),
    (dict(initial_state_distribution=[1.0]), r"initial_state_distribution: expected shape \(2,\), got \(1,\)"),
    (dict(transitions=[[[0.2, 0.7]], [[0.0, 1.0]]]), r"P\[0\]\[0\].*sum"),
    (dict(initial_state_distribution=[0.5, 0.4]), r"sum"),
    (dict(transitions=[[[-0.5, 1.5]], [[0.0, 1.0]]]), r"transitions\[0, 0, 0\] is -0.5; probabilities must be >= 0"),
    (dict(rewards=[[math.nan], [1.0]]), r"rewards\[0, 0, 0\] is nan; it must be finite"),
    (dict(transitions=[[[math.nan, 1.0]], [[0.0, 1.0]]]), r"transitions\[0, 0, 0\] is nan; it must be finite"),
])
def test_bad_arrays_raise_value_error(change, message):
    with pytest.raises(ValueError, match=message):
        dynaq.Env.from_arrays(**{**CHAIN, **change})


def test_bad_tables_raise_value_error():
    P = {0: {0: [(1.0, 1, 0.0, False)]}, 1: {0: [(1.0, 1, 0.0, True)]}}
    assert dynaq.Env.from_table(P, np.int64(2), np.int64(1), [1.0, 0.0]).n_states == 2
    with pytest.raises(ValueError, match=r"P\[2\] is missing: P needs n_states = 3 entries"):
        dynaq.Env.from_table(P, 3, 1, [1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match=r"P\[0\]\[0\]\[0\] reward is nan; it must be finite"):
        dynaq.Env.from_table({0: {0: [(1.0, 1, np.float64("nan"), False)]}, 1: {0: [(1.0, 1, 0.0, True)]}},
                             2, 1, [1.0, 0.0])
    with pytest.raises(ValueError, match=r"^mdp.json: P\[0\]\[0\]: next_state 5 is out of range \[0, 2\)$"):
        dynaq.Env.from_table({0: {0: [(1.0, 5, 0.0, False)]}, 1: {0: [(1.0, 1, 0.0, True)]}}, 2, 1, [1.0, 0.0])


def test_a_schedule_of_different_shapes_is_refused():
    with pytest.raises(ValueError, match="every phase must have the same shape"):
        dynaq.Env.builtin("dyna-maze").then("taxi", at_step=100)


def test_load_refuses_a_missing_file(tmp_path):
    with pytest.raises(ValueError, match="cannot read: no such file"):
        dynaq.Env.load(tmp_path / "nowhere.txt")
