// The per-agent Dyna-Q step, written once for the CPU engine and the CUDA kernels.
//
// One real step of one agent, in the order of DESIGN.md section 1:
//   act (epsilon-greedy, random ties) -> environment -> direct Q update -> model update ->
//   n planning updates -> episode bookkeeping.
// Every function here is a pure function of its arguments and the agent's tables; randomness
// comes from the agent's Philox stream (random.hpp), so the order in which agents run, and on
// which device, cannot change a bit of the result. Floating-point expressions are written out
// step by step and built without FMA contraction, so host and device round identically.
//
// Table layout (the same on the host and on the device): every table is agent-major, agent i's
// slice starting at i * (its per-agent length); within a slice, pair p = state * n_actions +
// action. The reference engine (reference_engine.cpp) implements the same algorithm on its own
// plain data structures and is the oracle these functions are tested against.
#pragma once

#include <cstdint>

#include "dynaq/agent_params.hpp"
#include "dynaq/mdp_view.hpp"
#include "dynaq/platform.hpp"
#include "dynaq/random.hpp"

namespace dynaq {

// A model entry that has never been observed.
constexpr std::uint32_t kUnseen = 0xFFFFFFFFu;

// Per-agent scalars.
struct AgentCounters {
  std::uint64_t t;                  // real steps taken so far (the random stream's time)
  double episode_return;            // sum of rewards in the current episode
  double cumulative_reward;         // sum of rewards over the whole run
  std::uint32_t state;              // current state (valid unless need_reset)
  std::uint32_t episode_step;       // steps taken in the current episode
  std::uint32_t episodes_done;      // finished episodes (terminated or truncated)
  std::uint32_t n_observed_pairs;
  std::uint32_t n_observed_states;  // kStates draws only
  std::uint32_t need_reset;         // 1: the next step starts a new episode
};

// One agent's tables (non-owning).
struct AgentRef {
  float* q;                          // [pair]
  std::uint32_t* model_next;         // [pair]: kUnseen, or next state | kTerminatedBit
  float* model_reward;               // [pair]
  std::uint32_t* observed_pairs;     // [pair]: pairs in the order first observed
  std::uint32_t* observed_states;    // [state]: states in the order first observed (or null)
  std::uint32_t* state_actions;      // [pair]: per state, actions in the order first taken (or null)
  std::uint32_t* state_action_count; // [state] (or null)
  AgentCounters* counters;
};

// All agents' tables of one batch (non-owning, trivially copyable: passed to kernels by value).
struct AgentTablesView {
  std::uint32_t n_states;
  std::uint32_t n_actions;
  float* q;
  std::uint32_t* model_next;
  float* model_reward;
  std::uint32_t* observed_pairs;
  std::uint32_t* observed_states;     // null unless some agent draws states then actions
  std::uint32_t* state_actions;       // idem
  std::uint32_t* state_action_count;  // idem
  AgentCounters* counters;

