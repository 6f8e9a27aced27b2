#!/usr/bin/env python3
"""Learning curves of a dynaq results folder as PNG, SVG and PDF, ready for a paper.

`dynaq plot RESULTS_DIR` runs this script (it is built into the dynaq binary, which checks the
options first); it can also be run by hand:

    python3 scripts/plot_curves.py RESULTS_DIR/curves.csv STEM METRIC [options]

It reads curves.csv as dynaq writes it (see README, "Results") and draws one line per grid
point with a band (--band): the mean of METRIC over the seeds with its 95% confidence interval
(ci), the median with the interquartile range (iqr), or the mean over a sample of individual
agents' curves drawn thin (agents, from RESULTS_DIR/agent_METRIC.npy), which shows what a mean
hides, such as the blocking maze's agents that never find the new path. Environments get a
panel each; the other parameters that vary within a panel tell the lines apart (one by colour,
a second one by line style), named in a compact legend inside the axes (one panel) or below them.
A schedule's phase switches (summary.json) are dashed vertical lines on a time-step axis.
Presets draw Sutton & Barto's figures: figure-8.2 (steps per episode on a linear axis from
episode 2), figure-8.4 and figure-8.5 (cumulative reward against time steps). It writes STEM.png,
STEM.svg or STEM.pdf (--formats) and STEM.json, which lists what was drawn.

Needs matplotlib (Debian: python3-matplotlib), and numpy for --band agents.
"""
import argparse
import csv
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")  # no display: write files only
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

PANEL_INCHES = (6.4, 4.8)  # the default size of one panel
DPI = 100                  # default size; presets and --size draw at PAPER_DPI
PAPER_DPI = 200
MAX_COLUMNS = 3
STYLES = ["-", "--", ":", "-."]
AGENT_SAMPLE = 20  # agents drawn per grid point with --band agents

SHORT_NAMES = {"planning_steps": "n", "max_episode_steps": "step limit", "planning_draw": "draw",
               "q_init": "Q0", "model_capacity": "capacity"}
Y_LABELS = {"steps": "steps per episode", "return": "return per episode",
            "cumulative_reward": "cumulative reward", "episodes": "episodes completed",
            "model_error": "model error"}
BOOK_ALGORITHMS = {"dyna-q": "Dyna-Q", "dyna-q-plus": "Dyna-Q+", "dyna-q-plus-action": "Dyna-Q+ (action bonus)",
                   "prioritized": "prioritized sweeping", "prioritized-direct": "prioritized sweeping (direct)"}
BAND_TEXT = {"ci": "mean of %d seeds, 95%% CI", "iqr": "median of %d seeds, quartiles",
             "agents": "mean of %d seeds; thin: " + str(AGENT_SAMPLE) + " agents each"}

# Sutton & Barto's figures: what each draws, and how the book labels its axes.
PRESETS = {
    # The book marks episode 2 and every 10th, and 14, the Dyna maze's shortest path.
    "figure-8.2": {"metric": "steps", "y_scale": "linear", "skip_first": 1, "size": (4.5, 3.2),
                   "x_label": "Episodes", "y_label": "Steps per episode", "x_every": 10, "y_marks": {"dyna-maze": 14}},
    "figure-8.4": {"metric": "cumulative_reward", "y_scale": "linear", "skip_first": 0, "size": (4.5, 3.2),
                   "x_label": "Time steps", "y_label": "Cumulative reward", "x_every": 1000},
    "figure-8.5": {"metric": "cumulative_reward", "y_scale": "linear", "skip_first": 0, "size": (4.5, 3.2),
                   "x_label": "Time steps", "y_label": "Cumulative reward", "x_every": 1000},
}


def number(text):
    return float(text) if text not in ("", "nan") else math.nan


def limits(text):
    """'LOW,HIGH' with either end empty: a pair for set_xlim / set_ylim (None: automatic)."""
    if not text:
        return None
    low, high = text.split(",")
    return (float(low) if low else None, float(high) if high else None)


