// A sweep: a grid of hyper-parameters over environments, N seeds per grid point, run in
// chunks by one engine, and summarised into result files whose bytes do not depend on the
// engine, the thread count, the batch size, interruptions, resumption or sharding.
//
// Grid order (and so agent order, point numbers and file row order): environment outermost,
// then the other axes in the order of grid_axes(), each in the order its values were given.
// Agent global index = point * seeds + seed; it keys the agent's random stream.
//
// Chunks are the unit of work, storage, resumption and sharding. Within one environment, a
// chunk is either a run of up to chunk_agents seeds of one grid point (when a point has at
// least chunk_agents seeds) or floor(chunk_agents / seeds) whole consecutive points. Each
// finished chunk is written to the chunk folder (agent_metrics_store.hpp); the result files
// are computed from the chunk files alone, so a run, a resumed run and a merge of shards read
// the same inputs in the same order.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dynaq/agent_metrics_store.hpp"
#include "dynaq/agent_params.hpp"
#include "dynaq/engine.hpp"
#include "dynaq/environment.hpp"
#include "dynaq/statistics.hpp"

namespace dynaq {

// ---- The grid ------------------------------------------------------------------------------

// One grid point's hyper-parameters, in the units the user wrote them.
struct PointSettings {
  std::string env = "dyna-maze";
  double alpha = 0.1;
  double gamma = 0.95;
  double epsilon = 0.1;
  std::uint32_t planning_steps = 5;
  double q_init = 0.0;
  PlanningDraw planning_draw = PlanningDraw::kPairs;
  std::optional<std::uint32_t> max_episode_steps;  // nullopt: the environment's own; 0: none
  Algorithm algorithm = Algorithm::kDynaQ;
  double kappa = 0.001;
  double theta = 0.0001;
  ModelKind model = ModelKind::kLast;
  BackupKind backup = BackupKind::kSample;
  std::uint32_t model_capacity = 8;
};

// One axis of the grid: everything the command line, config files and result files need to
// know about it. Adding a hyper-parameter is adding one entry to grid_axes().
struct GridAxis {
  const char* key;            // option (--key), config key and summary.json key: "planning-steps"
  const char* short_flag;     // "-n", or nullptr
  const char* column;         // CSV column: "planning_steps"
  const char* default_value;  // as a user would write it
  const char* help;           // for --help; names the accepted values
  // Parses one value as written (trimmed), checks it and stores it in `settings`. Throws
  // InputError naming the option, e.g. "--alpha 0 is outside (0, 1]".
  void (*parse)(const std::string& text, PointSettings& settings);
  // The value in `settings` as a TOML literal, e.g. "0.1" or "\"pairs\"".
  std::string (*toml)(const PointSettings& settings);
  // The value as result files show it (the step limit resolved against `env`).
  std::string (*field)(const PointSettings& settings, const Environment& env);
  bool is_text;  // field is text (a JSON string) rather than a number
};

// Every axis, environment first.
const std::vector<GridAxis>& grid_axes();
// Index of the axis with this key; throws std::out_of_range for an unknown key.
std::size_t grid_axis_index(const std::string& key);

// ---- What the user asked for ---------------------------------------------------------------

struct SweepSpec {
  // The values of each axis as written, in grid_axes() order; every axis starts at its default.
  std::vector<std::vector<std::string>> axis_values;
  std::uint32_t seeds = 10;
  std::uint64_t seed = 0;
  BudgetKind budget_kind = BudgetKind::kEpisodes;
  std::uint32_t episodes = 50;
  std::uint64_t steps = 0;
  std::uint64_t bucket_steps = 0;  // 0: steps / 100, at least 1
  bool save_tables = false;
  bool save_agent_metrics = false;
  // The mean episode length at or below which a point counts as near-optimal; nullopt: 1.2
  // times the expected episode length of the epsilon-greedy policy on Q* (see points.csv).
  std::optional<double> near_optimal_steps;
  std::uint32_t chunk_agents = 0;  // 0: chosen from the environments' sizes

  SweepSpec();
  void set(const std::string& key, std::vector<std::string> values);
  const std::vector<std::string>& values(const std::string& key) const;
};

struct GridPoint {
  std::uint32_t environment;  // index into Sweep::environments
  PointSettings settings;
  std::uint32_t max_episode_steps;  // resolved; 0: none

