// Planning for a new task with a learned model (Sutton & Barto section 8.2's point that a model
// serves more than one task): relabel the model with the new task's rewards, plan with it alone,
// and compare the greedy policy with agents that start from scratch.
#include <cmath>
#include <limits>
#include <vector>

#include "dynaq/detail/agent_core.hpp"
#include "dynaq/environment.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/experiments.hpp"
#include "dynaq/statistics.hpp"
#include "dynaq/value_iteration.hpp"

namespace dynaq {

namespace {

struct GreedyEvaluation {
  double expected_return;
  double expected_steps;
};

GreedyEvaluation evaluate_greedy(const float* q, const TabularMdp& mdp) {
  const PolicyEvaluation evaluation = policy_evaluation(mdp, greedy_policy(q, mdp.n_states, mdp.n_actions));
  return GreedyEvaluation{evaluation.expected_return, evaluation.expected_steps};
}

// Over agents, as statistics over seeds everywhere (statistics.hpp).
GreedyOutcome summarise(const std::vector<GreedyEvaluation>& agents) {
  std::vector<double> returns, steps;
  GreedyOutcome outcome{0.0, 0.0, 0.0, 0};
  for (const GreedyEvaluation& e : agents) {
    returns.push_back(e.expected_return);
    steps.push_back(e.expected_steps);
    if (e.expected_return > 0.0) ++outcome.solved;
  }
  const MeanStderr r = mean_and_stderr(returns.data(), returns.size());
  outcome.mean_return = r.mean;
  outcome.stderr_return = r.stderr_;
  outcome.mean_steps = mean_and_stderr(steps.data(), steps.size()).mean;
  return outcome;
}

// A learned model carries over only to a task with the same states and actions.
void check_same_shape(const NewTaskOptions& options, const Environment& first, const Environment& second) {
  if (first.n_states() != second.n_states() || first.n_actions() != second.n_actions())
    throw InputError("--new-env " + options.new_environment + " has " + std::to_string(second.n_states()) + " states x " +
                     std::to_string(second.n_actions()) + " actions, but --env " + options.environment + " has " +
                     std::to_string(first.n_states()) + " x " + std::to_string(first.n_actions()) +
                     "; a learned model carries over only to a task of the same shape");
}

// The agents that learn the first task, keeping their tables for the second.
AgentGroup learners(const NewTaskOptions& options, const AgentParams& params, const Environment& first) {
  AgentGroup learn;
  learn.environment = &first;
  learn.points = {params};
  learn.seeds_per_point = options.seeds;
  learn.sweep_seed = options.seed;
  learn.budget = RunBudget{BudgetKind::kEpisodes, options.episodes, 0, 0, 0};
  learn.keep_tables = true;
  return learn;
}

// The new task's reward and termination in the model, wherever its dynamics agree with the
// model's outcome.
void relabel_model(const TabularMdp& task, const std::vector<std::uint32_t>& observed, std::uint32_t n_observed,
                   std::vector<std::uint32_t>& model_next, std::vector<float>& model_reward) {
  for (std::uint32_t k = 0; k < n_observed; ++k) {
    const std::uint32_t pair = observed[k], next = model_next[pair] & kStateMask;
    for (std::uint32_t o = task.pair_begin[pair]; o < task.pair_begin[pair + 1]; ++o)
      if (task.next_state[o] == next) {
        model_next[pair] = next | (task.terminated[o] ? kTerminatedBit : 0u);
        model_reward[pair] = task.reward[o];
        break;
      }
  }
}

// Learner i's model relabelled for the new task, planned with alone from a fresh Q, and its
// greedy policy evaluated there.
GreedyEvaluation plan_with_learned_model(const NewTaskOptions& options, const AgentParams& params,
                                         const AgentGroup& learn, const GroupResults& learned,
                                         const TabularMdp& task, std::uint32_t i) {
  const std::uint32_t n_actions = task.n_actions;
  const std::uint64_t pairs = std::uint64_t{task.n_states} * n_actions;
  std::vector<float> q(pairs, params.q_init);
  std::vector<std::uint32_t> model_next(learned.model_next.begin() + i * pairs, learned.model_next.begin() + (i + 1) * pairs);
  std::vector<float> model_reward(learned.model_reward.begin() + i * pairs, learned.model_reward.begin() + (i + 1) * pairs);
  std::vector<std::uint32_t> observed(learned.observed_pairs.begin() + i * pairs, learned.observed_pairs.begin() + (i + 1) * pairs);
  AgentCounters counters{};
  while (counters.n_observed_pairs < pairs && observed[counters.n_observed_pairs] != kUnseen) ++counters.n_observed_pairs;
  relabel_model(task, observed, counters.n_observed_pairs, model_next, model_reward);
  // A Dyna-Q agent of the last-outcome model carries no other table.
  AgentRef agent{};
  agent.q = q.data();
  agent.model_next = model_next.data();
  agent.model_reward = model_reward.data();
  agent.observed_pairs = observed.data();
  agent.model_slots = 1;
  agent.counters = &counters;
  // Planning draws continue the agent's own stream, at the time step after its last real step.
  const AgentRandom random = AgentRandom::make(options.seed, learn.first_agent + i);
  const auto now = static_cast<std::uint32_t>(learned.total_steps[i]);
  if (counters.n_observed_pairs > 0)
    for_each_planning_draw(random, params, now, options.planning_updates, [&](const PhiloxBlock& draw) {
      planning_update(agent, n_actions, params, now, draw);
    });
  return evaluate_greedy(q.data(), task);
}

// Agents of the new task that start from scratch, given options.scratch_episodes real episodes
// (none: the greedy policy of the initial Q).
std::vector<GreedyEvaluation> from_scratch(const NewTaskOptions& options, const AgentParams& params,
                                           const AgentGroup& learn, const Environment& second, Engine& engine) {
  const TabularMdp& task = second.first();
  const std::uint64_t pairs = std::uint64_t{task.n_states} * task.n_actions;
  AgentGroup fresh = learn;
  fresh.environment = &second;
  fresh.first_agent = options.seeds;  // other agents than the learners: other random streams
  fresh.budget.episodes = options.scratch_episodes;
  std::vector<GreedyEvaluation> scratch;
  if (options.scratch_episodes > 0) {
    GroupResults results;
    engine.run(fresh, results, nullptr);
    for (std::uint32_t i = 0; i < options.seeds; ++i) scratch.push_back(evaluate_greedy(&results.q[i * pairs], task));
  } else {
    const std::vector<float> initial(pairs, params.q_init);
    scratch.assign(options.seeds, evaluate_greedy(initial.data(), task));
  }
  return scratch;
}

}  // namespace

NewTaskResult run_new_task(const NewTaskOptions& options, Engine& engine) {
  const Environment first = load_environment(options.environment);
  const Environment second = load_environment(options.new_environment);
  check_same_shape(options, first, second);
  AgentParams params = options.params;
  params.algorithm = Algorithm::kDynaQ;  // the model is the last-outcome table the relabelling needs
  params.model = ModelKind::kLast;
  const TabularMdp& task = second.first();

  const AgentGroup learn = learners(options, params, first);
  GroupResults learned;
  engine.run(learn, learned, nullptr);
  std::vector<GreedyEvaluation> transferred;
  for (std::uint32_t i = 0; i < options.seeds; ++i)
    transferred.push_back(plan_with_learned_model(options, params, learn, learned, task, i));
  const std::vector<GreedyEvaluation> scratch = from_scratch(options, params, learn, second, engine);

  ValueIterationOptions solve;
  solve.gamma = params.gamma;
  const ValueIterationResult optimum = value_iteration(task, solve);
  const PolicyEvaluation best = policy_evaluation(task, greedy_policy(optimum));
  return NewTaskResult{best.expected_return, best.expected_steps, summarise(transferred), summarise(scratch),
                       options.seeds};
}

}  // namespace dynaq
