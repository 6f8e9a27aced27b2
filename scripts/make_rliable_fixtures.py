#!/usr/bin/env python3
"""Writes tests/data/rliable/aggregates.txt: rliable's aggregate metrics on small score matrices,
which tests/aggregate_metrics_test.cpp compares with dynaq's (src/stats/aggregate_metrics.cpp).

    python3 scripts/make_rliable_fixtures.py [--venv DIR]

It makes its own throw-away virtual environment (default: build/rliable-venv), installs rliable
and numpy there from PyPI, and runs itself inside it. The fixture is committed, so the test suite
needs neither rliable nor the network.

Point estimates are rliable's own functions. For the intervals, rliable's get_interval_estimates
and create_performance_profile run unchanged, but the run indices of every bootstrap resample are
those dynaq draws (the Philox stream of include/dynaq/aggregate_metrics.hpp, transcribed below):
the numpy.random.choice calls of rliable's stratified bootstraps are answered from that stream.
So the intervals are rliable's percentile computation applied to dynaq's resamples, and must
agree with dynaq's to the last digit.
"""
import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ROOT, "tests", "data", "rliable", "aggregates.txt")

SEED = 20211206  # the bootstrap seed (NeurIPS 2021)
RESAMPLES = 500
CONFIDENCE = 0.95
THRESHOLDS = 11
MASK = 0xFFFFFFFF
PURPOSE_BOOTSTRAP = 0x626F6F74


