#!/usr/bin/env python3
"""Learning curves of a dynaq results folder, with 95% confidence bands, as PNG and SVG.

`dynaq plot RESULTS_DIR` runs this script (it is built into the dynaq binary); it can also be
run by hand:

    python3 scripts/plot_curves.py RESULTS_DIR/curves.csv STEM METRIC [auto|linear|log]

It reads curves.csv as dynaq writes it (see README, "Results") and draws one line per grid
point: the mean of METRIC (steps, return, cumulative_reward, episodes or model_error) over the
seeds, with its 95% confidence interval as a band. Environments get a panel each; the other
parameters that vary within a panel tell the lines apart (one by colour, a second one by line
style), named in the legend. It writes STEM.png, STEM.svg and STEM.json, which lists what was
drawn (size, panels, every curve with its colour and style).

Needs matplotlib (Debian: python3-matplotlib); no other package.
"""
import csv
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")  # no display: write files only
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

PANEL_INCHES = (6.4, 4.8)
LEGEND_INCHES = 3.4
DPI = 100
MAX_COLUMNS = 3
STYLES = ["-", "--", ":", "-."]

SHORT_NAMES = {"planning_steps": "n", "max_episode_steps": "step limit", "planning_draw": "draw",
               "q_init": "Q0", "model_capacity": "capacity"}
Y_LABELS = {"steps": "steps per episode", "return": "return per episode",
            "cumulative_reward": "cumulative reward", "episodes": "episodes completed",
            "model_error": "model error"}


def number(text):
    return float(text) if text not in ("", "nan") else math.nan