def parse(argv):
    parser = argparse.ArgumentParser(prog="plot_curves.py")
    parser.add_argument("curves")
    parser.add_argument("stem")
    parser.add_argument("metric")
    parser.add_argument("--y-scale", default="auto", choices=["auto", "linear", "log"])
    parser.add_argument("--band", default="ci", choices=["ci", "iqr", "agents"])
    parser.add_argument("--preset", default="", choices=[""] + list(PRESETS))
    parser.add_argument("--size", default="", help="WIDTHxHEIGHT in inches, the whole figure")
    parser.add_argument("--xlim", default="")
    parser.add_argument("--ylim", default="")
    parser.add_argument("--skip-first", type=int, default=-1, help="episodes or buckets left out at the start")
    parser.add_argument("--formats", default="png,svg")
    args = parser.parse_args(argv[1:])
    preset = PRESETS.get(args.preset, {})
    if args.y_scale == "auto" and preset:
        args.y_scale = preset["y_scale"]
    if args.skip_first < 0:
        args.skip_first = preset.get("skip_first", 0)
    return args, preset


def read_curves(path, metric, band):
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    time_column = "episode" if "episode" in header else "step"
    parameters = header[1:header.index(time_column)]
    if "mean_" + metric not in header:
        available = [c[len("mean_"):] for c in header if c.startswith("mean_")]
        sys.exit("curves.csv has no metric '%s'; it has: %s" % (metric, ", ".join(available)))
    column = {name: k for k, name in enumerate(header)}
    centre, low, high = {"ci": ("mean_", "ci95_low_", "ci95_high_"), "iqr": ("median_", "q1_", "q3_"),
                         "agents": ("mean_", "ci95_low_", "ci95_high_")}[band]
    points = {}
    for row in rows:
        point = points.setdefault(int(row[0]), {"params": {p: row[column[p]] for p in parameters},
                                                "t": [], "centre": [], "low": [], "high": []})
        point["t"].append(int(row[column[time_column]]))
        point["centre"].append(number(row[column[centre + metric]]))
        point["low"].append(number(row[column[low + metric]]))
        point["high"].append(number(row[column[high + metric]]))
    seeds = int(rows[0][column["seeds"]]) if rows else 0
    return time_column, parameters, points, seeds


def phase_switches(results):
    """Environment name -> the real steps at which its schedule switches phase (summary.json)."""
    try:
        with open(os.path.join(results, "summary.json")) as f:
            summary = json.load(f)
    except (OSError, ValueError):
        return {}
    return {e["name"]: [s for s in e.get("phase_start_steps", []) if s > 0] for e in summary.get("environments", [])}


def agent_curves(results, metric, points, seeds, skip):
    """Point -> the first AGENT_SAMPLE agents' curves (from agent_METRIC.npy)."""
    import numpy
    array = numpy.load(os.path.join(results, "agent_%s.npy" % metric))
    return {p: array[p * seeds:p * seeds + min(seeds, AGENT_SAMPLE), skip:] for p in points}


def book_label(name, value, preset):
    if preset and name == "algorithm":
        return BOOK_ALGORITHMS.get(value, value)
    if preset and name == "planning_steps":
        return "%s planning steps%s" % (value, " (direct RL only)" if value == "0" else "")
    return "%s = %s" % (SHORT_NAMES.get(name, name), value)