  DYNAQ_HD AgentRef agent(std::uint32_t i) const {
    const std::uint64_t pairs = static_cast<std::uint64_t>(n_states) * n_actions;
    const bool by_state = observed_states != nullptr;
    return AgentRef{q + i * pairs,
                    model_next + i * pairs,
                    model_reward + i * pairs,
                    observed_pairs + i * pairs,
                    by_state ? observed_states + i * static_cast<std::uint64_t>(n_states) : nullptr,
                    by_state ? state_actions + i * pairs : nullptr,
                    by_state ? state_action_count + i * static_cast<std::uint64_t>(n_states) : nullptr,
                    counters + i};
  }
};

// Where one agent's metrics go (non-owning).
struct AgentMetricsRef {
  std::uint32_t* episode_steps;       // kEpisodes: [episode] length of each episode
  double* episode_return;             // kEpisodes: [episode] undiscounted return of each episode
  double* bucket_cumulative_reward;   // kSteps: [bucket] cumulative reward at the bucket's end
  std::uint32_t* bucket_episodes;     // kSteps: [bucket] episodes finished by the bucket's end
};

// ---- The pieces of one step -------------------------------------------------------------

DYNAQ_HD inline float max_q(const float* q_row, std::uint32_t n_actions) {
  float best = q_row[0];
  for (std::uint32_t a = 1; a < n_actions; ++a)
    if (q_row[a] > best) best = q_row[a];
  return best;
}

// argmax with ties broken uniformly at random by one 32-bit word (used only when tied).
DYNAQ_HD inline std::uint32_t greedy_action(const float* q_row, std::uint32_t n_actions,
                                            std::uint32_t tie_word) {
  float best = q_row[0];
  std::uint32_t first = 0, ties = 1;
  for (std::uint32_t a = 1; a < n_actions; ++a) {
    if (q_row[a] > best) {
      best = q_row[a];
      first = a;
      ties = 1;
    } else if (q_row[a] == best) {
      ++ties;
    }
  }
  if (ties == 1) return first;
  std::uint32_t k = uniform_index(tie_word, ties);
  for (std::uint32_t a = first;; ++a) {
    if (q_row[a] == best) {
      if (k == 0) return a;
      --k;
    }
  }
}

DYNAQ_HD inline std::uint32_t epsilon_greedy_action(const float* q_row, std::uint32_t n_actions,
                                                    std::uint64_t epsilon_threshold,
                                                    const PhiloxBlock& act_draw) {
  if (static_cast<std::uint64_t>(act_draw.word[0]) < epsilon_threshold)
    return uniform_index(act_draw.word[1], n_actions);
  return greedy_action(q_row, n_actions, act_draw.word[2]);
}

// The one-step Q-learning backup shared by direct RL and planning:
//   Q[s][a] += alpha * (r + (terminated ? 0 : gamma * max_a' Q[s'][a']) - Q[s][a]).
DYNAQ_HD inline void q_backup(float* q, std::uint32_t n_actions, std::uint32_t pair, float reward,
                              std::uint32_t next_state, bool terminated, float alpha, float gamma) {
  float target = reward;
  if (!terminated) {
    const float discounted = gamma * max_q(q + static_cast<std::uint64_t>(next_state) * n_actions, n_actions);
    target = reward + discounted;
  }
  const float error = target - q[pair];
  const float step = alpha * error;
  q[pair] = q[pair] + step;
}

// Model learning: keep the last outcome; list the pair (and its state) the first time it is seen.
DYNAQ_HD inline void record_model(const AgentRef& agent, std::uint32_t n_actions, std::uint32_t pair,
                                  const Transition& outcome) {
  if (agent.model_next[pair] == kUnseen) {
    AgentCounters& c = *agent.counters;
    agent.observed_pairs[c.n_observed_pairs++] = pair;
    if (agent.observed_states != nullptr) {
      const std::uint32_t state = pair / n_actions;
      std::uint32_t& taken = agent.state_action_count[state];
      if (taken == 0) agent.observed_states[c.n_observed_states++] = state;
      agent.state_actions[static_cast<std::uint64_t>(state) * n_actions + taken] = pair % n_actions;
      ++taken;
    }
  }
  agent.model_next[pair] = outcome.next_state | (outcome.terminated ? kTerminatedBit : 0u);
  agent.model_reward[pair] = outcome.reward;
}

// The pair that planning update `plan_draw` replays.
DYNAQ_HD inline std::uint32_t planning_pair(const AgentRef& agent, std::uint32_t n_actions,
                                            PlanningDraw draw, const PhiloxBlock& plan_draw) {
  const AgentCounters& c = *agent.counters;
  if (draw == PlanningDraw::kPairs)
    return agent.observed_pairs[uniform_index(plan_draw.word[0], c.n_observed_pairs)];
  const std::uint32_t state = agent.observed_states[uniform_index(plan_draw.word[0], c.n_observed_states)];
  const std::uint32_t k = uniform_index(plan_draw.word[1], agent.state_action_count[state]);
  return state * n_actions + agent.state_actions[static_cast<std::uint64_t>(state) * n_actions + k];
}

DYNAQ_HD inline void planning_update(const AgentRef& agent, std::uint32_t n_actions,
                                     const AgentParams& params, const PhiloxBlock& plan_draw) {
  const std::uint32_t pair = planning_pair(agent, n_actions, params.planning_draw, plan_draw);
  const std::uint32_t entry = agent.model_next[pair];
  q_backup(agent.q, n_actions, pair, agent.model_reward[pair], entry & kStateMask,
           (entry & kTerminatedBit) != 0, params.alpha, params.gamma);
}

struct StepResult {
  float reward;
  bool episode_ended;  // terminated or truncated by the step limit
};

// One real step of one agent (DESIGN.md section 1, steps 1 to 6).
DYNAQ_HD inline StepResult agent_step(const AgentRef& agent, const MdpView& env,
                                      const AgentParams& params, const AgentRandom& rng) {
  AgentCounters& c = *agent.counters;
  const std::uint32_t t = static_cast<std::uint32_t>(c.t);
  const std::uint32_t n_actions = env.n_actions;
  if (c.need_reset) {
    c.state = env.n_start_states > 1 ? start_state_for(env, rng.draw(t, kPurposeReset).word[0])
                                     : env.start_state[0];
    c.episode_step = 0;
    c.episode_return = 0.0;
    c.need_reset = 0;
  }
  const std::uint32_t state = c.state;
  const std::uint32_t action =
      epsilon_greedy_action(agent.q + static_cast<std::uint64_t>(state) * n_actions, n_actions,
                            params.epsilon_threshold, rng.draw(t, kPurposeAct));
  const std::uint32_t pair = state * n_actions + action;
  const std::uint32_t env_word = outcome_count(env, pair) > 1 ? rng.draw(t, kPurposeEnv).word[0] : 0u;
  const Transition outcome = transition_for(env, pair, env_word);

  q_backup(agent.q, n_actions, pair, outcome.reward, outcome.next_state, outcome.terminated,
           params.alpha, params.gamma);
  record_model(agent, n_actions, pair, outcome);
  for (std::uint32_t j = 0; j < params.planning_steps; ++j)
    planning_update(agent, n_actions, params, rng.draw(t, kPurposePlan, j));

  c.t += 1;
  c.episode_step += 1;
  c.episode_return += static_cast<double>(outcome.reward);
  c.cumulative_reward += static_cast<double>(outcome.reward);
  const bool truncated = params.max_episode_steps != 0 && c.episode_step >= params.max_episode_steps;
  if (outcome.terminated || truncated) {
    c.need_reset = 1;
    c.episodes_done += 1;
  } else {
    c.state = outcome.next_state;
  }
  return StepResult{outcome.reward, outcome.terminated || truncated};
}

// ---- A whole run --------------------------------------------------------------------------

DYNAQ_HD inline bool agent_finished(const AgentCounters& c, const RunBudget& budget) {
  return budget.kind == BudgetKind::kEpisodes ? c.episodes_done >= budget.episodes
                                              : c.t >= budget.steps;
}

// Fresh tables: Q = q_init everywhere, an empty model, and a reset pending.
DYNAQ_HD inline void agent_init(const AgentRef& agent, std::uint32_t n_states, std::uint32_t n_actions,
                                float q_init) {
  const std::uint64_t pairs = static_cast<std::uint64_t>(n_states) * n_actions;
  for (std::uint64_t p = 0; p < pairs; ++p) {
    agent.q[p] = q_init;
    agent.model_next[p] = kUnseen;
    agent.model_reward[p] = 0.0f;
  }
  if (agent.state_action_count != nullptr)
    for (std::uint32_t s = 0; s < n_states; ++s) agent.state_action_count[s] = 0;
  *agent.counters = AgentCounters{0, 0.0, 0.0, 0, 0, 0, 0, 0, 1};
}

// Runs an agent for at most `max_steps` more real steps, or until its budget is spent, and
// records its metrics. Returns true when the agent has finished its run.
DYNAQ_HD inline bool advance_agent(const AgentRef& agent, const ScheduleView& schedule,
                                   const AgentParams& params, const AgentRandom& rng,
                                   const RunBudget& budget, const AgentMetricsRef& metrics,
                                   std::uint64_t max_steps) {
  AgentCounters& c = *agent.counters;
  for (std::uint64_t k = 0; k < max_steps; ++k) {
    if (agent_finished(c, budget)) return true;
    const StepResult step = agent_step(agent, schedule.at(c.t), params, rng);
    if (budget.kind == BudgetKind::kEpisodes) {
      if (step.episode_ended) {
        metrics.episode_steps[c.episodes_done - 1] = c.episode_step;
        metrics.episode_return[c.episodes_done - 1] = c.episode_return;
      }
    } else if (c.t % budget.bucket_steps == 0 || c.t == budget.steps) {
      const std::uint64_t bucket = (c.t - 1) / budget.bucket_steps;
      metrics.bucket_cumulative_reward[bucket] = c.cumulative_reward;
      metrics.bucket_episodes[bucket] = c.episodes_done;
    }
  }
  return agent_finished(c, budget);
}

}  // namespace dynaq
