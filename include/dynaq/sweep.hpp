// A sweep: a grid of hyper-parameters over environments, N seeds per grid point, run by one
// engine, summarised into learning curves with the same bytes whatever engine ran it.
//
// Grid order (and so agent order, point numbers and file row order): environment outermost,
// then alpha, gamma, epsilon, planning steps, initial Q, planning draw and step limit, in the
// order the values were given. Agent global index = point * seeds + seed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dynaq/agent_params.hpp"
#include "dynaq/engine.hpp"
#include "dynaq/environment.hpp"

namespace dynaq {

// What the user asked for (already parsed from the command line or a config file).
struct SweepSpec {
  std::vector<std::string> environments{"dyna-maze"};
  std::vector<double> alphas{0.1};
  std::vector<double> gammas{0.95};
  std::vector<double> epsilons{0.1};
  std::vector<std::uint32_t> planning_steps{5};
  std::vector<double> q_inits{0.0};
  std::vector<PlanningDraw> planning_draws{PlanningDraw::kPairs};
  // nullopt: the environment's own step limit; 0: no limit; else the limit.
  std::vector<std::optional<std::uint32_t>> max_episode_steps{std::nullopt};
  std::uint32_t seeds = 10;
  std::uint64_t seed = 0;
  BudgetKind budget_kind = BudgetKind::kEpisodes;
  std::uint32_t episodes = 50;
  std::uint64_t steps = 0;
  std::uint64_t bucket_steps = 0;  // 0: steps / 100, at least 1
  bool save_tables = false;
};

struct GridPoint {
  std::uint32_t environment;  // index into Sweep::environments
  double alpha;
  double gamma;
  double epsilon;
  std::uint32_t planning_steps;
  double q_init;
  PlanningDraw planning_draw;
  std::optional<std::uint32_t> max_episode_steps_option;  // as given
  std::uint32_t max_episode_steps;                        // resolved; 0: none

  AgentParams agent_params() const;
};

struct Sweep {
  SweepSpec spec;
  std::vector<Environment> environments;
  std::vector<GridPoint> points;
  RunBudget budget{};

  std::uint64_t n_agents() const { return std::uint64_t{spec.seeds} * points.size(); }
  // The agents of environment e form one group (points of one environment are consecutive).
  AgentGroup group_for(std::uint32_t environment) const;
  // Bytes the sweep's results (and saved tables) take in memory, and a batch of tables.
  std::uint64_t result_bytes() const;
};

// Loads the environments, builds the grid and checks everything that can be checked before
// running: value ranges, that episodes can end, memory. Throws InputError naming the option.
Sweep plan_sweep(const SweepSpec& spec);

// Mean and standard error (sample standard deviation / sqrt(n)) in a fixed order: the same
// bits on every engine. n = 1 gives a standard error of 0.
struct MeanStderr {
  double mean;
  double stderr_;
};
MeanStderr mean_and_stderr(const double* values, std::size_t count, std::size_t stride = 1);

struct SweepResults {
  std::vector<GroupResults> groups;  // one per environment
  std::string engine;
  std::string device;
  double run_seconds = 0.0;
  std::uint64_t real_steps = 0;
  std::uint64_t planning_updates = 0;
};

SweepResults run_sweep(const Sweep& sweep, Engine& engine, bool show_progress);

// The learning curves as the CSV file holds them (one row per point and episode or bucket).
std::string curves_csv(const Sweep& sweep, const SweepResults& results);
// The JSON summary: parameters, engine, device, timings, versions, per-point final metrics.
std::string summary_json(const Sweep& sweep, const SweepResults& results, const std::string& command);
// A short table for people: mean episode length (or cumulative reward) at a few points in time.
std::string results_table(const Sweep& sweep, const SweepResults& results);

// Writes curves.csv, summary.json and (with save_tables) q.npy into `directory` atomically.
std::vector<std::string> write_sweep_results(const Sweep& sweep, const SweepResults& results,
                                             const std::string& directory, const std::string& command);

const char* planning_draw_name(PlanningDraw draw);

}  // namespace dynaq
