// The result files of a sweep (results.hpp): one writer per file, each fed the grid points in
// order, and write_sweep_results, which reads every chunk once and feeds them all.
#include <cmath>
#include <map>
#include <ostream>
#include <sstream>

#include "dynaq/format.hpp"
#include "dynaq/json_writer.hpp"
#include "dynaq/npy.hpp"
#include "dynaq/result_files.hpp"
#include "dynaq/sweep/analysis.hpp"
#include "dynaq/sweep/applicability.hpp"
#include "dynaq/sweep/results.hpp"
#include "dynaq/sweep/time_axis.hpp"

namespace dynaq {

namespace {

using Layout = JsonWriter::Layout;

const char* const kStatNames[] = {"mean", "stderr", "ci95_low", "ci95_high", "median", "q1", "q3"};
constexpr std::size_t kStats = sizeof kStatNames / sizeof kStatNames[0];
double stat_value(const SampleSummary& s, std::size_t k) {
  const double values[] = {s.mean, s.stderr_, s.ci95_low, s.ci95_high, s.median, s.q1, s.q3};
  return values[k];
}

// The point's number and every axis: the columns both CSV files start with.
std::string parameter_header() {
  std::string header = "point";
  for (const GridAxis& axis : grid_axes()) header += std::string(",") + axis.column;
  return header;
}
std::string parameter_fields(const Sweep& sweep, std::uint32_t point) {
  std::string fields = std::to_string(point);
  for (std::size_t a = 0; a < grid_axes().size(); ++a) fields += "," + csv_field(shown_field(sweep, point, a));
  return fields;
}

// curves.csv: a row per point and time. Mean and standard error of every metric first (the
// columns dynaq has always written, in their order), then the interval and quantiles of every
// metric.
class CurvesWriter {
 public:
  CurvesWriter(std::ostream& out, const Sweep& sweep) : out_(out), sweep_(sweep) {}

  void add(std::uint32_t point, const PointStatistics& stats) {
    if (columns_.empty()) write_header(stats);
    const std::string params = parameter_fields(sweep_, point);
    for (std::uint64_t k = 0; k < time_length(sweep_.budget); ++k) {
      out_ << params << "," << time_label(sweep_.budget, k);
      for (const Column& c : columns_) out_ << "," << csv_number(stat_value(stats.curves[c.metric][k], c.stat));
      out_ << "," << sweep_.spec.seeds << "\n";
    }
  }

 private:
  struct Column {
    std::size_t metric;
    std::size_t stat;
  };
  void write_header(const PointStatistics& stats) {
    for (std::size_t m = 0; m < stats.curves.size(); ++m)
      for (std::size_t stat = 0; stat < 2; ++stat) columns_.push_back({m, stat});
    for (std::size_t m = 0; m < stats.curves.size(); ++m)
      for (std::size_t stat = 2; stat < kStats; ++stat) columns_.push_back({m, stat});
    out_ << parameter_header() << "," << time_column(sweep_.budget);
    for (const Column& c : columns_) out_ << "," << kStatNames[c.stat] << "_" << stats.curve_metrics[c.metric].name;
    out_ << ",seeds\n";
  }

  std::ostream& out_;
  const Sweep& sweep_;
  std::vector<Column> columns_;
};

// points.csv: a row per point, every statistic of every scalar, and the point's optimum.
class PointsWriter {
 public:
  PointsWriter(std::ostream& out, const Sweep& sweep) : out_(out), sweep_(sweep) {}

  void add(std::uint32_t point, const PointStatistics& stats) {
    const bool episodes = sweep_.budget.kind == BudgetKind::kEpisodes;
    if (point == 0) {
      out_ << parameter_header() << ",seeds";
      for (const std::string& name : stats.scalar_names)
        for (const char* stat : kStatNames) out_ << "," << stat << "_" << name;
      out_ << ",optimal_return,optimal_steps,greedy_return_gap";
      if (episodes) out_ << ",near_optimal_threshold,episodes_to_near_optimal";
      out_ << "\n";
    }
    out_ << parameter_fields(sweep_, point) << "," << sweep_.spec.seeds;
    for (const SampleSummary& s : stats.scalars)
      for (std::size_t k = 0; k < kStats; ++k) out_ << "," << csv_number(stat_value(s, k));
    out_ << "," << csv_number(stats.optimal_return) << "," << csv_number(stats.optimal_steps) << ","
         << csv_number(stats.greedy_return_gap);
    if (episodes)
      out_ << "," << csv_number(stats.near_optimal_threshold) << ","
           << (stats.episodes_to_near_optimal ? std::to_string(*stats.episodes_to_near_optimal) : std::string());
    out_ << "\n";
  }