  AgentParams agent_params() const;
};

struct Chunk {
  std::uint32_t index;
  std::uint32_t environment;
  std::uint32_t first_point;
  std::uint32_t n_points;
  std::uint32_t first_seed;
  std::uint32_t n_seeds;  // seeds of each of its points
};

struct Sweep {
  SweepSpec spec;
  std::vector<Environment> environments;
  std::vector<std::string> environment_fingerprints;  // [environment] environment_fingerprint()
  std::vector<GridPoint> points;
  std::vector<std::vector<std::string>> axis_literals;  // [axis] TOML literal of each value
  RunBudget budget{};
  std::uint32_t chunk_agents = 0;  // resolved
  std::vector<Chunk> chunks;

  std::uint64_t n_agents() const { return std::uint64_t{spec.seeds} * points.size(); }
  std::uint64_t first_agent(const Chunk& chunk) const {
    return std::uint64_t{chunk.first_point} * spec.seeds + chunk.first_seed;
  }
  std::uint32_t n_agents(const Chunk& chunk) const { return chunk.n_points * chunk.n_seeds; }
  // The chunk's agents as one engine group (keep_tables set: the greedy policies need Q).
  AgentGroup group_for(const Chunk& chunk) const;
  // The chunks holding global agents [first, first + count), in order.
  std::vector<std::uint32_t> chunks_holding(std::uint64_t first, std::uint64_t count) const;
  // The shard (of `shard_count`) that runs `chunk`. Shards take runs of consecutive chunks in
  // turn: run j, chunks [jS, (j+1)S), goes to shard j mod shard_count, S being the chunks of
  // 65,536 agents but at most chunks / (4 shard_count), and at least 1. Runs are long enough for
  // a GPU to take together (run_sweep), and a shard has several of them, which spreads
  // environments of unequal cost over the shards.
  std::uint32_t shard_of(std::uint32_t chunk, std::uint32_t shard_count) const;
};

// Loads the environments, builds the grid and the chunks, and checks everything that can be
// checked before running: value ranges, that episodes can end, memory. Throws InputError
// naming the option.
Sweep plan_sweep(const SweepSpec& spec);

// ---- Per-agent metrics -----------------------------------------------------------------------

// A per-agent metric kept in chunk files: a learning curve (one value per episode or time
// bucket) or one value per agent. Adding a metric is adding one entry to agent_metrics().
struct AgentMetric {
  const char* name;   // chunk array, CSV column stem, agent_<name>.npy
  bool curve;         // one value per episode (or bucket), else one per agent
  BudgetKind budget;  // the budget that records it (curves); scalars are always recorded
  // Copies every agent's values from what an engine returned (agent-major, as double), or
  // nullptr for the values the sweep computes from the final Q-tables (greedy_*).
  void (*extract)(const GroupResults& results, std::vector<double>& out);
};
// The metrics a sweep with this budget records, curves first.
std::vector<AgentMetric> agent_metrics(BudgetKind budget);

// ---- Running -------------------------------------------------------------------------------

struct SweepRunControl {
  std::string chunk_folder;
  ChunkIdentity identity;
  std::uint32_t shard_index = 0;  // run the chunks c with Sweep::shard_of(c, shard_count) == shard_index
  std::uint32_t shard_count = 1;
  int threads = 0;  // for the greedy policies' evaluation; 0: all cores
  // Called with (agents done, agents this run will do) now and then, from the calling thread.
  std::function<void(std::uint64_t, std::uint64_t)> progress;
  // Called after each chunk file is in place, with the number written so far by this run.
  std::function<void(std::uint64_t)> chunk_stored;
};

struct SweepRunReport {
  std::uint64_t chunks_run = 0;      // computed by this call
  std::uint64_t chunks_present = 0;  // of this shard, already on disk before
  std::uint64_t agents_run = 0;
  double seconds = 0.0;
};

// The chunks already in `folder` that belong to this sweep (their indices), not counting files
// still being written. Throws InputError when a chunk file there was written by
// another dynaq version or for another configuration, or is damaged.
std::vector<std::uint32_t> chunks_in_folder(const Sweep& sweep, const std::string& folder,
                                            const ChunkIdentity& identity);

// Runs every chunk of the shard that is not yet in the chunk folder, writing each as it
// finishes. Consecutive chunks that form one block of agents (one point's seeds, or whole points
// of one environment) go to the engine together, up to Engine::preferred_group_agents() agents
// and 1 GiB of final tables; each chunk file has the same bits either way.
SweepRunReport run_sweep(const Sweep& sweep, Engine& engine, const SweepRunControl& control);

// ---- Results -------------------------------------------------------------------------------

// Where each chunk's file is (one path per chunk, in chunk order).
struct ChunkFiles {
  std::vector<std::string> paths;
};
// Finds every chunk of the sweep in `folders` (the first folder holding a chunk wins) and
// checks it belongs to this run. Throws InputError listing missing chunks (by shard, when
// shard_count > 1) and foreign or damaged files.
ChunkFiles collect_chunk_files(const Sweep& sweep, const std::vector<std::string>& folders,
                               const ChunkIdentity& identity, std::uint32_t shard_count = 1);

// The statistics of one grid point, over its seeds.
struct PointStatistics {
  std::vector<AgentMetric> curve_metrics;
  std::vector<std::vector<SampleSummary>> curves;  // [curve metric][episode or bucket]
  std::vector<std::string> scalar_names;           // final_*, auc_*, and per-agent scalars
  std::vector<SampleSummary> scalars;
  double optimal_return;        // of the optimal greedy policy (value iteration), exact
  double optimal_steps;         // its expected episode length
  double greedy_return_gap;     // optimal_return - mean greedy return
  double near_optimal_threshold;                      // episode budgets; NaN otherwise
  std::optional<std::uint32_t> episodes_to_near_optimal;  // 1-based; none when never
};

// Reads chunk files point by point and computes statistics; exact solutions (value iteration)
// are computed once per environment and gamma.
class SweepAnalysis {
 public:
  // Curves are summarised by `summarize` (the host's summarize_columns, or the GPU's, with the
  // same bits).
  SweepAnalysis(const Sweep& sweep, const ChunkFiles& files, ColumnSummarizer summarize = summarize_columns);
  using AgentArrays = std::map<std::string, std::vector<double>>;
  // Per-agent arrays of global agents [first, first + count): metric name -> values,
  // agent-major, read from the chunk files.
  AgentArrays agent_arrays(std::uint64_t first, std::uint64_t count);
  AgentArrays point_arrays(std::uint32_t point) {
    return agent_arrays(std::uint64_t{point} * sweep_.spec.seeds, sweep_.spec.seeds);
  }
  std::vector<float> q_tables(std::uint64_t first, std::uint64_t count);
  // The statistics of a point from its arrays (point_arrays).
  PointStatistics statistics(std::uint32_t point, const AgentArrays& arrays);
  PointStatistics point(std::uint32_t point) { return statistics(point, point_arrays(point)); }
  // Compute time recorded in the chunk files.
  double chunk_seconds() const { return chunk_seconds_; }

