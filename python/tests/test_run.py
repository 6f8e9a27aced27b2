"""dynaq.run: the same bytes as `dynaq run`, results as pandas and NumPy, and the engine choice."""

import pathlib

import numpy as np
import pytest

import dynaq
from conftest import result_bytes

# (dynaq.run keyword arguments, the same run as `dynaq run` arguments), written independently.
SAME_RUNS = {
    "figure-8.2-tables": (
        dict(env="dyna-maze", n=[0, 5, 50], seeds=12, episodes=8, save_tables=True,
             save_agent_metrics=True),
        ["--env", "dyna-maze", "-n", "0,5,50", "--seeds", "12", "--episodes", "8", "--save-tables",
         "--save-agent-metrics"]),
    "lake-grid-variants": (
        dict(env=["frozen-lake-4x4", "frozen-lake-4x4-deterministic"], gamma=0.99, alpha=[0.1, 0.5],
             algo=["dyna-q", "dyna-q-plus", "prioritized"], seeds=6, episodes=30, seed=7),
        ["--env", "frozen-lake-4x4,frozen-lake-4x4-deterministic", "--gamma", "0.99", "--alpha", "0.1,0.5",
         "--algo", "dyna-q,dyna-q-plus,prioritized", "--seeds", "6", "--episodes", "30", "--seed", "7"]),
    "blocking-steps": (
        dict(env="blocking-maze", steps=1500, bucket=100, planning_steps=10, seeds=5, kappa=0.01,
             algo="dyna-q-plus", save_agent_metrics=True),
        ["--env", "blocking-maze", "--steps", "1500", "--bucket", "100", "-n", "10", "--seeds", "5",
         "--kappa", "0.01", "--algo", "dyna-q-plus", "--save-agent-metrics"]),
    "cliff-counts-model": (
        dict(env="cliff-walking", model="counts", backup=["sample", "expected"], planning_steps=3, seeds=4,
             episodes=12, max_episode_steps=[200, "none"], chunk_agents=3, backend="reference"),
        ["--env", "cliff-walking", "--model", "counts", "--backup", "sample,expected", "-n", "3", "--seeds", "4",
         "--episodes", "12", "--max-episode-steps", "200,none", "--chunk-agents", "3", "--backend", "reference"]),
}


@pytest.mark.parametrize("case", sorted(SAME_RUNS))
def test_a_run_from_python_has_the_bytes_of_the_command_line(case, tmp_path, dynaq_cli):
    options, cli_args = SAME_RUNS[case]
    dynaq_cli(["run", *cli_args, "--quiet", "--out", "cli"], cwd=tmp_path)
    result = dynaq.run(progress=False, **options)
    result.save(tmp_path / "python")
    expected = result_bytes(tmp_path / "cli")
    assert {"curves.csv", "points.csv", "summary.json", "config.toml"} <= set(expected)
    assert result_bytes(tmp_path / "python") == expected


def test_environments_made_in_python_run_as_the_files_they_would_be(tmp_path, dynaq_cli):
    maze = dynaq.Env.maze("S..#\n.#.G\n....\n", name="small.txt")
    arrays = dynaq.Env.from_arrays(
        transitions=[[[0.5, 0.5, 0.0], [0.0, 1.0, 0.0]], [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], [[0, 0, 1], [0, 0, 1]]],
        rewards=[[0.0, 0.0], [1.0, -0.25], [0.0, 0.0]], terminal=[False, False, True],
        initial_state_distribution=[1, 0, 0], max_episode_steps=50, name="chain.json")
    schedule = maze.then(dynaq.Env.maze("S..#\n.#..\n...G\n", name="moved.txt"), at_step=300)
    for env in (maze, arrays):
        env.save(tmp_path / env.spec)
    (tmp_path / "moved.txt").write_text("S..#\n.#..\n...G\n")
    result = dynaq.run([maze, arrays, schedule], planning_steps=[0, 4], seeds=5, episodes=15,
                       save_agent_metrics=True, progress=False)
    result.save(tmp_path / "python")
    dynaq_cli(["run", "--env", "small.txt,chain.json,small.txt@300=moved.txt", "-n", "0,4", "--seeds", "5",
               "--episodes", "15", "--save-agent-metrics", "--quiet", "--out", "cli"], cwd=tmp_path)
    assert result_bytes(tmp_path / "python") == result_bytes(tmp_path / "cli")
    # An MDP JSON file is shown by its "name" field ("chain"), a maze by its file name.
    assert list(result.curves.env.unique()) == ["small.txt", "chain", "small.txt@300=moved.txt"]


