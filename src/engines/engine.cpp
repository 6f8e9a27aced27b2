// What every engine shares: group sizes and checks, result buffers, and the schedule as kernels
// see it.
#include "dynaq/engine.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

#include "dynaq/detail/agent_core.hpp"
#include "dynaq/errors.hpp"

namespace dynaq {

bool AgentGroup::needs(TableNeed need) const {
  if (need == TableNeed::kAlways) return true;  // even for a group without points
  return std::any_of(points.begin(), points.end(), [need](const AgentParams& p) { return agent_needs(p, need); });
}

std::uint32_t AgentGroup::model_slots() const {
  std::uint32_t slots = 1;
  for (const AgentParams& p : points)
    if (p.model == ModelKind::kCounts) slots = std::max(slots, p.model_capacity);
  return slots;
}

namespace {

// Bytes per agent of the counters and of the tables that the group carries and `counted(id)`
// accepts.
template <typename Counted>
std::uint64_t counters_and_tables_bytes(const AgentGroup& group, Counted counted) {
  const TableLengths lengths =
      table_lengths(group.environment->n_states(), group.environment->n_actions(), group.model_slots());
  std::uint64_t bytes = sizeof(AgentCounters);
  for (std::uint32_t id = 0; id < kTableCount; ++id)
    if (group.needs(table_need(id)) && counted(id)) bytes += lengths.of(table_per(id)) * table_element_bytes(id);
  return bytes;
}

}  // namespace

std::uint64_t AgentGroup::table_bytes_per_agent() const {
  return counters_and_tables_bytes(*this, [](std::uint32_t) { return true; });
}

std::uint64_t AgentGroup::init_bytes_per_agent() const {
  return counters_and_tables_bytes(*this, [](std::uint32_t id) { return table_init(id) == TableInit::kWhole; });
}

OutcomeNeed distinct_outcomes_needed(const Environment& environment) {
  OutcomeNeed need{0, 0, 0};
  const std::uint32_t n_actions = environment.n_actions();
  for (std::uint32_t pair = 0; pair < environment.n_states() * n_actions; ++pair) {
    std::vector<std::tuple<std::uint32_t, std::uint8_t, float>> distinct;
    for (const EnvironmentPhase& phase : environment.phases) {
      const TabularMdp& m = *phase.mdp;
      for (std::uint32_t i = m.pair_begin[pair]; i < m.pair_begin[pair + 1]; ++i) {
        const auto outcome = std::make_tuple(m.next_state[i], m.terminated[i], m.reward[i]);
        if (m.probability[i] > 0.0 && std::find(distinct.begin(), distinct.end(), outcome) == distinct.end())
          distinct.push_back(outcome);
      }
    }
    if (distinct.size() > need.outcomes)
      need = OutcomeNeed{static_cast<std::uint32_t>(distinct.size()), pair / n_actions, pair % n_actions};
  }
  return need;
}

void AgentGroup::validate() const {
  for (const AgentParams& p : points)
    if (is_prioritized(p) && p.model != ModelKind::kLast)
      throw InputError("--algo prioritized sweeping keeps the last-outcome model (Sutton & Barto section 8.4); "
                       "use --model last with it");
  if (!needs(TableNeed::kCounts)) return;
  // Slot indices within one agent's model are 32-bit (the GPU's table strides).
  const std::uint64_t slots = std::uint64_t{environment->n_states()} * environment->n_actions() * model_slots();
  if (slots > 0xFFFFFFFFu)
    throw InputError("--model-capacity " + std::to_string(model_slots()) + " with --env " + environment->name +
                     " gives each agent " + std::to_string(slots) + " model slots (states x actions x capacity); " +
                     "at most 4294967295 are supported");
  const OutcomeNeed need = distinct_outcomes_needed(*environment);
  for (const AgentParams& p : points)
    if (p.model == ModelKind::kCounts && p.model_capacity < need.outcomes)
      throw InputError("--model-capacity " + std::to_string(p.model_capacity) + " is too small for --env " +
                       environment->name + ": state " + std::to_string(need.state) + ", action " +
                       std::to_string(need.action) + " has " + std::to_string(need.outcomes) +
                       " distinct outcomes; use --model-capacity " + std::to_string(need.outcomes) + " or more");
}

void GroupResults::allocate(const AgentGroup& group) {
  const std::uint64_t agents = group.n_agents();
  const RunBudget& budget = group.budget;
  const std::uint64_t entries = agents * metric_entries_per_agent(budget);
  for_each_metric(*this, *this, [&](std::uint32_t, MetricRecorded recorded, auto& metric, auto&) {
    metric.assign(metric_recorded(budget, recorded) ? entries : 0, 0);
  });
  total_steps.assign(agents, 0);
  planning_updates.assign(agents, 0);
  const std::uint64_t table =
      group.keep_tables ? agents * group.environment->n_states() * group.environment->n_actions() : 0;
  q.assign(table, 0.0f);
  model_next.assign(table * group.model_slots(), kUnseen);
  model_reward.assign(table * group.model_slots(), 0.0f);
  model_count.assign(group.needs(TableNeed::kCounts) ? table * group.model_slots() : 0, 0);
  observed_pairs.assign(table, kUnseen);
}

void copy_final_tables(const AgentRef& agent, const AgentGroup& group, GroupResults& results, std::uint32_t local) {
  const std::uint64_t pairs = std::uint64_t{group.environment->n_states()} * group.environment->n_actions();
  const std::uint64_t slots = pairs * group.model_slots();
  std::copy(agent.q, agent.q + pairs, results.q.begin() + local * pairs);
  std::copy(agent.model_next, agent.model_next + slots, results.model_next.begin() + local * slots);
  std::copy(agent.model_reward, agent.model_reward + slots, results.model_reward.begin() + local * slots);
  if (agent.model_count != nullptr)
    std::copy(agent.model_count, agent.model_count + slots, results.model_count.begin() + local * slots);
  std::copy(agent.observed_pairs, agent.observed_pairs + agent.counters->n_observed_pairs,
            results.observed_pairs.begin() + local * pairs);
}

void check_agent(const AgentCounters& counters, const AgentGroup& group, std::uint32_t local) {
  if (counters.error == kAgentOk) return;
  const std::uint32_t n_actions = group.environment->n_actions();
  const std::string agent = "agent " + std::to_string(group.first_agent + local);
  if (counters.error == kAgentModelCapacityExceeded)
    throw std::runtime_error(agent + ": the count-based model of state " + std::to_string(counters.error_pair / n_actions) +
                             ", action " + std::to_string(counters.error_pair % n_actions) + " has more than " +
                             std::to_string(group.params_of(local).model_capacity) +
                             " distinct outcomes; raise --model-capacity");
  throw std::runtime_error(agent + ": stopped with error code " + std::to_string(counters.error));
}

ScheduleView schedule_view(const Environment& environment) {
  if (environment.phases.size() > kMaxPhases)
    throw InputError("environment '" + environment.name + "' has " + std::to_string(environment.phases.size()) +
                     " phases; at most " + std::to_string(kMaxPhases) + " are supported");
  ScheduleView view{};
  view.n_phases = static_cast<std::uint32_t>(environment.phases.size());
  for (std::uint32_t k = 0; k < view.n_phases; ++k) {
    view.start_step[k] = environment.phases[k].start_step;
    view.phase[k] = environment.phases[k].mdp->view();
  }
  return view;
}

namespace {

class FallbackEngine final : public Engine {
 public:
  FallbackEngine(std::unique_ptr<Engine> primary, std::unique_ptr<Engine> fallback, EngineWarning warn)
      : primary_(std::move(primary)), fallback_(std::move(fallback)), warn_(std::move(warn)) {}

