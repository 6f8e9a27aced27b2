// The per-agent metrics of a sweep, in the order chunk files and result files list them.
#include "dynaq/sweep/metrics.hpp"

namespace dynaq {

namespace {
template <typename T>
void widen(const std::vector<T>& values, std::vector<double>& out) {
  out.assign(values.begin(), values.end());  // exact: counts stay below 2^53
}
}  // namespace

std::vector<AgentMetric> agent_metrics(BudgetKind budget) {
  // Curves first (the first one is the headline: the table's and the plot's default), then
  // one value per agent. For a scalar, `budget` is ignored.
  static const AgentMetric all[] = {
      {"steps", true, BudgetKind::kEpisodes, [](const GroupResults& r, std::vector<double>& o) { widen(r.episode_steps, o); }},
      {"return", true, BudgetKind::kEpisodes, [](const GroupResults& r, std::vector<double>& o) { widen(r.episode_return, o); }},
      {"cumulative_reward", true, BudgetKind::kSteps,
       [](const GroupResults& r, std::vector<double>& o) { widen(r.bucket_cumulative_reward, o); }},
      {"episodes", true, BudgetKind::kSteps, [](const GroupResults& r, std::vector<double>& o) { widen(r.bucket_episodes, o); }},
      {"model_error", true, BudgetKind::kSteps,
       [](const GroupResults& r, std::vector<double>& o) { widen(r.bucket_model_error, o); }},
      {"real_steps", false, budget, [](const GroupResults& r, std::vector<double>& o) { widen(r.total_steps, o); }},
      {"planning_updates", false, budget,
       [](const GroupResults& r, std::vector<double>& o) { widen(r.planning_updates, o); }},
      {"greedy_return", false, budget, nullptr},
      {"greedy_steps", false, budget, nullptr},
      // 1 where the greedy policy ends its episodes in a terminal state with probability 1 (no
      // step limit needed), else 0: its mean is the share of agents whose greedy_steps is not
      // a never-ending (or truncated) loop.
      {"greedy_terminates", false, budget, nullptr},
  };
  std::vector<AgentMetric> metrics;
  for (const AgentMetric& m : all)
    if (!m.curve || m.budget == budget) metrics.push_back(m);
  return metrics;
}

}  // namespace dynaq
