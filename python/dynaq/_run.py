"""dynaq.run and dynaq.solve: `dynaq run` and `dynaq solve` from Python.

dynaq.run turns its keyword arguments into the options of `dynaq run` (same names, `_` for `-`,
lists for grid axes) and hands them to the command line's own option table and pipeline in
C++, so the checks, the error messages and the bytes of every result file are the command
line's: a run here writes what `dynaq run` with those options writes.
"""

import difflib
import json
import os
import pathlib
import shutil
import sys
import tempfile
import uuid

from dynaq import _core
from dynaq._env import Env, _as_env

_RESULT_FILES = ("curves.csv", "points.csv", "config.toml", "q.npy")
# Options the Python layer sets itself.
_MANAGED = {"quiet"}


def run_options():
    """{name: (is_grid_axis, is_switch, help)} for every option of `dynaq run` that dynaq.run takes."""
    return {name.replace("-", "_"): (axis, switch, help_text)
            for name, axis, switch, help_text in _core.run_options() if name not in _MANAGED}


def _text(value):
    """One option value as the command line would have it written."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # NumPy scalars
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _arguments(env, options):
    known = run_options()
    arguments, texts = [], {}
    if env is not None:
        if "env" in options:
            raise ValueError("give the environment once: as the first argument or as env=")
        options = dict(options, env=env)
    if "n" in options:  # -n, as on the command line
        if "planning_steps" in options:
            raise ValueError("n and planning_steps are the same option: give one of them")
        options = {("planning_steps" if k == "n" else k): v for k, v in options.items()}
    for key, value in options.items():
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            raise ValueError(f"unknown option {key!r} of dynaq.run" +
                             (f" (did you mean {close[0]!r}?)" if close else "") +
                             "; dynaq.run_options() lists them")
        axis, switch, _ = known[key]
        flag = "--" + key.replace("_", "-")
        if value is None:
            continue
        if switch:
            if not isinstance(value, bool):
                raise ValueError(f"{key}: expected True or False, got {value!r}")
            if value:
                arguments.append(flag)
            continue
        if key == "env":
            values = list(value) if isinstance(value, (list, tuple)) else [value]
            specs = []
            for item in values:
                item = _as_env(item)
                for name, text in item._texts.items():
                    if texts.get(name, text) != text:
                        raise ValueError(f"two different environments are named {name!r}; give one another name")
                    texts[name] = text
                specs.append(item._spec)
            arguments.append(flag + "=" + ",".join(specs))
            continue
        if isinstance(value, (list, tuple)) or (hasattr(value, "ndim") and value.ndim == 1):
            if not axis:
                raise ValueError(f"{key} takes one value, not a list (only grid axes take lists)")
            items = [_text(v) for v in value]
            if not items:
                raise ValueError(f"{key}: the list is empty")
            arguments.append(flag + "=" + ",".join(items))
        else:
            if isinstance(value, os.PathLike):
                value = os.fspath(value)
            arguments.append(flag + "=" + _text(value))
    return arguments, texts


class _ProgressBar:
    """A tqdm bar over the agents, made at the first report (when the total is known) and shown
    after a second unless asked for, so that short runs stay quiet."""

    def __init__(self, tqdm, always):
        self._tqdm, self._always, self._bar = tqdm, always, None

    def __call__(self, done, total):
        if self._bar is None:
            self._bar = self._tqdm(total=total, unit="agents", delay=0 if self._always else 1.0)
        self._bar.update(done - self._bar.n)

    def close(self):
        if self._bar is not None:
            self._bar.close()


def _progress_bar(enabled):
    """A callback drawing a tqdm bar, or None (progress=False, or no tqdm and not asked for)."""
    if enabled is False:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        if enabled:
            raise ValueError("progress=True needs tqdm (pip install tqdm)") from None
        return None
    return _ProgressBar(tqdm, always=bool(enabled))


def run(env=None, **options):
    """Runs a sweep of Dyna-Q agents, as `dynaq run` does, and returns a dynaq.Result.

    env: a dynaq.Env, an --env spec ("dyna-maze", "taxi", "maze.txt", "a@1000=b", ...), or a
    list of them (the first grid axis). Every other option of `dynaq run` is a keyword
    argument of the same name with `_` for `-` (and n for planning_steps): the grid axes (alpha, gamma, epsilon,
    planning_steps, q_init, planning_draw, max_episode_steps, algo, kappa, theta, model,
    backup, model_capacity) take a value or a list; the others one value: seeds, seed,
    episodes or steps, bucket, save_tables and save_agent_metrics (True or False), backend
    ("auto": the GPU when there is one), threads, out, overwrite, config, preset, resume, ...
    (dynaq.run_options() lists them all, with their help). Values are checked by the command line's own code: a bad one raises
    ValueError with its words. Defaults are the command line's.

    out=None runs in a temporary folder that lives as long as the Result; out=DIR writes
    the results there (and, if stopped, keeps the finished chunks for resume=DIR).
    progress: None shows a tqdm bar on runs longer than a second when tqdm is installed,
    True always, False never. Ctrl-C stops the run with KeyboardInterrupt once the chunk
    being run is written (chunk_agents sets their size).

    Example (Sutton & Barto's figure 8.2, and FrozenLake from Gymnasium):

        import dynaq
        import gymnasium as gym
        import matplotlib.pyplot as plt

        fig82 = dynaq.run("dyna-maze", planning_steps=[0, 5, 50], seeds=1000, episodes=50)
        for n, curve in fig82.curves.groupby("planning_steps"):
            plt.plot(curve.episode, curve.mean_steps, label=f"n = {n}")
        plt.yscale("log"); plt.xlabel("episode"); plt.ylabel("steps per episode"); plt.legend()

        lake = dynaq.Env.from_gymnasium(gym.make("FrozenLake-v1"))
        result = dynaq.run(lake, gamma=0.99, alpha=[0.1, 0.5], seeds=200, episodes=1000,
                           save_tables=True)
        print(result)                        # the table `dynaq run` prints
        result.points[["alpha", "mean_greedy_return", "optimal_return"]]
        result.q.shape                       # (400, 16, 4): agents x states x actions
        result.save("lake-run")              # curves.csv, points.csv, summary.json, ...
    """
    keep = None
    out = options.get("out")
    if options.get("resume") is None and out is None:
        keep = tempfile.TemporaryDirectory(prefix="dynaq-run-")
        options["out"] = os.path.join(keep.name, "run")
    progress = options.pop("progress", None)
    arguments, texts = _arguments(env, options)
    bar = _progress_bar(progress)
    command = "python: dynaq.run " + " ".join(arguments)
    try:
        outcome = _core.run(arguments + ["--quiet"], texts, command, bar)
    except BaseException as error:
        if keep is not None:
            keep.cleanup()  # a failed or stopped run in a temporary folder leaves nothing
        elif isinstance(error, KeyboardInterrupt):
            folder = options.get("resume") or out
            print(f"dynaq: stopped; every finished chunk is kept in {folder}/chunks. Finish the run with:\n"
                  f"  dynaq.run(resume={str(folder)!r})", file=sys.stderr)
        raise
    finally:
        if bar is not None:
            bar.close()
    for warning in outcome["warnings"]:
        import warnings
        warnings.warn(warning, stacklevel=2)
    return Result(outcome, keep)


class Result:
    """What dynaq.run wrote, loaded on first use.

    curves, points    pandas DataFrames of curves.csv and points.csv (their columns and values)
    summary           summary.json as a dict; config: config.toml's text
    q                 every agent's final Q-table, agents x states x actions (float32; save_tables=True)
    agent_metrics     {metric: array} per agent, agents x episodes (or buckets), or agents
                      (save_agent_metrics=True); agent_metric(name) gives one
    engine, device    what ran the agents; folder: where the files are
    save(dir)         writes the same files `dynaq run --out dir` writes
    """

    def __init__(self, outcome, temporary):
        self._outcome = outcome
        self._temporary = temporary  # the temporary folder lives as long as the Result
        self.folder = pathlib.Path(outcome["folder"]) if outcome["folder"] else None
        self.engine = outcome["engine"]
        self.device = outcome["device"]
        self.files = list(outcome["files"])
        self._cache = {}

    def __repr__(self):
        if self.folder is None:
            return (f"dynaq.Result(shard: {self._outcome['chunks_run']} chunk(s) run now, "
                    f"{self._outcome['chunks_present']} found done)")
        return (self._outcome["table"] + f"\n{self.summary['agents']} agents on the {self.engine} engine "
                f"({self.device}); files in {self.folder}")

    def _file(self, name):
        if self.folder is None:
            raise ValueError("a shard's run writes no results: join the shards with `dynaq merge`")
        path = self.folder / name
        if not path.exists():
            hint = {"q.npy": "save_tables=True"}.get(name, "save_agent_metrics=True")
            raise ValueError(f"this run did not write {name}; run with {hint}")
        return path

    def _load(self, key, loader):
        if key not in self._cache:
            self._cache[key] = loader()
        return self._cache[key]

    @property
    def curves(self):
        import pandas as pd
        return self._load("curves", lambda: pd.read_csv(self._file("curves.csv")))

    @property
    def points(self):
        import pandas as pd
        return self._load("points", lambda: pd.read_csv(self._file("points.csv")))

    @property
    def summary(self):
        return self._load("summary", lambda: json.loads(self._file("summary.json").read_text()))

    @property
    def config(self):
        return self._load("config", lambda: self._file("config.toml").read_text())

    @property
    def q(self):
        import numpy as np
        return self._load("q", lambda: np.load(self._file("q.npy")))

    def agent_metric(self, name):
        import numpy as np
        return self._load("agent_" + name, lambda: np.load(self._file(f"agent_{name}.npy")))

    @property
    def agent_metrics(self):
        return {name[6:-4]: self.agent_metric(name[6:-4]) for name in self.files
                if name.startswith("agent_") and name.endswith(".npy")}

    def save(self, directory, overwrite=False):
        """Copies the result files into `directory`, as `dynaq run --out directory` leaves them:
        refused where results already are unless overwrite=True; each file is written under a
        temporary name and all are renamed into place together, summary.json last."""
        directory = pathlib.Path(directory)
        if self.folder is None:
            self._file("curves.csv")
        if directory.resolve() == self.folder.resolve():
            return directory
        directory.mkdir(parents=True, exist_ok=True)
        earlier = sorted(p.name for p in directory.iterdir()
                         if p.name in _RESULT_FILES + ("summary.json",) or
                         (p.name.startswith("agent_") and p.name.endswith(".npy")))
        if earlier and not overwrite:
            raise ValueError(f"{directory} already holds results ({earlier[0]}); choose another folder or "
                             "pass overwrite=True")
        tag = uuid.uuid4().hex[:8]
        names = [n for n in self.files if n != "summary.json"] + ["summary.json"]
        staged = []
        try:
            for name in names:
                temporary = directory / f"{name}.partial-{tag}"
                shutil.copyfile(self.folder / name, temporary)
                staged.append((temporary, directory / name))
            for name in earlier:
                if name not in names:
                    (directory / name).unlink()
            for temporary, final in staged:
                os.replace(temporary, final)
        finally:
            for temporary, _ in staged:
                if temporary.exists():
                    temporary.unlink()
        return directory


class Solution:
    """dynaq.solve's answer: v (V*, one value per state), q (Q*, states x actions), policy (the
    greedy policy of Q*, first maximal action), v_start (V* averaged over the start
    distribution), optimal_return and optimal_steps (that policy's exact expected undiscounted
    return and episode length under the step limit `horizon`, 0: none), terminates,
    iterations, residual."""

    def __init__(self, fields):
        self.__dict__.update(fields)

    def __repr__(self):
        return (f"dynaq.Solution(v_start={self.v_start!r}, optimal_return={self.optimal_return!r}, "
                f"optimal_steps={self.optimal_steps!r}, iterations={self.iterations})")


def solve(env, gamma=0.95, phase=0, tolerance=1e-10, max_iterations=1_000_000, horizon=None):
    """Value iteration, as `dynaq solve`: V*, Q* and the optimal greedy policy's exact return
    and episode length. `env` is a dynaq.Env or an --env spec; `phase` picks a schedule's
    phase; `horizon` overrides the step limit (0: none). Returns a dynaq.Solution.

        sol = dynaq.solve("frozen-lake-4x4", gamma=0.99)
        sol.v_start, sol.optimal_return, sol.q.shape   # (..., ..., (16, 4))
    """
    env = _as_env(env)
    import numpy as np
    fields = _core.solve(env._spec, env._texts, float(gamma), int(phase), float(tolerance), int(max_iterations),
                         None if horizon is None else int(horizon))
    fields["policy"] = np.asarray(fields["policy"], dtype=np.uint32)
    return Solution(fields)
