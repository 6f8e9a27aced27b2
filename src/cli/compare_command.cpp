// `dynaq compare RUN [RUN...]`: the aggregate metrics of rliable over seeds and environments,
// with stratified bootstrap confidence intervals (aggregate_metrics.hpp), for the algorithms of
// one or more finished runs (run_scores.hpp). Prints a table; `--out DIR` writes compare.csv
// and compare.json, `--plot` draws them (scripts/plot_compare.py, built into the binary).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "compare_script.hpp"
#include "dynaq/aggregate_metrics.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/format.hpp"
#include "dynaq/result_files.hpp"
#include "dynaq/run_scores.hpp"

namespace dynaq::cli {

namespace {

namespace fs = std::filesystem;

struct CompareOptions {
  std::vector<std::string> runs;
  std::string metric = "greedy_return";
  std::string normalize = "none";
  std::uint32_t resamples = 2000;
  double confidence = 0.95;
  std::uint64_t seed = 0;
  bool seed_given = false;
  std::uint32_t thresholds = 21;
  std::vector<std::string> improvement;  // "X,Y" pairs of algorithm numbers
  std::string out;
  bool plot = false;
  bool overwrite = false;
};

struct Estimate {
  double point;
  Interval interval;
};

struct AlgorithmEstimates {
  std::vector<Estimate> aggregates;  // parallel to the aggregate names
  std::vector<Estimate> profile;     // per threshold
};

struct Improvement {
  std::size_t x, y;
  Estimate estimate;
};

struct Comparison {
  RunScores scores;
  std::vector<std::string> aggregate_names;
  std::vector<double> thresholds;
  std::vector<AlgorithmEstimates> algorithms;
  std::vector<Improvement> improvements;
  BootstrapSettings bootstrap;
};

// The pairs to compare: those asked for, or every pair (i, j), i < j, of up to 10 algorithms.
std::vector<std::pair<std::size_t, std::size_t>> improvement_pairs(const CompareOptions& o, std::size_t algorithms) {
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  for (const std::string& text : o.improvement) {
    const std::size_t comma = text.find(',');
    std::size_t x = 0, y = 0;
    try {
      if (comma == std::string::npos) throw std::invalid_argument(text);
      std::size_t used = 0;
      x = std::stoul(text.substr(0, comma), &used);
      if (used != comma) throw std::invalid_argument(text);
      y = std::stoul(text.substr(comma + 1), &used);
      if (used != text.size() - comma - 1) throw std::invalid_argument(text);
    } catch (const std::logic_error&) {
      throw InputError("--improvement '" + text + "': write X,Y, two algorithm numbers as the table lists them");
    }
    if (x >= algorithms || y >= algorithms || x == y)
      throw InputError("--improvement " + text + ": the algorithms are numbered 0 to " + std::to_string(algorithms - 1) +
                       ", and X and Y must differ");
    pairs.emplace_back(x, y);
  }
  if (o.improvement.empty() && algorithms <= 10)
    for (std::size_t i = 0; i < algorithms; ++i)
      for (std::size_t j = i + 1; j < algorithms; ++j) pairs.emplace_back(i, j);
  return pairs;
}

Comparison compare(const CompareOptions& o) {
  if (o.normalize != "none" && o.normalize != "optimal")
    throw InputError("--normalize: '" + o.normalize + "' is not one of: none, optimal");
  if (o.resamples < 1) throw InputError("--resamples: at least 1");
  if (!(o.confidence > 0.0 && o.confidence < 1.0)) throw InputError("--confidence " + format_double(o.confidence) + " is outside (0, 1)");
  if (o.thresholds < 2) throw InputError("--thresholds: at least 2");
  if (o.plot && o.out.empty()) throw InputError("--plot draws the files of --out DIR; give --out too");
  Comparison c;
  ScoreRequest request{o.runs, o.metric, o.normalize == "optimal" ? Normalization::kOptimal : Normalization::kNone};
  c.scores = read_run_scores(request);
  const auto pairs = improvement_pairs(o, c.scores.algorithms.size());
  c.bootstrap = BootstrapSettings{o.seed_given ? o.seed : c.scores.seed, o.resamples, o.confidence};

  c.aggregate_names = {"iqm", "median", "mean"};
  if (c.scores.normalized) c.aggregate_names.push_back("optimality_gap");
  double low = INFINITY, high = -INFINITY;
  for (const ComparedAlgorithm& a : c.scores.algorithms)
    for (const double v : a.scores.values)
      if (std::isfinite(v)) low = std::min(low, v), high = std::max(high, v);
  if (!(low <= high)) low = high = 0.0;
  c.thresholds = evenly_spaced(low, high, o.thresholds);
  const bool gap = c.scores.normalized;
  const auto numbers = [&](const ScoreMatrix& s) {
    std::vector<double> sorted = s.values;  // one sort for the IQM and the profile
    std::sort(sorted.begin(), sorted.end());
    std::vector<double> out = {interquartile_mean_of_sorted(sorted), median_of_task_means(s), mean_of_task_means(s)};
    if (gap) out.push_back(optimality_gap(s));
    const std::vector<double> profile = performance_profile_of_sorted(sorted, c.thresholds);
    out.insert(out.end(), profile.begin(), profile.end());
    return out;
  };
  for (std::size_t k = 0; k < c.scores.algorithms.size(); ++k) {
    const ScoreMatrix& s = c.scores.algorithms[k].scores;
    const std::vector<double> points = numbers(s);
    const std::vector<Interval> intervals = bootstrap_intervals(
        {&s}, {static_cast<std::uint32_t>(k)}, [&](const std::vector<const ScoreMatrix*>& m) { return numbers(*m[0]); },
        c.bootstrap);
    AlgorithmEstimates e;
    for (std::size_t n = 0; n < points.size(); ++n)
      (n < c.aggregate_names.size() ? e.aggregates : e.profile).push_back(Estimate{points[n], intervals[n]});
    c.algorithms.push_back(e);
  }
  // The probability that X is better: higher scores, or fewer steps for a lower-is-better metric.
  const auto oriented = [&](const ScoreMatrix& s) {
    ScoreMatrix out = s;
    if (c.scores.lower_is_better)
      for (double& v : out.values) v = -v;
    return out;
  };
  for (const auto& [x, y] : pairs) {
    const ScoreMatrix sx = oriented(c.scores.algorithms[x].scores), sy = oriented(c.scores.algorithms[y].scores);
    const std::vector<Interval> interval = bootstrap_intervals(
        {&sx, &sy}, {static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y)},
        [](const std::vector<const ScoreMatrix*>& m) { return std::vector<double>{probability_of_improvement(*m[0], *m[1])}; },
        c.bootstrap);
    c.improvements.push_back(Improvement{x, y, Estimate{probability_of_improvement(sx, sy), interval[0]}});
  }
  return c;
}

std::string with_interval(const Estimate& e) {
  return printed_estimate(e.point) + " [" + printed_estimate(e.interval.low) + ", " + printed_estimate(e.interval.high) + "]";
}

const char* aggregate_title(const std::string& name) {
  return name == "iqm" ? "IQM" : name == "optimality_gap" ? "optimality gap" : name.c_str();
}

void print_table(const Comparison& c, std::ostream& out) {
  const RunScores& s = c.scores;
  out << "metric " << s.metric
      << (s.normalized ? (lower_is_better(s.metric) ? ", normalised as optimal_steps / value" : ", normalised by the optimal return")
                       : "")
      << " (" << (s.lower_is_better ? "lower" : "higher") << " is better), over " << s.tasks.size() << " environment"
      << (s.tasks.size() == 1 ? "" : "s") << ": ";
  for (std::size_t t = 0; t < s.tasks.size(); ++t) out << (t ? ", " : "") << s.tasks[t];
  out << "\n" << format_double(100.0 * c.bootstrap.confidence) << "% stratified bootstrap intervals, "
      << c.bootstrap.resamples << " resamples, seed " << c.bootstrap.seed << "\n\n";
  std::size_t label_width = 9;
  for (const ComparedAlgorithm& a : s.algorithms) label_width = std::max(label_width, a.label.size());
  out << std::left << std::setw(3) << "#" << std::setw(static_cast<int>(label_width)) << "algorithm" << "  "
      << std::right << std::setw(6) << "seeds";
  for (const std::string& name : c.aggregate_names) out << "  " << std::left << std::setw(26) << aggregate_title(name);
  out << "\n";
  for (std::size_t k = 0; k < s.algorithms.size(); ++k) {
    out << std::left << std::setw(3) << k << std::setw(static_cast<int>(label_width)) << s.algorithms[k].label
        << "  " << std::right << std::setw(6) << s.algorithms[k].scores.runs;
    for (const Estimate& e : c.algorithms[k].aggregates) out << "  " << std::left << std::setw(26) << with_interval(e);
    out << "\n";
  }
  if (!c.improvements.empty()) {
    out << "\nprobability of improvement, P(X " << (s.lower_is_better ? "<" : ">") << " Y) averaged over environments:\n";
    for (const Improvement& i : c.improvements)
      out << "  P(" << i.x << " " << (s.lower_is_better ? "<" : ">") << " " << i.y << ") = " << with_interval(i.estimate) << "\n";
  }
  out << "\nperformance profile, the fraction of runs with a score above tau:\n" << std::right << std::setw(10) << "tau";
  for (std::size_t k = 0; k < s.algorithms.size(); ++k) out << "  " << std::left << std::setw(26) << ("#" + std::to_string(k));
  out << "\n";
  for (std::size_t t = 0; t < c.thresholds.size(); ++t) {
    out << std::right << std::setw(10) << printed_estimate(c.thresholds[t]);
    for (const AlgorithmEstimates& a : c.algorithms) out << "  " << std::left << std::setw(26) << with_interval(a.profile[t]);
    out << "\n";
  }
}

void write_csv(const Comparison& c, std::ostream& out) {
  out << "statistic,algorithm,label,versus,threshold,estimate,ci_low,ci_high\n";
  const auto row = [&](const std::string& statistic, std::size_t k, const std::string& versus, double threshold,
                       const Estimate& e) {
    out << statistic << "," << k << "," << csv_field(c.scores.algorithms[k].label) << "," << versus << ","
        << csv_number(threshold) << "," << csv_number(e.point) << "," << csv_number(e.interval.low) << ","
        << csv_number(e.interval.high) << "\n";
  };
  for (std::size_t k = 0; k < c.algorithms.size(); ++k)
    for (std::size_t n = 0; n < c.aggregate_names.size(); ++n) row(c.aggregate_names[n], k, "", NAN, c.algorithms[k].aggregates[n]);
  for (const Improvement& i : c.improvements) row("probability_of_improvement", i.x, std::to_string(i.y), NAN, i.estimate);
  for (std::size_t k = 0; k < c.algorithms.size(); ++k)
    for (std::size_t t = 0; t < c.thresholds.size(); ++t) row("profile", k, "", c.thresholds[t], c.algorithms[k].profile[t]);
}

std::string json_estimate(const Estimate& e) {
  return "{\"estimate\": " + json_number(e.point) + ", \"ci_low\": " + json_number(e.interval.low) +
         ", \"ci_high\": " + json_number(e.interval.high) + "}";
}

void write_json(const Comparison& c, const CompareOptions& o, std::ostream& out) {
  const RunScores& s = c.scores;
  out << "{\n  \"metric\": " << json_string(s.metric) << ",\n  \"normalized\": " << (s.normalized ? "true" : "false")
      << ",\n  \"lower_is_better\": " << (s.lower_is_better ? "true" : "false") << ",\n  \"bootstrap\": {\"method\": "
      << "\"stratified, percentile\", \"seed\": " << c.bootstrap.seed << ", \"resamples\": " << c.bootstrap.resamples
      << ", \"confidence\": " << json_number(c.bootstrap.confidence) << "},\n  \"runs\": [";
  for (std::size_t k = 0; k < o.runs.size(); ++k) out << (k ? ", " : "") << json_string(o.runs[k]);
  out << "],\n  \"environments\": [";
  for (std::size_t t = 0; t < s.tasks.size(); ++t) out << (t ? ", " : "") << json_string(s.tasks[t]);
  out << "],\n  \"algorithms\": [";
  for (std::size_t k = 0; k < s.algorithms.size(); ++k) {
    const ComparedAlgorithm& a = s.algorithms[k];
    out << (k ? "," : "") << "\n    {\"index\": " << k << ", \"label\": " << json_string(a.label)
        << ", \"run\": " << json_string(a.run) << ", \"seeds\": " << a.scores.runs << ", \"parameters\": {";
    std::size_t n = 0;
    for (const auto& [column, value] : a.parameters) out << (n++ ? ", " : "") << json_string(column) << ": " << json_string(value);
    out << "}";
    for (std::size_t m = 0; m < c.aggregate_names.size(); ++m)
      out << ", " << json_string(c.aggregate_names[m]) << ": " << json_estimate(c.algorithms[k].aggregates[m]);
    out << ", \"profile\": [";
    for (std::size_t t = 0; t < c.thresholds.size(); ++t) out << (t ? ", " : "") << json_estimate(c.algorithms[k].profile[t]);
    out << "]}";
  }
  out << "\n  ],\n  \"thresholds\": [";
  for (std::size_t t = 0; t < c.thresholds.size(); ++t) out << (t ? ", " : "") << json_number(c.thresholds[t]);
  out << "],\n  \"probability_of_improvement\": [";
  for (std::size_t k = 0; k < c.improvements.size(); ++k) {
    const Improvement& i = c.improvements[k];
    out << (k ? "," : "") << "\n    {\"x\": " << i.x << ", \"y\": " << i.y << ", \"estimate\": " << json_number(i.estimate.point)
        << ", \"ci_low\": " << json_number(i.estimate.interval.low) << ", \"ci_high\": " << json_number(i.estimate.interval.high)
        << "}";
  }
  out << (c.improvements.empty() ? "" : "\n  ") << "]\n}\n";
}

void run_compare(const CompareOptions& o) {
  const std::vector<std::string> names = {"compare.csv", "compare.json"};
  std::vector<std::string> pictures;
  for (const char* stem : {"intervals", "profile"})
    for (const char* extension : {".png", ".pdf"}) pictures.push_back(std::string(stem) + extension);
  std::string python;
  if (!o.out.empty()) {
    std::error_code error;
    if (fs::exists(o.out, error) && !fs::is_directory(o.out, error))
      throw InputError("--out " + o.out + ": not a folder");
    for (const std::string& name : names)
      if (!o.overwrite && fs::exists(fs::path(o.out) / name, error))
        throw InputError("--out " + o.out + ": holds " + name + " already; give --overwrite to replace it");
    if (fs::exists(fs::path(o.out) / "summary.json", error))
      throw InputError("--out " + o.out + ": the folder of a dynaq run; choose another folder");
    if (o.plot) {
      std::string why;
      python = find_plotting_python(&why);
      if (python.empty()) throw std::runtime_error(why);
    }
  }
  const Comparison c = compare(o);  // every input error comes before anything is written
  std::ostringstream table;
  print_table(c, table);
  // Without the padding of each line's last column.
  std::string text;
  std::istringstream lines(table.str());
  for (std::string line; std::getline(lines, line);) text += line.substr(0, line.find_last_not_of(' ') + 1) + "\n";
  if (!o.out.empty()) {
    ResultFileSet files(o.out);
    write_csv(c, files.open("compare.csv"));
    write_json(c, o, files.open("compare.json"));
    files.commit();
    if (o.plot) {
      const std::string json = (fs::path(o.out) / "compare.json").string();
      const int status = run_python_script(python, kCompareScript, {json, o.out});
      if (status != 0)
        throw std::runtime_error("the plotting script (scripts/plot_compare.py, run by " + python + ") failed" +
                                 (status > 0 ? " with exit code " + std::to_string(status) : std::string()));
    }
  }
  std::cout << text;
  if (!o.out.empty()) {
    std::cout << "\nwrote " << (fs::path(o.out) / "compare.csv").string() << " and compare.json";
    if (o.plot) std::cout << ", intervals.png, intervals.pdf, profile.png and profile.pdf";
    std::cout << "\n";
  }
}

}  // namespace