 private:
  std::ostream& out_;
  const Sweep& sweep_;
};

// summary.json: what was run, on what, the work done, a short record per point, the files and
// how the run was executed. The points come before the work totals are known, so their part
// is kept until write().
class SummaryWriter {
 public:
  explicit SummaryWriter(const Sweep& sweep) : sweep_(sweep), grid_(grid_text_, 1) {
    grid_.begin_array(Layout::kBlock);
  }

  void add(std::uint32_t point, const PointStatistics& stats, const SweepAnalysis::AgentArrays& arrays) {
    for (double v : arrays.at("real_steps")) real_steps_ += static_cast<std::uint64_t>(v);
    for (double v : arrays.at("planning_updates")) planning_updates_ += static_cast<std::uint64_t>(v);
    const GridPoint& p = sweep_.points[point];
    grid_.begin_object().member("point", point);
    for (const GridAxis& axis : grid_axes()) {
      grid_.key(axis.column);
      const std::string field = axis.field(p.settings, sweep_.environments[p.environment]);
      if (!axis_applies(axis, p.settings)) grid_.null();
      else if (axis.is_text) grid_.value(field);
      else grid_.raw(field);
    }
    grid_.member("seeds", sweep_.spec.seeds);
    for (std::size_t k = 0; k < stats.curves.size(); ++k) {
      const SampleSummary& last = stats.curves[k].back();
      grid_.member(std::string("final_mean_") + stats.curve_metrics[k].name, last.mean);
      grid_.member(std::string("final_stderr_") + stats.curve_metrics[k].name, last.stderr_);
    }
    for (std::size_t k = 0; k < stats.scalars.size(); ++k)
      if (stats.scalar_names[k].rfind("final_", 0) != 0) grid_.member("mean_" + stats.scalar_names[k], stats.scalars[k].mean);
    grid_.member("optimal_return", stats.optimal_return).member("optimal_steps", stats.optimal_steps);
    grid_.member("greedy_return_gap", stats.greedy_return_gap);
    if (sweep_.budget.kind == BudgetKind::kEpisodes) {
      grid_.member("near_optimal_threshold", stats.near_optimal_threshold).key("episodes_to_near_optimal");
      if (stats.episodes_to_near_optimal) grid_.value(*stats.episodes_to_near_optimal);
      else grid_.null();
    }
    grid_.end_object();
  }

  void write(std::ostream& out, const std::vector<std::string>& files, const ExecutionInfo& execution,
             double compute_seconds) {
    grid_.end_array();
    JsonWriter json(out);
    json.begin_object(Layout::kBlock).member("dynaq_version", DYNAQ_VERSION).member("config", "config.toml");
    json.member("seed", sweep_.spec.seed).member("seeds_per_point", sweep_.spec.seeds);
    json.member("agents", sweep_.n_agents()).member("points", sweep_.points.size());
    json.member("chunks", sweep_.chunks.size()).member("chunk_agents", sweep_.chunk_agents);
    const RunBudget& b = sweep_.budget;
    json.key("budget").begin_object();
    if (b.kind == BudgetKind::kEpisodes) json.member("episodes", b.episodes);
    else json.member("steps", b.steps).member("bucket_steps", b.bucket_steps);
    json.end_object();
    json.key("statistics").begin_object().member("stderr", "sample standard deviation (n - 1) / sqrt(n)");
    json.member("ci95", "mean -/+ t(0.975, n - 1) * stderr, Student's t");
    json.member("quantiles", "linear interpolation between order statistics (type 7, NumPy's default)").end_object();
    json.key("work").begin_object().member("real_steps", real_steps_).member("planning_updates", planning_updates_);
    json.end_object();
    write_environments(json);
    json.key("grid").raw(grid_text_.str());
    json.member_array("files", files);
    // The last two members differ between runs of one configuration: how, where and how fast.
    write_execution(json, execution);
    const double compute = std::max(compute_seconds, 1e-9);
    json.key("timings").begin_object().member("wall_seconds", execution.wall_seconds);
    json.member("compute_seconds", compute_seconds).member("real_steps_per_second", real_steps_ / compute);
    json.member("planning_updates_per_second", planning_updates_ / compute).end_object();
    json.end_object();
    out << "\n";
  }

 private:
  void write_environments(JsonWriter& json) const {
    json.key("environments").begin_array(Layout::kBlock);
    for (std::size_t e = 0; e < sweep_.environments.size(); ++e) {
      const Environment& env = sweep_.environments[e];
      json.begin_object().member("name", env.name).member("fingerprint", sweep_.environment_fingerprints[e]);
      json.member("n_states", env.n_states()).member("n_actions", env.n_actions());
      json.member("max_outcomes_per_pair", env.first().max_outcomes_per_pair());
      json.key("phase_start_steps").begin_array();
      for (const EnvironmentPhase& phase : env.phases) json.value(phase.start_step);
      json.end_array().end_object();
    }
    json.end_array();
  }