def main(argv):
    if len(argv) not in (4, 5):
        sys.exit("usage: plot_curves.py CURVES_CSV STEM METRIC [auto|linear|log]")
    curves_path, stem, metric = argv[1], argv[2], argv[3]
    y_scale = argv[4] if len(argv) == 5 else "auto"

    with open(curves_path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    time_column = "episode" if "episode" in header else "step"
    parameters = header[1:header.index(time_column)]
    if "mean_" + metric not in header:
        available = [c[len("mean_"):] for c in header if c.startswith("mean_")]
        sys.exit("curves.csv has no metric '%s'; it has: %s" % (metric, ", ".join(available)))
    column = {name: k for k, name in enumerate(header)}

    # One curve per grid point, in point order.
    points = {}
    for row in rows:
        point = points.setdefault(int(row[0]), {"params": {p: row[column[p]] for p in parameters},
                                                "t": [], "mean": [], "low": [], "high": []})
        point["t"].append(int(row[column[time_column]]))
        point["mean"].append(number(row[column["mean_" + metric]]))
        point["low"].append(number(row[column["ci95_low_" + metric]]))
        point["high"].append(number(row[column["ci95_high_" + metric]]))
    seeds = rows[0][column["seeds"]] if rows else "0"

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
    names = [SHORT_NAMES.get(p, p) for p in colour_params]
    if len(colour_keys) <= 10:
        palette = [plt.get_cmap("tab10")(k) for k in range(10)]
    elif len(colour_keys) <= 20:
        palette = [plt.get_cmap("tab20")(k) for k in range(20)]
    else:
        palette = [plt.get_cmap("viridis")(k / (len(colour_keys) - 1)) for k in range(len(colour_keys))]
    colour_of = {key: palette[k] for k, key in enumerate(colour_keys)}
    style_of = {v: STYLES[k] for k, v in enumerate(values[by_style])} if by_style else {}

    columns = min(len(envs), MAX_COLUMNS)
    rows_of_panels = (len(envs) + columns - 1) // columns
    width = PANEL_INCHES[0] * columns + LEGEND_INCHES
    height = PANEL_INCHES[1] * rows_of_panels
    figure = plt.figure(figsize=(width, height), dpi=DPI)
    # Panels on the left, the legend in a column of its own on the right.
    legend_share = LEGEND_INCHES / width
    band_alpha = 0.2 if len(points) / len(envs) <= 6 else 0.1
    panels = []
    drawn = []
    any_log = False
    for k, env in enumerate(envs):
        r, c = divmod(k, columns)
        left = (c * PANEL_INCHES[0]) / width
        bottom = 1.0 - (r + 1) * PANEL_INCHES[1] / height
        axes = figure.add_axes([left + 0.12 * PANEL_INCHES[0] / width, bottom + 0.12 * PANEL_INCHES[1] / height,
                                0.84 * PANEL_INCHES[0] / width, 0.78 * PANEL_INCHES[1] / height])
        mine = [(n, pt) for n, pt in points.items() if pt["params"]["env"] == env]
        for number_, point in mine:
            colour = colour_of[tuple(point["params"][p] for p in colour_params)]
            style = style_of.get(point["params"][by_style], "-") if by_style else "-"
            axes.fill_between(point["t"], point["low"], point["high"], color=colour, alpha=band_alpha, linewidth=0)
            axes.plot(point["t"], point["mean"], color=colour, linestyle=style, linewidth=1.8)
            drawn.append({"point": number_, "env": env, "color": matplotlib.colors.to_hex(colour), "style": style,
                          # A parameter that does not apply at the point (an empty field) is left out.
                          "label": ", ".join("%s = %s" % (SHORT_NAMES.get(p, p), point["params"][p])
                                             for p in varying if point["params"][p] != "")})
        # Episode lengths that fall from hundreds to tens read best on a logarithmic axis.
        means = [m for _, pt in mine for m in pt["mean"] if m > 0 and math.isfinite(m)]
        log_y = y_scale == "log" or (y_scale == "auto" and metric == "steps" and means and max(means) / min(means) > 20)
        if log_y and any(m <= 0 for _, pt in mine for m in pt["mean"] if math.isfinite(m)):
            print("dynaq: warning: --y-scale log: the %s curve of %s has values <= 0, which a logarithmic axis "
                  "cannot show; that panel is drawn on a linear axis" % (metric, env), file=sys.stderr)
            log_y = False
        if log_y:
            axes.set_yscale("log")
            axes.yaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
            axes.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: "%g" % v))
            axes.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            any_log = True
        axes.set_title(env, fontsize=11)
        axes.set_xlabel("episode" if time_column == "episode" else "real step")
        axes.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        axes.set_ylabel("%s%s" % (Y_LABELS.get(metric, metric), " (log scale)" if log_y else ""))
        axes.grid(True, which="major", alpha=0.3)
        panels.append({"env": env, "lines": len(mine), "log_y": bool(log_y)})

    handles = [matplotlib.lines.Line2D([], [], color=colour_of[key], linewidth=2.5) for key in colour_keys]
    labels = [label(names, key) for key in colour_keys]
    if by_style:
        handles += [matplotlib.lines.Line2D([], [], color="0.35", linestyle=STYLES[k], linewidth=1.8)
                    for k in range(len(values[by_style]))]
        labels += ["%s = %s" % (SHORT_NAMES.get(by_style, by_style), v) for v in values[by_style]]
    figure.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.0 - legend_share + 0.01, 0.97),
                  fontsize=9, ncol=1 if len(labels) <= 24 else 2, frameon=False, handlelength=3)
    figure.text(1.0 - legend_share + 0.01, 0.03, "lines: mean over %s seeds per point\nbands: 95%% confidence interval"
                % seeds, fontsize=9, color="0.3")

    outputs = {}
    for extension in ("png", "svg"):
        path = "%s.%s" % (stem, extension)
        partial = "%s.partial-%d.%s" % (stem, os.getpid(), extension)
        figure.savefig(partial, dpi=DPI)
        os.replace(partial, path)  # never a half-written picture under the final name
        outputs[extension] = path
    info = {"png": outputs["png"], "svg": outputs["svg"], "width": int(round(width * DPI)),
            "height": int(round(height * DPI)), "metric": metric, "log_y": any_log, "panels": panels,
            "curves": len(drawn), "colors": [matplotlib.colors.to_hex(colour_of[key]) for key in colour_keys],
            "color_by": colour_params, "style_by": by_style, "lines": drawn}
    with open(stem + ".json", "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")


def label(names, key):
    if not names:
        return "all points"
    return ", ".join("%s = %s" % (n, v) for n, v in zip(names, key))


if __name__ == "__main__":
    main(sys.argv)
