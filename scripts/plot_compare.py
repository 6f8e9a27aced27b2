#!/usr/bin/env python3
"""The pictures of `dynaq compare --out DIR --plot`, from DIR/compare.json:

    python3 scripts/plot_compare.py DIR/compare.json DIR

- DIR/intervals.png and .pdf: each aggregate (IQM, median, mean, optimality gap) in a panel, one
  row per algorithm: its bootstrap confidence interval as a bar and the point estimate as a tick,
  as rliable's plot_interval_estimates draws them;
- DIR/profile.png and .pdf: the performance profiles, the fraction of runs scoring above each
  threshold, with their confidence bands.

dynaq runs it (it is built into the binary). Needs matplotlib (Debian: python3-matplotlib).
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")  # no display: write files only
import matplotlib.pyplot as plt  # noqa: E402

DPI = 200
TITLES = {"iqm": "IQM", "median": "Median", "mean": "Mean", "optimality_gap": "Optimality gap"}


def save(figure, folder, stem):
    for extension in ("png", "pdf"):
        path = os.path.join(folder, "%s.%s" % (stem, extension))
        partial = "%s.partial-%d.%s" % (path, os.getpid(), extension)
        figure.savefig(partial, dpi=DPI)
        os.replace(partial, path)  # never a half-written picture under the final name


def value(x):
    """JSON's null (an undefined estimate) as NaN, which matplotlib leaves out."""
    return float("nan") if x is None else x


def score_name(comparison):
    name = comparison["metric"].replace("_", " ")
    return ("normalised " + name) if comparison["normalized"] else name


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: plot_compare.py COMPARE_JSON DIR")
    with open(argv[1]) as f:
        comparison = json.load(f)
    folder = argv[2]
    algorithms = comparison["algorithms"]
    colours = [plt.get_cmap("tab10")(k % 10) for k in range(len(algorithms))]
    aggregates = [a for a in ("iqm", "median", "mean", "optimality_gap") if a in algorithms[0]]
    plt.rcParams.update({"font.size": 8, "axes.titlesize": 9})

    # Aggregate intervals: a panel per aggregate, a row per algorithm (the first on top).
    label_inches = min(2.6, 0.3 + 0.055 * max(len(a["label"]) for a in algorithms))
    width = label_inches + 1.75 * len(aggregates)
    height = 0.55 + 0.28 * len(algorithms) + 0.25
    figure = plt.figure(figsize=(width, height), dpi=DPI)
    for k, aggregate in enumerate(aggregates):
        axes = figure.add_axes([(label_inches + 1.75 * k) / width, 0.5 / height, 1.5 / width,
                                (0.28 * len(algorithms)) / height])
        for row, algorithm in enumerate(algorithms):
            e = algorithm[aggregate]
            y = len(algorithms) - 1 - row
            if e["ci_low"] is not None and e["ci_high"] is not None:
                axes.barh(y, e["ci_high"] - e["ci_low"], left=e["ci_low"], height=0.6, color=colours[row], alpha=0.75)
            if e["estimate"] is not None:
                axes.vlines(e["estimate"], y - 0.3, y + 0.3, color="black", linewidth=1.2)
        axes.set_ylim(-0.5, len(algorithms) - 0.5)
        axes.set_yticks(range(len(algorithms)))
        axes.set_yticklabels([a["label"] for a in reversed(algorithms)] if k == 0 else [])
        axes.tick_params(axis="y", length=0)
        axes.set_title(TITLES[aggregate])
        axes.grid(True, axis="x", alpha=0.3)
        axes.locator_params(axis="x", nbins=4)
        for side in ("top", "right", "left"):
            axes.spines[side].set_visible(False)
    figure.text((label_inches + 1.75 * len(aggregates) / 2) / width, 0.04, score_name(comparison)
                + " (%g%% stratified bootstrap intervals)" % (100 * comparison["bootstrap"]["confidence"]),
                ha="center", va="bottom")
    save(figure, folder, "intervals")

    # Performance profiles: the fraction of runs above each threshold, with its band.
    figure = plt.figure(figsize=(3.5, 2.6), dpi=DPI)
    axes = figure.add_axes([0.17, 0.17, 0.79, 0.78])
    taus = comparison["thresholds"]
    for k, algorithm in enumerate(algorithms):
        profile = algorithm["profile"]
        axes.fill_between(taus, [value(p["ci_low"]) for p in profile], [value(p["ci_high"]) for p in profile],
                          color=colours[k], alpha=0.2, linewidth=0)
        axes.plot(taus, [value(p["estimate"]) for p in profile], color=colours[k], linewidth=1.5,
                  label=algorithm["label"])
    axes.set_xlabel(score_name(comparison) + " " + chr(0x3C4))
    axes.set_ylabel("fraction of runs with score > " + chr(0x3C4))
    axes.set_ylim(0, 1.02)
    axes.set_xlim(taus[0], taus[-1])
    axes.grid(True, alpha=0.3)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(loc="best", frameon=True, framealpha=0.85, edgecolor="none", fontsize=7)
    save(figure, folder, "profile")


if __name__ == "__main__":
    main(sys.argv)