def main(argv):
    args, preset = parse(argv)
    metric = args.metric
    results = os.path.dirname(os.path.abspath(args.curves))
    time_column, parameters, points, seeds = read_curves(args.curves, metric, args.band)
    skip = args.skip_first
    for point in points.values():
        for key in ("t", "centre", "low", "high"):
            point[key] = point[key][skip:]
    samples = agent_curves(results, metric, points, seeds, skip) if args.band == "agents" else {}
    switches = phase_switches(results) if time_column == "step" else {}

    envs = list(dict.fromkeys(pt["params"]["env"] for pt in points.values()))
    # What tells the lines of a panel apart: the parameters that vary within a panel (those
    # that differ only between environments, such as each one's own step limit, are the
    # panel's title). With two of them, one is the colour and the other (up to four values)
    # the line style; otherwise every combination gets its own colour.
    varying = [p for p in parameters if p != "env" and any(
        len({pt["params"][p] for pt in points.values() if pt["params"]["env"] == env}) > 1 for env in envs)]
    values = {p: list(dict.fromkeys(pt["params"][p] for pt in points.values())) for p in varying}
    if len(varying) == 2 and min(len(values[p]) for p in varying) <= len(STYLES):
        by_colour = max(varying, key=lambda p: (len(values[p]), -varying.index(p)))
        by_style = [p for p in varying if p != by_colour][0]
        colour_keys = [(v,) for v in values[by_colour]]
        colour_params = [by_colour]
    else:
        by_style = None
        colour_keys = list(dict.fromkeys(tuple(pt["params"][p] for p in varying) for pt in points.values()))
        colour_params = varying
    if len(colour_keys) <= 10:
        palette = [plt.get_cmap("tab10")(k) for k in range(10)]
    elif len(colour_keys) <= 20:
        palette = [plt.get_cmap("tab20")(k) for k in range(20)]
    else:
        palette = [plt.get_cmap("viridis")(k / (len(colour_keys) - 1)) for k in range(len(colour_keys))]
    colour_of = {key: palette[k] for k, key in enumerate(colour_keys)}
    style_of = {v: STYLES[k] for k, v in enumerate(values[by_style])} if by_style else {}

    # Legend entries: colours, then line styles.
    labels = [", ".join(book_label(n, v, preset) for n, v in zip(colour_params, key)) or "all points"
              for key in colour_keys]
    handles = [matplotlib.lines.Line2D([], [], color=colour_of[key], linewidth=2.0) for key in colour_keys]
    if by_style:
        handles += [matplotlib.lines.Line2D([], [], color="0.35", linestyle=STYLES[k], linewidth=1.5)
                    for k in range(len(values[by_style]))]
        labels += [book_label(by_style, v, preset) for v in values[by_style]]

    columns = min(len(envs), MAX_COLUMNS)
    rows_of_panels = (len(envs) + columns - 1) // columns
    if args.size:
        width, height = (float(v) for v in args.size.lower().split("x"))
    elif preset:
        width, height = preset["size"]
    else:
        width, height = PANEL_INCHES[0] * columns, PANEL_INCHES[1] * rows_of_panels
    dpi = DPI if not (args.size or preset) else PAPER_DPI
    small = width / columns < 5.0
    font = 8 if small else 10
    plt.rcParams.update({"font.size": font, "axes.titlesize": font + 1, "legend.fontsize": font - 1})
    figure = plt.figure(figsize=(width, height), dpi=dpi)
    # Margins in inches around each panel; with several panels the legend goes in rows below them.
    legend_below = len(envs) > 1 and bool(labels)
    legend_columns = max(1, min(len(labels), int(width / 1.9)))
    legend_rows = (len(labels) + legend_columns - 1) // legend_columns if legend_below else 0
    legend_band = (legend_rows + 1) * font / 72.0 * 1.5 + 0.1 if legend_below else 0.0
    margin_left, margin_right = (0.62, 0.25) if small else (0.8, 0.3)
    margin_bottom = 0.42 if small else 0.6
    margin_top = 0.3 if (len(envs) > 1 or not preset) else 0.1
    cell_w, cell_h = width / columns, (height - legend_band) / rows_of_panels
    band_alpha = 0.2 if len(points) / len(envs) <= 6 else 0.1
    panels, drawn, markers = [], [], []
    any_log = False
    for k, env in enumerate(envs):
        r, c = divmod(k, columns)
        axes = figure.add_axes([(c * cell_w + margin_left) / width,
                                (legend_band + (rows_of_panels - 1 - r) * cell_h + margin_bottom) / height,
                                (cell_w - margin_left - margin_right) / width,
                                (cell_h - margin_bottom - margin_top) / height])
        mine = [(n, pt) for n, pt in points.items() if pt["params"]["env"] == env]
        for number_, point in mine:
            colour = colour_of[tuple(point["params"][p] for p in colour_params)]
            style = style_of.get(point["params"][by_style], "-") if by_style else "-"
            if args.band == "agents":
                for curve in samples[number_]:
                    axes.plot(point["t"], curve, color=colour, linestyle="-", linewidth=0.5, alpha=0.35)
            else:
                axes.fill_between(point["t"], point["low"], point["high"], color=colour, alpha=band_alpha,
                                  linewidth=0)
            axes.plot(point["t"], point["centre"], color=colour, linestyle=style, linewidth=1.6)
            drawn.append({"point": number_, "env": env, "color": matplotlib.colors.to_hex(colour), "style": style,
                          # A parameter that does not apply at the point (an empty field) is left out.
                          "label": ", ".join("%s = %s" % (SHORT_NAMES.get(p, p), point["params"][p])
                                             for p in varying if point["params"][p] != ""),
                          "agents_drawn": len(samples.get(number_, []))})
        for step in switches.get(env, []):
            axes.axvline(step, color="0.4", linestyle="--", linewidth=0.9, zorder=0)
            markers.append({"env": env, "step": step})
        # Episode lengths that fall from hundreds to tens read best on a logarithmic axis.
        means = [m for _, pt in mine for m in pt["centre"] if m > 0 and math.isfinite(m)]
        log_y = args.y_scale == "log" or (args.y_scale == "auto" and metric == "steps" and means
                                          and max(means) / min(means) > 20)
        if log_y and any(m <= 0 for _, pt in mine for m in pt["centre"] if math.isfinite(m)):
            print("dynaq: warning: --y-scale log: the %s curve of %s has values <= 0, which a logarithmic axis "
                  "cannot show; that panel is drawn on a linear axis" % (metric, env), file=sys.stderr)
            log_y = False
        if log_y:
            axes.set_yscale("log")
            axes.yaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
            axes.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: "%g" % v))
            axes.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            any_log = True
        elif preset:
            axes.set_ylim(bottom=0)
        if preset and mine:
            first = min(pt["t"][0] for _, pt in mine)
            last = max(pt["t"][-1] for _, pt in mine)
            axes.set_xlim(first if time_column == "episode" else 0, last)
        if preset and mine:
            # The book's ticks: the first x, then every x_every; the y marks beside the automatic ones.
            ticks = [t for t in range(0, last + 1, preset["x_every"]) if t > first] if first else []
            axes.set_xticks(([first] if time_column == "episode" else [0]) + ticks)
            mark = preset.get("y_marks", {}).get(env)
            if mark is not None and not log_y:
                axes.set_yticks(sorted(set([mark] + [t for t in axes.get_yticks() if t >= 10 * mark])))
        if args.xlim:
            axes.set_xlim(*limits(args.xlim))
        if args.ylim:
            axes.set_ylim(*limits(args.ylim))
        if len(envs) > 1 or not preset:
            axes.set_title(env)
        axes.set_xlabel(preset.get("x_label") or ("episode" if time_column == "episode" else "real step"))
        if not preset:
            axes.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        axes.set_ylabel(preset.get("y_label") or "%s%s" % (Y_LABELS.get(metric, metric), " (log scale)" if log_y else ""))
        axes.grid(True, which="major", alpha=0.3)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        panels.append({"env": env, "lines": len(mine), "log_y": bool(log_y)})
        if not legend_below and labels:
            legend = axes.legend(handles, labels, loc="best", frameon=True, framealpha=0.85, edgecolor="none",
                                 handlelength=2.2, title=BAND_TEXT[args.band] % seeds, title_fontsize=font - 2)
            legend._legend_box.align = "left"
    if legend_below:
        figure.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.01), ncol=legend_columns,
                      frameon=False, handlelength=2.2, title=BAND_TEXT[args.band] % seeds, title_fontsize=font - 2)

    outputs = {}
    for extension in args.formats.split(","):
        path = "%s.%s" % (args.stem, extension)
        partial = "%s.partial-%d.%s" % (args.stem, os.getpid(), extension)
        figure.savefig(partial, dpi=dpi)
        os.replace(partial, path)  # never a half-written picture under the final name
        outputs[extension] = path
    info = dict(outputs)
    info.update({"width": int(round(width * dpi)), "height": int(round(height * dpi)), "metric": metric,
                 "band": args.band, "preset": args.preset or None, "skip_first": skip, "log_y": any_log,
                 "panels": panels, "curves": len(drawn), "phase_markers": markers,
                 "colors": [matplotlib.colors.to_hex(colour_of[key]) for key in colour_keys],
                 "color_by": colour_params, "style_by": by_style, "legend": "below" if legend_below else "inside",
                 "lines": drawn})
    with open(args.stem + ".json", "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv)