void register_compare_command(CLI::App& app) {
  auto o = std::make_shared<CompareOptions>();
  CLI::App* command = app.add_subcommand(
      "compare",
      "Compare the algorithms of finished runs as Agarwal et al. (NeurIPS 2021) and their library rliable do:\n"
      "the interquartile mean (IQM), median and mean of the scores over seeds and environments, the\n"
      "optimality gap (with --normalize optimal), each with a stratified bootstrap confidence interval; the\n"
      "probability that one algorithm beats another; and performance profiles (the fraction of runs scoring\n"
      "above each threshold). An algorithm is one setting of the parameters that vary within an environment,\n"
      "in one run; its environments are the tasks and its seeds the runs. The runs need per-agent values:\n"
      "`dynaq run ... --save-agent-metrics`. The resamples come from dynaq's counter-based generator, so the\n"
      "numbers are the same on every machine.");
  command->add_option("runs", o->runs, "Results folders of `dynaq run --save-agent-metrics` (or `dynaq merge`)")
      ->required()
      ->type_name("RUN...");
  command->add_option("--metric", o->metric,
                      "The per-agent score: a per-agent value of points.csv, such as greedy_return, greedy_steps, "
                      "final_return, final_steps, auc_steps, final_cumulative_reward (default greedy_return)");
  command->add_option("--normalize", o->normalize,
                      "none, or optimal: returns divided by the optimal return of value iteration and episode "
                      "lengths as the optimal length over them, so that 1 is optimal (for greedy_return, "
                      "final_return, greedy_steps, final_steps) (default none)")
      ->type_name("none|optimal");
  command->add_option("--resamples", o->resamples, "Bootstrap resamples (default 2000)")->type_name("N");
  command->add_option("--confidence", o->confidence, "Coverage of the intervals, in (0, 1) (default 0.95)")->type_name("C");
  command->add_option("--seed", o->seed, "Seed of the bootstrap resamples (default: the first run's --seed)")
      ->each([o](const std::string&) { o->seed_given = true; });
  command->add_option("--thresholds", o->thresholds,
                      "Thresholds of the performance profiles, evenly spaced from the lowest to the highest score "
                      "(default 21)")
      ->type_name("N");
  command->add_option("--improvement", o->improvement,
                      "Report P(X beats Y) for algorithms X and Y, numbered as the table lists them; may be repeated "
                      "(default: every pair X < Y, for up to 10 algorithms)")
      ->type_name("X,Y");
  command->add_option("--out", o->out, "Write DIR/compare.csv (tidy) and DIR/compare.json (default: print only)")
      ->type_name("DIR");
  command->add_flag("--plot", o->plot,
                    "With --out: draw the aggregate intervals (DIR/intervals.png, .pdf) and the performance "
                    "profiles (DIR/profile.png, .pdf); needs Python 3 with matplotlib (default off)");
  command->add_flag("--overwrite", o->overwrite, "Replace compare.csv and compare.json already in DIR (default off)");
  command->callback([o] { run_compare(*o); });
}

}  // namespace dynaq::cli