  std::string name() const override { return failure_.empty() ? primary_->name() : fallback_->name(); }
  std::uint64_t preferred_group_agents() const override {
    return failure_.empty() ? primary_->preferred_group_agents() : fallback_->preferred_group_agents();
  }
  std::string device() const override {
    if (failure_.empty()) return primary_->device();
    return fallback_->device() + "; the " + primary_->name() + " engine (" + primary_->device() + ") ran " +
           std::to_string(groups_on_primary_) + " group(s) first, then failed: " + failure_;
  }

  void run(const AgentGroup& group, GroupResults& results, const ProgressCallback& progress) override {
    if (failure_.empty()) {
      try {
        primary_->run(group, results, progress);
        ++groups_on_primary_;
        return;
      } catch (const InputError&) {
        throw;  // the user's mistake: the fallback would refuse it too
      } catch (const std::exception& e) {
        failure_ = e.what();
        if (warn_)
          warn_("the " + primary_->name() + " engine failed (" + failure_ + "); running the rest on the " +
                fallback_->name() + " engine, whose results are the same bits");
      }
    }
    fallback_->run(group, results, progress);
  }

 private:
  std::unique_ptr<Engine> primary_;
  std::unique_ptr<Engine> fallback_;
  EngineWarning warn_;
  std::string failure_;
  std::uint64_t groups_on_primary_ = 0;
};

}  // namespace

std::unique_ptr<Engine> make_fallback_engine(std::unique_ptr<Engine> primary, std::unique_ptr<Engine> fallback,
                                             EngineWarning warn) {
  return std::make_unique<FallbackEngine>(std::move(primary), std::move(fallback), std::move(warn));
}

}  // namespace dynaq
