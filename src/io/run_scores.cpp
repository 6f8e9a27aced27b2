// Reading the per-agent scores of finished runs for `dynaq compare` (run_scores.hpp).
#include "dynaq/run_scores.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "dynaq/errors.hpp"
#include "dynaq/format.hpp"
#include "dynaq/statistics.hpp"

namespace dynaq {

namespace {

namespace fs = std::filesystem;

// The grid's parameter columns sit between `point` and `seeds` in points.csv, and between
// `point` and `episode`/`step` in curves.csv.
struct CsvTable {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  std::size_t column(const std::string& name) const {
    for (std::size_t k = 0; k < header.size(); ++k)
      if (header[k] == name) return k;
    return header.size();
  }
};

// One CSV record as dynaq writes it: fields quoted only when they hold a comma, a quote or a
// line break.
std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t k = 0; k < line.size(); ++k) {
    const char c = line[k];
    if (quoted) {
      if (c == '"' && k + 1 < line.size() && line[k + 1] == '"') fields.back() += '"', ++k;
      else if (c == '"') quoted = false;
      else fields.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

CsvTable read_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot be read");
  CsvTable table{path, {}, {}};
  std::string line;
  if (!std::getline(in, line)) throw InputError(path + ": empty; give the folder of a finished dynaq run");
  table.header = split_csv_line(line);
  for (std::size_t number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    table.rows.push_back(split_csv_line(line));
    if (table.rows.back().size() != table.header.size())
      throw InputError(at_position(path, number, 1, "has " + std::to_string(table.rows.back().size()) +
                                                        " fields where the header has " + std::to_string(table.header.size())));
  }
  return table;
}

double csv_value(const CsvTable& table, std::size_t row, std::size_t column) {
  const std::string& text = table.rows[row][column];
  if (text.empty()) return NAN;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0')
    throw InputError(at_position(table.path, row + 2, column + 1, "'" + text + "' is not a number"));
  return value;
}

// The "seed" member of summary.json (a top-level unsigned integer).
std::uint64_t summary_seed(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t at = line.find("\"seed\":");
    if (at != std::string::npos && line.compare(0, 3, "  \"") == 0) return std::strtoull(line.c_str() + at + 7, nullptr, 10);
  }
  throw InputError(path + ": has no \"seed\"; give the folder of a finished dynaq run");
}

struct Run {
  std::string folder;
  CsvTable points;
  std::vector<std::string> parameters;  // grid columns, env first
  std::uint32_t seeds = 0;
  std::uint64_t seed = 0;
  std::vector<double> widths;           // of each episode or bucket
};

Run read_run(const std::string& folder) {
  std::error_code error;
  const std::string summary = (fs::path(folder) / "summary.json").string();
  if (!fs::is_directory(folder, error)) throw InputError(folder + ": no such folder; give the folder of a finished dynaq run");
  if (!fs::is_regular_file(summary, error) || !fs::is_regular_file(fs::path(folder) / "points.csv", error))
    throw InputError(folder + ": holds no finished run (summary.json or points.csv is missing)");
  Run run;
  run.folder = folder;
  run.seed = summary_seed(summary);
  run.points = read_csv((fs::path(folder) / "points.csv").string());
  const std::size_t seeds_column = run.points.column("seeds");
  if (run.points.header.empty() || run.points.header[0] != "point" || seeds_column >= run.points.header.size() ||
      run.points.column("env") != 1 || run.points.rows.empty())
    throw InputError(run.points.path + ": not a points.csv written by dynaq run");
  run.parameters.assign(run.points.header.begin() + 1, run.points.header.begin() + static_cast<long>(seeds_column));
  run.seeds = static_cast<std::uint32_t>(csv_value(run.points, 0, seeds_column));
  // Episode or bucket widths, for areas under curves: 1 per episode, or the real steps between
  // consecutive bucket ends (curves.csv's `step` column).
  const CsvTable curves = read_csv((fs::path(folder) / "curves.csv").string());
  const std::size_t step = curves.column("step"), episode = curves.column("episode");
  double previous = 0.0;
  for (std::size_t r = 0; r < curves.rows.size() && curves.rows[r][0] == curves.rows[0][0]; ++r) {
    if (step < curves.header.size()) {
      const double end = csv_value(curves, r, step);
      run.widths.push_back(end - previous);
      previous = end;
    } else if (episode < curves.header.size()) {
      run.widths.push_back(1.0);
    }
  }
  return run;
}

// The metric's per-agent values, agents in grid-point-then-seed order.
std::vector<double> agent_values(const Run& run, const std::string& metric) {
  const bool final_value = metric.rfind("final_", 0) == 0, area = metric.rfind("auc_", 0) == 0;
  const std::string array = final_value ? metric.substr(6) : area ? metric.substr(4) : metric;
  const std::string path = (fs::path(run.folder) / ("agent_" + array + ".npy")).string();
  std::error_code error;
  if (!fs::is_regular_file(path, error))
    throw InputError(run.folder + ": has no agent_" + array + ".npy, which " + metric +
                     " needs; run it with --save-agent-metrics");
  std::vector<std::uint64_t> shape;
  std::vector<double> values = read_npy_float64(path, shape);
  const std::uint64_t agents = std::uint64_t{run.seeds} * run.points.rows.size();
  const std::uint64_t length = (final_value || area) ? run.widths.size() : 1;
  const bool shape_ok = (final_value || area) ? (shape.size() == 2 && shape[0] == agents && shape[1] == length)
                                              : (shape.size() == 1 && shape[0] == agents);
  if (!shape_ok) throw InputError(path + ": its shape does not match the run's points.csv and curves.csv");
  if (!final_value && !area) return values;
  std::vector<double> scores(agents);
  for (std::uint64_t a = 0; a < agents; ++a) {
    if (final_value) {
      scores[a] = values[a * length + length - 1];
      continue;
    }
    double sum = 0.0;  // in time order, as points.csv's auc_ columns
    for (std::uint64_t k = 0; k < length; ++k) sum += values[a * length + k] * run.widths[k];
    scores[a] = sum;
  }
  return scores;
}

bool same_value(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

std::string folder_name(const std::string& folder) {
  fs::path p(folder);
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

const std::map<std::string, std::string> kShortNames = {
    {"planning_steps", "n"}, {"max_episode_steps", "step limit"}, {"planning_draw", "draw"},
    {"q_init", "Q0"},        {"model_capacity", "capacity"}};

}  // namespace

bool lower_is_better(const std::string& metric) {
  for (const char* part : {"steps", "model_error", "planning_updates"})
    if (metric.find(part) != std::string::npos) return true;
  return false;
}

std::vector<double> read_npy_float64(const std::string& path, std::vector<std::uint64_t>& shape) {
  std::ifstream in(path, std::ios::binary);
  char preamble[10];
  if (!in.read(preamble, sizeof preamble) || std::memcmp(preamble, "\x93NUMPY\x01\x00", 8) != 0)
    throw InputError(path + ": not a NumPy .npy file (version 1.0)");
  const std::size_t header_length = static_cast<unsigned char>(preamble[8]) | (static_cast<unsigned char>(preamble[9]) << 8);
  std::string header(header_length, '\0');
  if (!in.read(&header[0], static_cast<std::streamsize>(header_length)))
    throw InputError(path + ": its .npy header is cut short");
  const std::size_t open = header.find("'shape': (");
  if (header.find("'descr': '<f8'") == std::string::npos || header.find("'fortran_order': False") == std::string::npos ||
      open == std::string::npos)
    throw InputError(path + ": not a C-ordered float64 .npy array");
  shape.clear();
  std::uint64_t count = 1;
  for (const char* p = header.c_str() + open + 10; *p != ')';) {
    char* end = nullptr;
    const std::uint64_t extent = std::strtoull(p, &end, 10);
    if (end == p) throw InputError(path + ": its .npy shape cannot be read");
    shape.push_back(extent);
    count *= extent;
    p = end;
    while (*p == ',' || *p == ' ') ++p;
  }
  std::vector<double> values(count);
  if (!in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(count * sizeof(double))))
    throw InputError(path + ": cut short (" + std::to_string(count) + " values expected)");
  return values;
}

namespace {

// Refuses runs that cannot be compared on `metric`.
void check_comparable(const std::vector<Run>& runs, const std::string& metric) {
  for (const Run& run : runs) {
    if (run.points.column("mean_" + metric) >= run.points.header.size()) {
      std::string available;
      for (const std::string& column : run.points.header)
        if (column.rfind("mean_", 0) == 0) available += (available.empty() ? "" : ", ") + column.substr(5);
      throw InputError("--metric " + metric + ": " + run.points.path + " has no such per-agent value (it has " +
                       available + ")");
    }
    if (run.parameters != runs.front().parameters)
      throw InputError(run.folder + ": its grid columns differ from those of " + runs.front().folder +
                       " (written by another version of dynaq?)");
    if (run.seeds < 2)
      throw InputError(run.folder + ": has " + std::to_string(run.seeds) +
                       " seed per point; a bootstrap needs at least 2 (run it with --seeds N)");
  }
}

// The parameters that vary within some environment, over all runs, tell algorithms apart; the
// environments are the tasks, in the first run's order.
void find_varying_columns_and_tasks(const std::vector<Run>& runs, RunScores& out) {
  std::map<std::string, std::map<std::string, std::set<std::string>>> values;  // column -> env -> values
  for (const Run& run : runs)
    for (const auto& row : run.points.rows)
      for (std::size_t c = 1; c < run.parameters.size(); ++c) values[run.parameters[c]][row[1]].insert(row[c + 1]);
  for (std::size_t c = 1; c < runs.front().parameters.size(); ++c) {
    const std::string& column = runs.front().parameters[c];
    for (const auto& [env, seen] : values[column])
      if (seen.size() > 1) {
        out.varying.push_back(column);
        break;
      }
  }
  for (const auto& row : runs.front().points.rows)
    if (std::find(out.tasks.begin(), out.tasks.end(), row[1]) == out.tasks.end()) out.tasks.push_back(row[1]);
}

// Adds the algorithms of one run (its points grouped by the varying parameters) with their
// scores, normalised by `norm_column` when asked.
void add_run_scores(const Run& run, const std::vector<Run>& runs, const ScoreRequest& request,
                    const std::string& norm_column, RunScores& out) {
  const std::vector<double> scores = agent_values(run, request.metric);
  const std::size_t mean_column = run.points.column("mean_" + request.metric);
  const std::size_t optimum_column = run.points.column(norm_column);
  std::map<std::vector<std::string>, std::size_t> index_of;  // varying values -> algorithm
  std::vector<std::set<std::string>> tasks_seen;
  const std::size_t first_algorithm = out.algorithms.size();
  for (std::size_t p = 0; p < run.points.rows.size(); ++p) {
    const auto& row = run.points.rows[p];
    // The mean of the scores must be points.csv's, bit for bit (the same sum in seed order).
    const double mean = mean_and_stderr(scores.data() + p * run.seeds, run.seeds).mean;
    if (!same_value(mean, csv_value(run.points, p, mean_column)))
      throw InputError(run.folder + ": the agent arrays do not match points.csv (point " + row[0] + ", mean_" +
                       request.metric + "); are they from another run?");
    std::vector<std::string> key;
    for (const std::string& column : out.varying) key.push_back(row[run.points.column(column)]);
    auto [it, fresh] = index_of.emplace(key, out.algorithms.size());
    if (fresh) {
      ComparedAlgorithm a;
      a.run = run.folder;
      a.first_point = static_cast<std::uint32_t>(p);
      for (std::size_t k = 0; k < key.size(); ++k) a.parameters[out.varying[k]] = key[k];
      for (std::size_t k = 0; k < key.size(); ++k)
        a.label += (k ? ", " : "") + (kShortNames.count(out.varying[k]) ? kShortNames.at(out.varying[k]) : out.varying[k]) +
                   " = " + key[k];
      if (runs.size() > 1) a.label = folder_name(run.folder) + (a.label.empty() ? "" : ": " + a.label);
      if (a.label.empty()) a.label = "all points";
      a.scores = ScoreMatrix{run.seeds, static_cast<std::uint32_t>(out.tasks.size()),
                             std::vector<double>(std::size_t{run.seeds} * out.tasks.size(), NAN)};
      out.algorithms.push_back(a);
      tasks_seen.emplace_back();
    }
    ComparedAlgorithm& a = out.algorithms[it->second];
    const auto task = std::find(out.tasks.begin(), out.tasks.end(), row[1]);
    if (task == out.tasks.end() || !tasks_seen[it->second - first_algorithm].insert(row[1]).second)
      throw InputError(run.folder + ": its environments (" + row[1] + ") differ from those of " + runs.front().folder +
                       "; compare runs over the same environments");
    double optimum = 1.0;
    if (out.normalized) {
      optimum = csv_value(run.points, p, optimum_column);
      if (!std::isfinite(optimum) || optimum <= 0.0)
        throw InputError("--normalize optimal: point " + row[0] + " of " + run.folder + " (" + row[1] + ") has " +
                         norm_column + " " + format_double(optimum) + ", which cannot normalise");
    }
    const std::size_t t = static_cast<std::size_t>(task - out.tasks.begin());
    for (std::uint32_t s = 0; s < run.seeds; ++s) {
      const double v = scores[p * run.seeds + s];
      const double normalized = !out.normalized ? v : norm_column == "optimal_steps" ? optimum / v : v / optimum;
      a.scores.values[std::size_t{s} * out.tasks.size() + t] = normalized;
    }
  }
  for (std::size_t k = 0; k < tasks_seen.size(); ++k)
    if (tasks_seen[k].size() != out.tasks.size())
      throw InputError(run.folder + ": " + out.algorithms[first_algorithm + k].label +
                       " lacks some of the environments of " + runs.front().folder +
                       "; compare runs over the same environments");
}

}  // namespace

RunScores read_run_scores(const ScoreRequest& request) {
  if (request.runs.empty()) throw InputError("compare: give at least one results folder");
  std::vector<Run> runs;
  for (const std::string& folder : request.runs) runs.push_back(read_run(folder));

  RunScores out;
  out.metric = request.metric;
  out.normalized = request.normalization == Normalization::kOptimal;
  out.lower_is_better = !out.normalized && lower_is_better(request.metric);
  out.seed = runs.front().seed;
  check_comparable(runs, request.metric);
  const std::string norm_column = lower_is_better(request.metric) ? "optimal_steps" : "optimal_return";
  if (out.normalized && request.metric != "greedy_return" && request.metric != "final_return" &&
      request.metric != "greedy_steps" && request.metric != "final_steps")
    throw InputError("--normalize optimal: " + request.metric +
                     " has no optimal value; it applies to greedy_return, final_return, greedy_steps and final_steps");

  find_varying_columns_and_tasks(runs, out);
  for (const Run& run : runs) add_run_scores(run, runs, request, norm_column, out);
  return out;
}

}  // namespace dynaq