def ensure_environment(venv):
    """Re-runs this script inside a virtual environment holding rliable, made if missing."""
    python = os.path.join(venv, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(venv):
        return
    if not os.path.exists(python):
        subprocess.check_call([sys.executable, "-m", "venv", venv])
    # arch, which rliable's bootstrap uses, fails to import with pandas 3 (arch 7.2).
    subprocess.check_call([python, "-m", "pip", "install", "--quiet", "rliable==1.2.0", "numpy", "pandas<3"])
    os.execv(python, [python, os.path.abspath(__file__), "--venv", venv])


def philox4x32_10(counter, seed):
    """Philox4x32-10 as include/dynaq/random.hpp computes it."""
    c0, c1, c2, c3 = counter
    k0, k1 = seed & MASK, (seed >> 32) & MASK
    for round_ in range(10):
        if round_ > 0:
            k0, k1 = (k0 + 0x9E3779B9) & MASK, (k1 + 0xBB67AE85) & MASK
        p0, p1 = 0xD2511F53 * c0, 0xCD9E8D57 * c2
        c0, c1, c2, c3 = ((p1 >> 32) ^ c1 ^ k0) & MASK, p1 & MASK, ((p0 >> 32) ^ c3 ^ k1) & MASK, p0 & MASK
    return c0, c1, c2, c3


def resample_indices(stream, resample, runs, tasks):
    """The run index of every cell of resample `resample`, row-major (runs x tasks)."""
    cells = runs * tasks
    indices = []
    for block in range((cells + 3) // 4):
        words = philox4x32_10((stream, resample, PURPOSE_BOOTSTRAP, block), SEED)
        indices.extend((w * runs) >> 32 for w in words)
    return indices[:cells]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--venv", default=os.path.join(ROOT, "build", "rliable-venv"))
    venv = os.path.abspath(parser.parse_args().venv)
    ensure_environment(venv)

    import numpy as np
    import rliable
    from rliable import library, metrics

    # Three algorithms on three tasks: B has ties (scores in eighths, exact in binary, so that no
    # estimate falls between two printed values by a rounding error), C fewer runs than the others.
    generator = np.random.RandomState(7)
    scores = {
        "A": generator.beta(2.0, 1.5, size=(10, 3)),
        "B": np.round(generator.beta(2.0, 2.0, size=(10, 3)) * 8.0) / 8.0,
        "C": generator.beta(3.0, 1.0, size=(7, 3)) * 1.1,
    }
    names = list(scores)
    stream_of = {name: k for k, name in enumerate(names)}

    # Answers rliable's numpy.random.choice(runs, shape) calls from dynaq's streams, in the order
    # the bootstraps make them.
    pending = []

    def queue(streams_and_shapes):
        pending.clear()
        for r in range(RESAMPLES):
            for stream, (runs, tasks) in streams_and_shapes:
                pending.append(np.array(resample_indices(stream, r, runs, tasks)).reshape(runs, tasks))

    def choice(n, shape, replace=True):
        assert replace and pending and pending[0].shape == tuple(shape) and n == shape[0]
        return pending.pop(0)

    library.np.random.choice = choice

    aggregates = {
        "iqm": metrics.aggregate_iqm,
        "median": metrics.aggregate_median,
        "mean": metrics.aggregate_mean,
        "optimality_gap": metrics.aggregate_optimality_gap,
    }
    lines = ["# rliable %s, numpy %s: made by scripts/make_rliable_fixtures.py; do not edit"
             % (getattr(rliable, "__version__", "1.2.0"), np.__version__),
             "seed %d" % SEED, "resamples %d" % RESAMPLES, "confidence %r" % CONFIDENCE]
    for name in names:
        runs, tasks = scores[name].shape
        lines.append("algorithm %s %d %d %d" % (name, stream_of[name], runs, tasks))
        lines.append("scores " + " ".join(repr(float(v)) for v in scores[name].ravel()))
    # A few resamples' indices, so that a broken stream shows as such.
    for stream, r in ((0, 0), (2, RESAMPLES - 1)):
        runs, tasks = scores[names[stream]].shape
        lines.append("indices %d %d %d %d " % (stream, r, runs, tasks) +
                     " ".join(str(i) for i in resample_indices(stream, r, runs, tasks)))

    for metric, function in aggregates.items():
        for name in names:
            queue([(stream_of[name], scores[name].shape)])
            point, interval = library.get_interval_estimates(
                {name: scores[name]}, lambda s, f=function: np.array([f(s)]), reps=RESAMPLES,
                confidence_interval_size=CONFIDENCE)
            assert not pending
            lines.append("estimate %s %s %r %r %r" % (metric, name, float(point[name][0]),
                                                      float(interval[name][0][0]), float(interval[name][1][0])))

    for x, y in (("A", "B"), ("B", "A"), ("A", "C"), ("C", "B"), ("B", "B")):
        queue([(stream_of[x], scores[x].shape), (stream_of[y], scores[y].shape)])
        point, interval = library.get_interval_estimates(
            {"pair": [scores[x], scores[y]]}, lambda a, b: np.array([metrics.probability_of_improvement(a, b)]),
            reps=RESAMPLES, confidence_interval_size=CONFIDENCE)
        assert not pending
        lines.append("improvement %s %s %r %r %r" % (x, y, float(point["pair"][0]), float(interval["pair"][0][0]),
                                                   float(interval["pair"][1][0])))

    low = min(float(s.min()) for s in scores.values())
    high = max(float(s.max()) for s in scores.values())
    taus = np.linspace(low, high, THRESHOLDS)
    lines.append("thresholds " + " ".join(repr(float(t)) for t in taus))
    for name in names:
        queue([(stream_of[name], scores[name].shape)])
        profile, bands = library.create_performance_profile({name: scores[name]}, taus, reps=RESAMPLES,
                                                            confidence_interval_size=CONFIDENCE)
        assert not pending
        lines.append("profile %s " % name + " ".join(repr(float(v)) for v in profile[name]))
        lines.append("profile_low %s " % name + " ".join(repr(float(v)) for v in bands[name][0]))
        lines.append("profile_high %s " % name + " ".join(repr(float(v)) for v in bands[name][1]))

    os.makedirs(os.path.dirname(OUTPUT), exist_ok=True)
    with open(OUTPUT + ".partial", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(OUTPUT + ".partial", OUTPUT)
    print("wrote", os.path.relpath(OUTPUT, ROOT))


if __name__ == "__main__":
    main()
