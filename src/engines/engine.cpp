// What every engine shares: group sizes, result buffers, and the schedule as kernels see it.
#include "dynaq/engine.hpp"

#include "dynaq/agent_core.hpp"
#include "dynaq/errors.hpp"

namespace dynaq {

bool AgentGroup::any_draws_states() const {
  for (const AgentParams& p : points)
    if (p.planning_draw == PlanningDraw::kStates) return true;
  return false;
}

std::uint64_t AgentGroup::table_bytes_per_agent() const {
  const std::uint64_t states = environment->n_states();
  const std::uint64_t pairs = states * environment->n_actions();
  // Q (float), model next (u32), model reward (float), observed pairs (u32).
  std::uint64_t bytes = pairs * 16 + sizeof(AgentCounters);
  // Observed states and action lists per state, when some point draws states then actions.
  if (any_draws_states()) bytes += pairs * 4 + states * 8;
  return bytes;
}

void GroupResults::allocate(const AgentGroup& group) {
  const std::uint64_t agents = group.n_agents();
  const RunBudget& budget = group.budget;
  const bool by_episode = budget.kind == BudgetKind::kEpisodes;
  episode_steps.assign(by_episode ? agents * budget.episodes : 0, 0);
  episode_return.assign(by_episode ? agents * budget.episodes : 0, 0.0);
  bucket_cumulative_reward.assign(by_episode ? 0 : agents * budget.n_buckets, 0.0);
  bucket_episodes.assign(by_episode ? 0 : agents * budget.n_buckets, 0);
  total_steps.assign(agents, 0);
  const std::uint64_t table = group.keep_tables
                                  ? agents * group.environment->n_states() * group.environment->n_actions()
                                  : 0;
  q.assign(table, 0.0f);
  model_next.assign(table, kUnseen);
  model_reward.assign(table, 0.0f);
  observed_pairs.assign(table, kUnseen);
}

ScheduleView schedule_view(const Environment& environment) {
  if (environment.phases.size() > kMaxPhases)
    throw InputError("environment '" + environment.name + "' has " +
                     std::to_string(environment.phases.size()) + " phases; at most " +
                     std::to_string(kMaxPhases) + " are supported");
  ScheduleView view{};
  view.n_phases = static_cast<std::uint32_t>(environment.phases.size());
  for (std::uint32_t k = 0; k < view.n_phases; ++k) {
    view.start_step[k] = environment.phases[k].start_step;
    view.phase[k] = environment.phases[k].mdp->view();
  }
  return view;
}

}  // namespace dynaq
