// What an agent's metrics measure beyond its counters: the error of its model against the
// environment, and the length of its greedy policy's path. Host/device, read-only on the
// agent's tables (agent_views.hpp); recorded by agent_core.hpp's record_step_metrics.
#pragma once

#include <cstdint>

#include "dynaq/agent_params.hpp"
#include "dynaq/agent_tables.hpp"
#include "dynaq/detail/agent_views.hpp"
#include "dynaq/mdp_view.hpp"
#include "dynaq/platform.hpp"

namespace dynaq {

// ---- Model error ---------------------------------------------------------------------------

// The mean, over observed pairs in the order first observed, of the total variation distance
// between the model's outcome distribution and the environment's: sum over the model's outcomes
// of max(0, q(o) - p(o)), with p(o) summed over the environment's outcomes equal to o in table
// order. For a deterministic environment and the last-outcome model this is the fraction of
// observed pairs whose model is wrong. 0 before any pair is observed.
DYNAQ_HD inline double model_error(const AgentRef& agent, const MdpView& env, const AgentParams& params) {
  const AgentCounters& c = *agent.counters;
  if (c.n_observed_pairs == 0) return 0.0;
  const bool counts = params.model == ModelKind::kCounts;
  double sum = 0.0;
  for (std::uint32_t i = 0; i < c.n_observed_pairs; ++i) {
    const std::uint32_t pair = agent.observed_pairs[i];
    const std::uint64_t base = static_cast<std::uint64_t>(pair) * agent.model_slots;
    std::uint32_t slots = 1;  // the last-outcome model has one
    double total = 1.0;
    if (counts) {
      slots = 0;
      total = 0.0;
      while (slots < agent.model_slots && agent.model_next[base + slots] != kUnseen)
        total += static_cast<double>(agent.model_count[base + slots++]);
    }
    double distance = 0.0;
    for (std::uint32_t k = 0; k < slots; ++k) {
      const std::uint32_t entry = agent.model_next[base + k];
      const double q = (counts ? static_cast<double>(agent.model_count[base + k]) : 1.0) / total;
      double p = 0.0;
      for (std::uint32_t o = env.pair_begin[pair]; o < env.pair_begin[pair + 1]; ++o)
        if (env.next_state[o] == (entry & kStateMask) && (env.terminated[o] != 0) == ((entry & kTerminatedBit) != 0) &&
            env.reward[o] == agent.model_reward[base + k])
          p += env.probability[o];
      if (q > p) distance += q - p;
    }
    sum += distance;
  }
  return sum / static_cast<double>(c.n_observed_pairs);
}

// ---- The greedy policy's path ---------------------------------------------------------------

// The index within [begin, end) of the largest of `values`, the first on ties.
template <typename T>
DYNAQ_HD inline std::uint32_t first_largest(const T* values, std::uint32_t begin, std::uint32_t end) {
  std::uint32_t best = begin;
  for (std::uint32_t i = begin + 1; i < end; ++i)
    if (values[i] > values[best]) best = i;
  return best;
}

// The number of steps the greedy policy (the first maximal action: no randomness) takes from
// the first start state (the lowest-numbered one: these rollouts are meant for environments with
// one start) to termination, following each pair's most likely outcome (the first on ties), or 0
// when it has not terminated within `limit` steps. On a deterministic maze this is the length of
// the agent's greedy path to the goal (Sutton & Barto example 8.4).
DYNAQ_HD inline std::uint32_t greedy_rollout_steps(const float* q, const MdpView& env, std::uint32_t limit) {
  std::uint32_t state = env.start_state[0];
  for (std::uint32_t step = 1; step <= limit; ++step) {
    const std::uint32_t action =
        first_largest(q + static_cast<std::uint64_t>(state) * env.n_actions, 0u, env.n_actions);
    const std::uint32_t pair = state * env.n_actions + action;
    const std::uint32_t o = first_largest(env.probability, env.pair_begin[pair], env.pair_begin[pair + 1]);
    if (env.terminated[o]) return step;
    state = env.next_state[o];
  }
  return 0;
}

}  // namespace dynaq
