// Sutton & Barto example 8.4: prioritized sweeping against Dyna-Q on the Dyna maze at growing
// resolution, in backups until the greedy path is (near) optimal.
#include <algorithm>
#include <cmath>
#include <limits>

#include "dynaq/environment.hpp"
#include "dynaq/experiments.hpp"
#include "dynaq/maze.hpp"
#include "dynaq/statistics.hpp"

namespace dynaq {

namespace {

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  if (n == 0) return std::numeric_limits<double>::infinity();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

}  // namespace

std::vector<Example84Row> run_example_8_4(const Example84Options& options, Engine& engine) {
  std::vector<Example84Row> rows;
  for (std::uint32_t k = 1; k <= options.max_resolution; ++k) {
    const std::string name = "dyna-maze:" + std::to_string(k);
    const Environment env = load_environment(name);
    Example84Row row{k, env.n_states(), maze_shortest_path(load_maze_layouts(name).front()), {}};
    const auto limit = static_cast<std::uint32_t>(std::floor(options.path_tolerance * row.shortest_path));
    for (Algorithm algorithm : {Algorithm::kDynaQ, Algorithm::kPrioritized}) {
      AgentParams params = options.params;
      params.algorithm = algorithm;
      params.theta = options.theta;
      AgentGroup group;
      group.environment = &env;
      group.points = {params};
      group.seeds_per_point = options.seeds;
      group.sweep_seed = options.seed;
      group.first_agent = (k - 1) * 2 * options.seeds + (algorithm == Algorithm::kDynaQ ? 0 : options.seeds);
      group.budget = RunBudget{BudgetKind::kEpisodes, options.max_episodes, 0, 0, 0, limit};
      GroupResults results;
      engine.run(group, results, nullptr);

      Example84Algorithm outcome{algorithm, 0, 0.0, 0.0, 0.0, {}};
      const bool direct_updates = algorithm != Algorithm::kPrioritized;
      for (std::uint32_t i = 0; i < options.seeds; ++i) {
        double updates = std::numeric_limits<double>::infinity();
        std::uint64_t real_steps = 0;
        for (std::uint32_t e = 0; e < options.max_episodes; ++e) {
          const std::uint64_t slot = std::uint64_t{i} * options.max_episodes + e;
          real_steps += results.episode_steps[slot];
          if (results.episode_greedy_steps[slot] != 0) {
            updates = static_cast<double>(results.episode_planning_updates[slot] + (direct_updates ? real_steps : 0));
            ++outcome.reached;
            break;
          }
        }
        outcome.updates.push_back(updates);
      }
      outcome.median_updates = median(outcome.updates);
      std::vector<double> sorted = outcome.updates;
      std::sort(sorted.begin(), sorted.end());
      outcome.q1_updates = sorted_quantile(sorted, 0.25);
      outcome.q3_updates = sorted_quantile(sorted, 0.75);
      row.algorithms.push_back(outcome);
    }
    rows.push_back(row);
  }
  return rows;
}

}  // namespace dynaq