 private:
  struct Optimal {
    double value_return;
    double value_steps;
    double threshold;
  };
  const ChunkRecord& load(std::uint32_t chunk);
  Optimal optimal_for(const GridPoint& point);

  const Sweep& sweep_;
  ChunkFiles files_;
  ColumnSummarizer summarize_;
  std::uint32_t loaded_chunk_ = ~0u;
  ChunkRecord loaded_;
  double chunk_seconds_ = 0.0;
  std::map<std::string, Optimal> optimal_cache_;
};

// How this run was executed: summary.json's "execution" object, and what computes the
// statistics over seeds.
struct ExecutionInfo {
  std::string command;
  std::string engine;
  std::string device;
  double wall_seconds = 0.0;
  std::string extra_json;  // more members of "execution" ("\"mpi\": {...}"), or empty
  // What computed the statistics over seeds ("cpu" or "cuda"), and how.
  std::string statistics_backend = "cpu";
  ColumnSummarizer summarize_columns = dynaq::summarize_columns;
};

struct WrittenResults {
  std::vector<std::string> files;                // names, in the folder
  std::vector<std::vector<double>> first_curve;  // [point][time] mean of the first curve metric
};

// Writes curves.csv, points.csv, summary.json, config.toml and on request q.npy and
// agent_*.npy into `directory`, all renamed into place together, reading every chunk once.
WrittenResults write_sweep_results(const Sweep& sweep, const ChunkFiles& files, const std::string& directory,
                                   const ExecutionInfo& execution, const std::string& config_toml);

// A short table for people: mean episode length (or cumulative reward) at a few points in
// time.
std::string results_table(const Sweep& sweep, const WrittenResults& results);

const char* planning_draw_name(PlanningDraw draw);
const char* algorithm_name(Algorithm algorithm);

}  // namespace dynaq