  static void write_execution(JsonWriter& json, const ExecutionInfo& execution) {
    json.key("execution").begin_object().member("command", execution.command).member("engine", execution.engine);
    json.member("device", execution.device).member("statistics", execution.statistics_backend);
    if (execution.chunks_resumed) json.member("chunks_resumed", *execution.chunks_resumed);
    if (execution.chunks_run) json.member("chunks_run", *execution.chunks_run);
    if (!execution.mpi_ranks.empty()) {
      json.key("mpi").begin_object().member("ranks", execution.mpi_ranks.size()).key("bindings").begin_array();
      for (const RankExecution& rank : execution.mpi_ranks) {
        json.begin_object().member("rank", rank.rank).member("host", rank.host).member("local_rank", rank.local_rank);
        json.key("gpu");
        if (rank.gpu.empty()) json.null();
        else json.value(rank.gpu);
        json.member("chunks_run", rank.chunks_run).end_object();
      }
      json.end_array().end_object();
    }
    if (!execution.merged_shards.empty()) json.member_array("shards", execution.merged_shards);
    json.end_object();
  }

  const Sweep& sweep_;
  std::ostringstream grid_text_;
  JsonWriter grid_;
  std::uint64_t real_steps_ = 0, planning_updates_ = 0;
};

// agent_<metric>.npy (--save-agent-metrics): every agent's values, gathered point by point.
class AgentArraysWriter {
 public:
  explicit AgentArraysWriter(const Sweep& sweep) : sweep_(sweep), metrics_(agent_metrics(sweep.budget.kind)) {}

  void add(const SweepAnalysis::AgentArrays& arrays) {
    for (const AgentMetric& m : metrics_) {
      std::vector<double>& all = gathered_[m.name];
      const std::vector<double>& part = arrays.at(m.name);
      all.insert(all.end(), part.begin(), part.end());
    }
  }
  void write(ResultFileSet& out, std::vector<std::string>& files) {
    for (const AgentMetric& m : metrics_) {
      const std::string name = std::string("agent_") + m.name + ".npy";
      const std::vector<double>& values = gathered_[m.name];
      if (m.curve) write_npy(out.open(name), values.data(), {sweep_.n_agents(), time_length(sweep_.budget)});
      else write_npy(out.open(name), values.data(), {sweep_.n_agents()});
      files.push_back(name);
    }
  }

 private:
  const Sweep& sweep_;
  std::vector<AgentMetric> metrics_;
  std::map<std::string, std::vector<double>> gathered_;
};

}  // namespace

WrittenResults write_sweep_results(const Sweep& sweep, const ChunkFiles& files, const std::string& directory,
                                   const ExecutionInfo& execution, const std::string& config_toml) {
  SweepAnalysis analysis(sweep, files, execution.summarize_columns);
  ResultFileSet out(directory);
  WrittenResults result;
  result.files = {"curves.csv", "points.csv", "summary.json", "config.toml"};
  CurvesWriter curves(out.open("curves.csv"), sweep);
  PointsWriter points(out.open("points.csv"), sweep);
  SummaryWriter summary(sweep);
  AgentArraysWriter agent_arrays(sweep);

  // One pass over the points, reading each chunk once.
  for (std::uint32_t p = 0; p < sweep.points.size(); ++p) {
    const SweepAnalysis::AgentArrays arrays = analysis.point_arrays(p);
    const PointStatistics stats = analysis.statistics(p, arrays);
    curves.add(p, stats);
    points.add(p, stats);
    summary.add(p, stats, arrays);
    if (sweep.spec.save_agent_metrics) agent_arrays.add(arrays);
    result.first_curve.emplace_back();
    for (const SampleSummary& s : stats.curves.front()) result.first_curve.back().push_back(s.mean);
  }

  if (sweep.spec.save_tables) {
    const Environment& env = sweep.environments.front();
    const std::vector<float> q = analysis.q_tables(0, sweep.n_agents());
    write_npy(out.open("q.npy"), q.data(), {sweep.n_agents(), env.n_states(), env.n_actions()});
    result.files.push_back("q.npy");
  }
  if (sweep.spec.save_agent_metrics) agent_arrays.write(out, result.files);
  // The summary is sealed on commit with every file's size and SHA-256 (result_files.hpp), so
  // that verify_results can tell complete results from a folder cut short.
  summary.write(out.open_summary("summary.json"), result.files, execution, analysis.chunk_seconds());
  out.open("config.toml") << config_toml;
  out.commit();
  return result;
}

}  // namespace dynaq