def test_results_are_the_files_as_pandas_and_numpy():
    result = dynaq.run("dyna-maze", planning_steps=[0, 5], seeds=3, episodes=4, save_tables=True,
                       save_agent_metrics=True, progress=False)
    curves = result.curves
    assert list(curves.columns) == (result.folder / "curves.csv").read_text().splitlines()[0].split(",")
    assert len(curves) == 2 * 4 and list(curves.planning_steps.unique()) == [0, 5]
    assert len(result.points) == 2
    assert result.q.dtype == np.float32 and result.q.shape == (6, 54, 4)
    assert result.agent_metrics["steps"].shape == (6, 4)
    assert result.agent_metric("real_steps").shape == (6,)
    # Per agent, the mean over seeds in curves.csv is the mean of the per-agent arrays.
    steps = result.agent_metric("steps")
    assert curves.mean_steps.iloc[0] == pytest.approx(steps[:3, 0].mean())
    assert result.summary["agents"] == 6 and result.summary["complete"] is True
    assert "mean steps per episode" in repr(result)


def test_a_run_without_tables_says_how_to_get_them():
    result = dynaq.run("dyna-maze", seeds=2, episodes=2, progress=False)
    with pytest.raises(ValueError, match="save_tables=True"):
        result.q


def test_backend_auto_takes_the_cpu_without_a_gpu():
    if pathlib.Path("/dev/nvidia0").exists():
        pytest.skip("a GPU is present: auto takes it")
    result = dynaq.run("dyna-maze", seeds=2, episodes=2, progress=False)
    assert result.engine == "cpu"
    assert result.summary["execution"]["engine"] == "cpu"


def test_out_writes_where_the_command_line_would_and_refuses_to_overwrite(tmp_path):
    dynaq.run("dyna-maze", seeds=2, episodes=2, out=tmp_path / "run", progress=False)
    assert (tmp_path / "run" / "curves.csv").exists() and not (tmp_path / "run" / "chunks").exists()
    with pytest.raises(ValueError, match="already holds results"):
        dynaq.run("dyna-maze", seeds=2, episodes=2, out=tmp_path / "run", progress=False)
    dynaq.run("dyna-maze", seeds=3, episodes=2, out=tmp_path / "run", overwrite=True, progress=False)


def test_a_config_file_and_a_preset_are_read_as_the_command_line_reads_them(tmp_path):
    config = tmp_path / "sweep.toml"
    config.write_text('[run]\nenv = "dyna-maze"\nplanning-steps = [0, 5]\nseeds = 2\nepisodes = 3\n')
    result = dynaq.run(config=config, progress=False)
    assert list(result.points.planning_steps) == [0, 5]
    config.write_text('[run]\nalpha = 1.5\n')
    with pytest.raises(ValueError, match=r"sweep.toml:2:9: --alpha 1.5 is outside \(0, 1\]"):
        dynaq.run(config=config, progress=False)


def test_the_progress_bar_counts_every_agent(monkeypatch):
    tqdm_auto = pytest.importorskip("tqdm.auto")
    bars = []

    class Recorder:
        def __init__(self, total, **_):
            self.total, self.n, self.closed = total, 0, False
            bars.append(self)

        def update(self, k):
            self.n += k

        def close(self):
            self.closed = True

    monkeypatch.setattr(tqdm_auto, "tqdm", Recorder)
    dynaq.run("dyna-maze", seeds=50, episodes=3, chunk_agents=10, progress=True)
    assert len(bars) == 1 and bars[0].total == 50 and bars[0].n == 50 and bars[0].closed
