// The grid of a sweep: its axes (one entry per hyper-parameter), the values the user gave for
// each, and one grid point's settings. Grid order: environment outermost, then the other axes
// in the order of grid_axes(), each in the order its values were given.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dynaq/agent_params.hpp"
#include "dynaq/environment.hpp"

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

// One point of the planned grid (plan_sweep).
struct GridPoint {
  std::uint32_t environment;  // index into Sweep::environments
  PointSettings settings;
  std::uint32_t max_episode_steps;  // resolved; 0: none

  AgentParams agent_params() const;
};


}  // namespace dynaq
