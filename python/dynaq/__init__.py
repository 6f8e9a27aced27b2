"""dynaq from Python: sweeps of tabular Dyna-Q agents, run by the same C++ library as the
``dynaq`` command, with results as pandas DataFrames and NumPy arrays.

    import dynaq
    result = dynaq.run("dyna-maze", planning_steps=[0, 5, 50], seeds=1000, episodes=50)
    result.curves        # curves.csv as a DataFrame
    result.points        # points.csv
    result.summary       # summary.json as a dict
    result.save("fig82") # the files `dynaq run --out fig82` writes

``help(dynaq.run)`` has a complete example; ``dynaq.Env`` makes environments (mazes, files,
built-ins, Gymnasium, your own arrays) and ``dynaq.solve`` solves them exactly.
"""

from dynaq import _core
from dynaq._env import Env, builtin_environments
from dynaq._run import Result, run, run_options, solve, Solution

__version__ = _core.version
built_with_cuda = _core.built_with_cuda

__all__ = ["Env", "Result", "Solution", "builtin_environments", "run", "run_options", "solve",
           "__version__", "built_with_cuda"]
