// The per-agent Dyna step, written once for the CPU engine and the CUDA kernels.
//
// One real step of one agent, in the order of DESIGN.md section 1:
//   act (epsilon-greedy, random ties) -> environment -> direct Q update -> model update ->
//   planning -> episode bookkeeping,
// with the variants of Sutton & Barto sections 8.2-8.4 (agent_params.hpp): Dyna-Q+, the
// exploration bonus in action selection only, prioritized sweeping (with or without the
// direct update), and a count-based stochastic model with sample or expected backups.
// Every function here is a pure function of its arguments and the agent's tables; randomness
// comes from the agent's Philox stream (random.hpp), so the order in which agents run, and on
// which device, cannot change a bit of the result. Floating-point expressions are written out
// step by step and built without FMA contraction, so host and device round identically.
//
// Table layout (the same on the host and on the device): every table is agent-major, agent i's
// slice starting at i * (its per-agent length); within a slice, pair p = state * n_actions +
// action, and a model slot is p * model_slots + k. The reference engine (reference_engine.cpp)
// implements the same algorithms on its own plain data structures and is the oracle these
// functions are tested against.
//
// Choices the book leaves open, made here once for every engine:
//   - Dyna-Q+ clock: tau(s, a) = real steps since (s, a) was last tried, or since the run began
//     when never tried; the clock is never reset per episode. Action selection at step t sees
//     the t steps taken before it; planning after step t sees t + 1.
//   - Dyna-Q+ planning draws uniformly over (observed state, any action) pairs: never-tried
//     actions lead back to the same state with reward 0. The bonus kappa * sqrt(tau) is added
//     to the model's reward (after the expectation, for expected backups).
//   - Prioritized sweeping keeps the last-outcome model. The queue pops the highest priority,
//     ties going to the smaller pair index; re-inserting a queued pair keeps the higher of its
//     two priorities. A planning "update" is one pair popped and backed up: at most n per real
//     step. prioritized-direct also makes the direct update (before the model update and the
//     priority of the real transition).
//   - Count-based model: each distinct outcome (next state, reward, terminated) of a pair with
//     its count, at most model_capacity of them (engines refuse a capacity below the
//     environment's need before running; overflow stops the agent with an error otherwise).
#pragma once

#include <cmath>
#include <cstdint>

#include "dynaq/agent_params.hpp"
#include "dynaq/agent_tables.hpp"
#include "dynaq/detail/agent_measures.hpp"
#include "dynaq/detail/agent_views.hpp"
#include "dynaq/detail/fresh_tables.hpp"
#include "dynaq/detail/priority_queue.hpp"
#include "dynaq/mdp_view.hpp"
#include "dynaq/platform.hpp"
#include "dynaq/random.hpp"

namespace dynaq {

// ---- Values and the one-step backup -------------------------------------------------------

DYNAQ_HD inline float max_q(const float* q_row, std::uint32_t n_actions) {
  if (n_actions == 4) {  // mazes: the same comparisons in the same order, unrolled
    float best = q_row[0];
    if (q_row[1] > best) best = q_row[1];
    if (q_row[2] > best) best = q_row[2];
    if (q_row[3] > best) best = q_row[3];
    return best;
  }
  float best = q_row[0];
  for (std::uint32_t a = 1; a < n_actions; ++a)
    if (q_row[a] > best) best = q_row[a];
  return best;
}

// r + (terminated ? 0 : gamma * max_a' Q[s'][a']).
DYNAQ_HD inline float backup_target(const float* q, std::uint32_t n_actions, float reward,
                                    std::uint32_t next_state, bool terminated, float gamma) {
  if (terminated) return reward;
  const float discounted = gamma * max_q(q + static_cast<std::uint64_t>(next_state) * n_actions, n_actions);
  return reward + discounted;
}

// Q[pair] += alpha * (target - Q[pair]).
DYNAQ_HD inline void move_toward(float* q, std::uint32_t pair, float target, float alpha) {
  const float error = target - q[pair];
  const float step = alpha * error;
  q[pair] = q[pair] + step;
}

// The one-step Q-learning backup shared by direct RL and planning.
DYNAQ_HD inline void q_backup(float* q, std::uint32_t n_actions, std::uint32_t pair, float reward,
                              std::uint32_t next_state, bool terminated, float alpha, float gamma) {
  move_toward(q, pair, backup_target(q, n_actions, reward, next_state, terminated, gamma), alpha);
}

// The Dyna-Q+ bonus kappa * sqrt(tau), in float with correctly rounded sqrt on every device.
DYNAQ_HD inline float exploration_bonus(float kappa, std::uint32_t tau) {
  return kappa * sqrtf(static_cast<float>(tau));
}

// ---- Acting --------------------------------------------------------------------------------

// argmax with ties broken uniformly at random by one 32-bit word (used only when tied).
// value(a) gives the value of action a.
template <typename ValueOf>
DYNAQ_HD inline std::uint32_t greedy_by(std::uint32_t n_actions, std::uint32_t tie_word, const ValueOf& value) {
  float best = value(0);
  std::uint32_t first = 0, ties = 1;
  for (std::uint32_t a = 1; a < n_actions; ++a) {
    const float v = value(a);
    if (v > best) {
      best = v;
      first = a;
      ties = 1;
    } else if (v == best) {
      ++ties;
    }
  }
  if (ties == 1) return first;
  std::uint32_t k = uniform_index(tie_word, ties);
  for (std::uint32_t a = first;; ++a) {
    if (value(a) == best) {
      if (k == 0) return a;
      --k;
    }
  }
}

struct QRowValue {
  const float* row;
  DYNAQ_HD float operator()(std::uint32_t a) const { return row[a]; }
};

// Q(s, a) + kappa * sqrt(tau(s, a)) at clock `now` (exercise 8.4).
struct BonusValue {
  const float* row;
  const std::uint32_t* last_tried_row;
  std::uint32_t now;
  float kappa;
  DYNAQ_HD float operator()(std::uint32_t a) const {
    return row[a] + exploration_bonus(kappa, now - last_tried_row[a]);
  }
};

// greedy_by on four values without branches on the data: the same maximum (max_q: '>' in
// action order), the same ties ('==' to it, -0 tying with +0), the same k-th tied action, and
// action 0 when Q[s][0] is NaN (nothing then compares equal to the maximum). Ties are common
// (every row starts tied) and their branches were mispredicted at nearly every real step.
DYNAQ_HD inline std::uint32_t greedy_action_of_4(const float* q_row, std::uint32_t tie_word) {
  const float best = max_q(q_row, 4);
  std::uint32_t ties = 0;
  for (std::uint32_t a = 0; a < 4; ++a) ties += q_row[a] == best ? 1u : 0u;
  const std::uint32_t k = uniform_index(tie_word, ties);
  std::uint32_t chosen = 0, seen = 0;
  for (std::uint32_t a = 0; a < 4; ++a) {
    const bool tied = q_row[a] == best;
    chosen = tied && seen == k ? a : chosen;
    seen += tied ? 1u : 0u;
  }
  return chosen;
}

DYNAQ_HD inline std::uint32_t greedy_action(const float* q_row, std::uint32_t n_actions, std::uint32_t tie_word) {
  if (n_actions == 4) return greedy_action_of_4(q_row, tie_word);
  return greedy_by(n_actions, tie_word, QRowValue{q_row});
}

DYNAQ_HD inline std::uint32_t epsilon_greedy_action(const float* q_row, std::uint32_t n_actions,
                                                    std::uint64_t epsilon_threshold,
                                                    const PhiloxBlock& act_draw) {
  if (static_cast<std::uint64_t>(act_draw.word[0]) < epsilon_threshold)
    return uniform_index(act_draw.word[1], n_actions);
  return greedy_action(q_row, n_actions, act_draw.word[2]);
}

DYNAQ_HD inline std::uint32_t choose_action(const AgentRef& agent, std::uint32_t n_actions, std::uint32_t state,
                                            std::uint32_t now, const AgentParams& params,
                                            const PhiloxBlock& act_draw) {
  const std::uint64_t row = static_cast<std::uint64_t>(state) * n_actions;
  if (!uses_bonus_in_action(params))
    return epsilon_greedy_action(agent.q + row, n_actions, params.epsilon_threshold, act_draw);
  if (static_cast<std::uint64_t>(act_draw.word[0]) < params.epsilon_threshold)
    return uniform_index(act_draw.word[1], n_actions);
  return greedy_by(n_actions, act_draw.word[2], BonusValue{agent.q + row, agent.last_tried + row, now, params.kappa});
}

// ---- Prioritized sweeping: a pair's priority (the queue is priority_queue.hpp) ----------

// |target - Q(pair)| for the pair's last-outcome model.
DYNAQ_HD inline float model_priority(const AgentRef& agent, std::uint32_t n_actions, std::uint32_t pair, float gamma) {
  const std::uint64_t slot = static_cast<std::uint64_t>(pair) * agent.model_slots;
  const std::uint32_t entry = agent.model_next[slot];
  const float target = backup_target(agent.q, n_actions, agent.model_reward[slot], entry & kStateMask,
                                     (entry & kTerminatedBit) != 0, gamma);
  return fabsf(target - agent.q[pair]);
}

// ---- Model learning ------------------------------------------------------------------------

// Records an observed outcome; false when a count-based model has no slot left for it.
DYNAQ_HD inline bool record_model(const AgentRef& agent, std::uint32_t n_actions, std::uint32_t pair,
                                  const Transition& outcome, const AgentParams& params) {
  const std::uint64_t base = static_cast<std::uint64_t>(pair) * agent.model_slots;
  const std::uint32_t entry = outcome.next_state | (outcome.terminated ? kTerminatedBit : 0u);
  if (agent.model_next[base] == kUnseen) {
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
  if (params.model == ModelKind::kLast) {
    agent.model_next[base] = entry;
    agent.model_reward[base] = outcome.reward;
    if (is_prioritized(params)) link_predecessor(agent, pair, outcome.next_state);
    return true;
  }
  for (std::uint32_t k = 0; k < params.model_capacity; ++k) {
    const std::uint32_t slot_entry = agent.model_next[base + k];
    if (slot_entry == kUnseen) {
      agent.model_next[base + k] = entry;
      agent.model_reward[base + k] = outcome.reward;
      agent.model_count[base + k] = 1;
      return true;
    }
    if (slot_entry == entry && agent.model_reward[base + k] == outcome.reward) {
      agent.model_count[base + k] += 1;
      return true;
    }
  }
  return false;
}

// ---- Planning ------------------------------------------------------------------------------

// The pair that a uniform planning draw replays.
DYNAQ_HD inline std::uint32_t planning_pair(const AgentRef& agent, std::uint32_t n_actions,
                                            const AgentParams& params, const PhiloxBlock& plan_draw) {
  const AgentCounters& c = *agent.counters;
  if (uses_bonus_in_planning(params)) {
    // Any action of an observed state, tried or not.
    if (params.planning_draw == PlanningDraw::kPairs) {
      const std::uint32_t k = uniform_index(plan_draw.word[0], c.n_observed_states * n_actions);
      return agent.observed_states[k / n_actions] * n_actions + k % n_actions;
    }
    const std::uint32_t state = agent.observed_states[uniform_index(plan_draw.word[0], c.n_observed_states)];
    return state * n_actions + uniform_index(plan_draw.word[1], n_actions);
  }
  if (params.planning_draw == PlanningDraw::kPairs)
    return agent.observed_pairs[uniform_index(plan_draw.word[0], c.n_observed_pairs)];
  const std::uint32_t state = agent.observed_states[uniform_index(plan_draw.word[0], c.n_observed_states)];
  const std::uint32_t k = uniform_index(plan_draw.word[1], agent.state_action_count[state]);
  return state * n_actions + agent.state_actions[static_cast<std::uint64_t>(state) * n_actions + k];
}

// The backup target of `pair` under the agent's model (before any exploration bonus).
DYNAQ_HD inline float model_target(const AgentRef& agent, std::uint32_t n_actions, std::uint32_t pair,
                                   const AgentParams& params, std::uint32_t outcome_word) {
  const std::uint64_t base = static_cast<std::uint64_t>(pair) * agent.model_slots;
  if (agent.model_next[base] == kUnseen)  // a never-tried action (Dyna-Q+): back to the same state, reward 0
    return backup_target(agent.q, n_actions, 0.0f, pair / n_actions, false, params.gamma);
  if (params.model == ModelKind::kLast) {
    const std::uint32_t entry = agent.model_next[base];
    return backup_target(agent.q, n_actions, agent.model_reward[base], entry & kStateMask,
                         (entry & kTerminatedBit) != 0, params.gamma);
  }
  std::uint32_t slots = 0, total = 0;
  while (slots < agent.model_slots && agent.model_next[base + slots] != kUnseen) total += agent.model_count[base + slots++];
  if (params.backup == BackupKind::kSample) {
    std::uint32_t u = uniform_index(outcome_word, total), k = 0;
    while (u >= agent.model_count[base + k]) u -= agent.model_count[base + k++];
    const std::uint32_t entry = agent.model_next[base + k];
    return backup_target(agent.q, n_actions, agent.model_reward[base + k], entry & kStateMask,
                         (entry & kTerminatedBit) != 0, params.gamma);
  }
  float expectation = 0.0f;
  for (std::uint32_t k = 0; k < slots; ++k) {
    const std::uint32_t entry = agent.model_next[base + k];
    const float p = static_cast<float>(agent.model_count[base + k]) / static_cast<float>(total);
    const float term = p * backup_target(agent.q, n_actions, agent.model_reward[base + k], entry & kStateMask,
                                         (entry & kTerminatedBit) != 0, params.gamma);
    expectation = expectation + term;
  }
  return expectation;
}

// Calls update(draw) for the n uniform planning updates after real step t, in order, where draw
// holds update j's words as rng.plan_draw(t, j, ...) gives them: an action word when drawing
// states then actions, an outcome word for a count model's sample backup (random.hpp, planning
// words). The words come from one PlanningWordStream, which makes each Philox block of the step
// once and hands its words to the updates that share it (four updates per block with one word
// each, two with two), where plan_draw makes one or two blocks for every update.
template <typename Update>
DYNAQ_HD DYNAQ_FORCEINLINE void for_each_planning_draw(const AgentRandom& rng, const AgentParams& params,
                                                       std::uint32_t t, std::uint32_t n, Update&& update) {
  const bool action_word = params.planning_draw == PlanningDraw::kStates;
  const bool outcome_word = params.model == ModelKind::kCounts && params.backup == BackupKind::kSample;
  PlanningWordStream words{rng, t};
  for (std::uint32_t j = 0; j < n; ++j) update(words.draw(action_word, outcome_word));
}

// One uniform planning update (Dyna-Q, Dyna-Q+, either model) after real step t.
DYNAQ_HD inline void planning_update(const AgentRef& agent, std::uint32_t n_actions, const AgentParams& params,
                                     std::uint32_t now, const PhiloxBlock& plan_draw) {
  const std::uint32_t pair = planning_pair(agent, n_actions, params, plan_draw);
  float target = model_target(agent, n_actions, pair, params, plan_draw.word[2]);
  if (uses_bonus_in_planning(params)) target = target + exploration_bonus(params.kappa, now - agent.last_tried[pair]);
  move_toward(agent.q, pair, target, params.alpha);
  agent.counters->planning_updates += 1;
}

// How plain_dyna_q_loop makes its random words: in batches of blocks, which the host's compiler
// vectorizes, or one block per four updates, which a GPU thread keeps in registers (a batch would
// sit in its local memory, and the batches' 64-bit lanes cost two instructions per operation there).
enum class PlanningWords { kBatched, kOneAtATime };

#if defined(__CUDA_ARCH__)
constexpr PlanningWords kPlanningWordsHere = PlanningWords::kOneAtATime;
#else
constexpr PlanningWords kPlanningWordsHere = PlanningWords::kBatched;
#endif

// Where plain_dyna_q_loop reads a pair's model entry: the agent's model tables, or (an agent
// whose model is bound to equal its environment: AgentRef::model_is_environment) the
// environment's outcome tables, whose outcome p is pair p's when every pair has one.
enum class ModelSource { kTables, kEnvironment };

// The loop of plain_dyna_q_planning. kActions and kOneSlot, when set, are the action count and a
// model of one slot per pair known at compile time (mazes), which spares index arithmetic.
// Everything the loop reads is copied into locals first: the stores to Q could otherwise alias
// alpha and gamma and force them to be read again at every update. Both ways of making the words
// give the same words, and both model sources the same entries (tests/agent_core_test.cpp runs
// them on the host).
template <std::uint32_t kActions, bool kOneSlot, PlanningWords kWords = kPlanningWordsHere,
          ModelSource kModel = ModelSource::kTables>
DYNAQ_HD DYNAQ_FORCEINLINE void plain_dyna_q_loop(const AgentRef& agent, const MdpView& env,
                                                  std::uint32_t n_actions_at_run_time, const AgentParams& params,
                                                  const AgentRandom& rng, std::uint32_t t) {
  const std::uint32_t n_actions = kActions != 0 ? kActions : n_actions_at_run_time;
  const std::uint32_t slots = kOneSlot ? 1 : agent.model_slots;
  const std::uint32_t observed = agent.counters->n_observed_pairs;
  const std::uint32_t steps = params.planning_steps;
  const float alpha = params.alpha, gamma = params.gamma;
  float* const q = agent.q;
  const std::uint32_t* const observed_pairs = agent.observed_pairs;
  const std::uint32_t* const model_next = agent.model_next;
  const float* const model_reward = agent.model_reward;
  const std::uint32_t* const env_next = env.next_state;
  const float* const env_reward = env.reward;
  const std::uint8_t* const env_terminated = env.terminated;
  const auto update = [&](std::uint32_t word) {
    const std::uint32_t pair = observed_pairs[uniform_index(word, observed)];
    if constexpr (kModel == ModelSource::kEnvironment) {
      q_backup(q, n_actions, pair, env_reward[pair], env_next[pair], env_terminated[pair] != 0, alpha, gamma);
    } else {
      const std::uint64_t slot = static_cast<std::uint64_t>(pair) * slots;
      const std::uint32_t entry = model_next[slot];
      q_backup(q, n_actions, pair, model_reward[slot], entry & kStateMask, (entry & kTerminatedBit) != 0, alpha,
               gamma);
    }
  };
  // One word per update: updates 4k..4k+3 are the four words of planning block k (random.hpp).
  if constexpr (kWords == PlanningWords::kOneAtATime) {
    std::uint32_t j = 0;
    for (std::uint32_t block = 0; steps - j >= 4; ++block, j += 4) {
      const PhiloxBlock words = rng.draw(t, kPurposePlan, block);
      update(words.word[0]);
      update(words.word[1]);
      update(words.word[2]);
      update(words.word[3]);
    }
    if (j < steps) {  // the last 1 to 3 updates take the first words of one more block
      const PhiloxBlock words = rng.draw(t, kPurposePlan, j / 4);
      update(words.word[0]);
      if (j + 1 < steps) update(words.word[1]);
      if (j + 2 < steps) update(words.word[2]);
    }
  } else {
    constexpr std::uint32_t kBatchBlocks = 16, kBatch = 4 * kBatchBlocks;
    std::uint32_t words[kBatch];
    for (std::uint32_t first = 0; first < steps; first += kBatch) {
      const std::uint32_t count = steps - first < kBatch ? steps - first : kBatch;
      rng.planning_words(t, first / 4, (count + 3) / 4, words);
      for (std::uint32_t k = 0; k < count; ++k) update(words[k]);
    }
  }
}

// The n planning updates of plain Dyna-Q (last-outcome model, uniform over observed pairs):
// what planning_update does for this case, with the variant checks left out of the loop (and on
// the host the random words made first, in batches). Same draws, same updates in the same order,
// so the same bits.
// kWords is the device's or the host's way of making the words; tests run both on the host.
template <PlanningWords kWords = kPlanningWordsHere>
DYNAQ_HD inline void plain_dyna_q_planning(const AgentRef& agent, const MdpView& env, std::uint32_t n_actions,
                                           const AgentParams& params, const AgentRandom& rng, std::uint32_t t) {
  constexpr ModelSource kEnvironment = ModelSource::kEnvironment;
  if (agent.model_is_environment) {  // one outcome per pair: one slot
    if (n_actions == 4) plain_dyna_q_loop<4, true, kWords, kEnvironment>(agent, env, n_actions, params, rng, t);
    else plain_dyna_q_loop<0, true, kWords, kEnvironment>(agent, env, n_actions, params, rng, t);
  } else if (n_actions == 4 && agent.model_slots == 1) {
    plain_dyna_q_loop<4, true>(agent, env, n_actions, params, rng, t);
  } else {
    plain_dyna_q_loop<0, false>(agent, env, n_actions, params, rng, t);
  }
  agent.counters->planning_updates += params.planning_steps;
}

// Up to n prioritized-sweeping updates: pop, back up, queue the predecessors.
DYNAQ_HD inline void prioritized_sweep(const AgentRef& agent, std::uint32_t n_actions, const AgentParams& params) {
  AgentCounters& c = *agent.counters;
  for (std::uint32_t j = 0; j < params.planning_steps && c.queue_size > 0; ++j) {
    const std::uint32_t pair = queue_pop(agent);
    const std::uint64_t slot = static_cast<std::uint64_t>(pair) * agent.model_slots;
    const std::uint32_t entry = agent.model_next[slot];
    q_backup(agent.q, n_actions, pair, agent.model_reward[slot], entry & kStateMask, (entry & kTerminatedBit) != 0,
             params.alpha, params.gamma);
    c.planning_updates += 1;
    for (std::uint32_t before = agent.predecessor_head[pair / n_actions]; before != kNone;
         before = agent.predecessor_next[before]) {
      const float priority = model_priority(agent, n_actions, before, params.gamma);
      if (priority > params.theta) queue_push(agent, before, priority);
    }
  }
}

// ---- One real step -------------------------------------------------------------------------
// agent_step is cut into three parts, in the order of DESIGN.md section 1, so that the cpu
// engine's SIMD lanes (cpu_lanes.hpp) can run the first and last of every lane through these very
// functions and the planning of plain Dyna-Q lanes as one vector loop in between:
//   act_and_learn   start-of-episode reset, act, environment, direct RL, model learning;
//   plan            the planning of the step (prioritized sweeping's queueing included);
//   end_step        the step's counters and episode bookkeeping.

// What the first part of a real step leaves for the other two.
struct RealStep {
  std::uint32_t t;     // the step's time (the random stream's)
  std::uint32_t pair;  // the pair tried
  Transition outcome;
};

struct StepResult {
  float reward;
  bool episode_ended;  // terminated or truncated by the step limit
};

// Whether the agent plans as plain Dyna-Q (last-outcome model, uniform over observed pairs):
// the case of plain_dyna_q_planning, and of the cpu engine's vector lanes.
DYNAQ_HD inline bool plans_plain_dyna_q(const AgentParams& params) {
  return params.algorithm == Algorithm::kDynaQ && params.model == ModelKind::kLast &&
         params.planning_draw == PlanningDraw::kPairs;
}

// Steps 1 to 4 of one real step: reset (when an episode starts), act, environment, direct RL, model.
DYNAQ_HD inline RealStep act_and_learn(const AgentRef& agent, const MdpView& env, const AgentParams& params,
                                       const AgentRandom& rng) {
  AgentCounters& c = *agent.counters;
  const std::uint32_t t = static_cast<std::uint32_t>(c.t);
  const std::uint32_t n_actions = env.n_actions;
  if (c.need_reset) {
    c.state = env.n_start_states > 1 ? start_state_for(env, rng.draw(t, kPurposeReset).word[0]) : env.start_state[0];
    c.episode_step = 0;
    c.episode_return = 0.0;
    c.need_reset = 0;
  }
  const std::uint32_t state = c.state;
  const std::uint32_t action = choose_action(agent, n_actions, state, t, params, rng.draw(t, kPurposeAct));
  const std::uint32_t pair = state * n_actions + action;
  const std::uint32_t env_word = outcome_count(env, pair) > 1 ? rng.draw(t, kPurposeEnv).word[0] : 0u;
  const Transition outcome = transition_for(env, pair, env_word);
  if (agent.last_tried != nullptr) agent.last_tried[pair] = t + 1;

  if (!is_prioritized(params) || params.algorithm == Algorithm::kPrioritizedDirect)
    q_backup(agent.q, n_actions, pair, outcome.reward, outcome.next_state, outcome.terminated, params.alpha,
             params.gamma);
  if (!record_model(agent, n_actions, pair, outcome, params)) {
    c.error = kAgentModelCapacityExceeded;
    c.error_pair = pair;
  }
  return RealStep{t, pair, outcome};
}

// Step 5 of one real step: the planning of every variant.
DYNAQ_HD inline void plan(const AgentRef& agent, const MdpView& env, const AgentParams& params, const AgentRandom& rng,
                          const RealStep& step) {
  const std::uint32_t n_actions = env.n_actions;
  if (is_prioritized(params)) {
    const float priority = model_priority(agent, n_actions, step.pair, params.gamma);
    if (priority > params.theta) queue_push(agent, step.pair, priority);
    prioritized_sweep(agent, n_actions, params);
  } else if (plans_plain_dyna_q(params)) {
    plain_dyna_q_planning(agent, env, n_actions, params, rng, step.t);
  } else {
    for_each_planning_draw(rng, params, step.t, params.planning_steps, [&](const PhiloxBlock& draw) {
      planning_update(agent, n_actions, params, step.t + 1, draw);
    });
  }
}

// Step 6 of one real step: the clock, the returns, and the episode's end or next state.
DYNAQ_HD inline StepResult end_step(const AgentRef& agent, const AgentParams& params, const RealStep& step) {
  AgentCounters& c = *agent.counters;
  const Transition& outcome = step.outcome;
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

// One real step of one agent (DESIGN.md section 1, steps 1 to 6, with the variants above).
DYNAQ_HD inline StepResult agent_step(const AgentRef& agent, const MdpView& env, const AgentParams& params,
                                      const AgentRandom& rng) {
  const RealStep step = act_and_learn(agent, env, params, rng);
  plan(agent, env, params, rng, step);
  return end_step(agent, params, step);
}

// ---- A whole run --------------------------------------------------------------------------

DYNAQ_HD inline bool agent_finished(const AgentCounters& c, const RunBudget& budget) {
  if (c.error != kAgentOk) return true;
  return budget.kind == BudgetKind::kEpisodes ? c.episodes_done >= budget.episodes : c.t >= budget.steps;
}

// Records the metrics of the step just taken: the episode's when it ended, the bucket's at a
// bucket's end. `env` is the environment the step was taken in.
DYNAQ_HD inline void record_step_metrics(const AgentRef& agent, const ScheduleView& schedule, const MdpView& env,
                                         const AgentParams& params, const RunBudget& budget,
                                         const AgentMetricsRef& metrics, const StepResult& step) {
  const AgentCounters& c = *agent.counters;
  if (budget.kind == BudgetKind::kEpisodes) {
    if (step.episode_ended) {
      metrics.episode_steps[c.episodes_done - 1] = c.episode_step;
      metrics.episode_return[c.episodes_done - 1] = c.episode_return;
      if (budget.greedy_rollout_limit > 0) {
        metrics.episode_planning_updates[c.episodes_done - 1] = c.planning_updates;
        metrics.episode_greedy_steps[c.episodes_done - 1] =
            greedy_rollout_steps(agent.q, schedule.at(c.t), budget.greedy_rollout_limit);
      }
    }
  } else if (c.t % budget.bucket_steps == 0 || c.t == budget.steps) {
    const std::uint64_t bucket = (c.t - 1) / budget.bucket_steps;
    metrics.bucket_cumulative_reward[bucket] = c.cumulative_reward;
    metrics.bucket_episodes[bucket] = c.episodes_done;
    if (metrics.bucket_model_error != nullptr) metrics.bucket_model_error[bucket] = model_error(agent, env, params);
  }
}

// Runs an agent for at most `max_steps` more real steps, or until its budget is spent, and
// records its metrics. Returns true when the agent has finished its run.
DYNAQ_HD inline bool advance_agent(const AgentRef& agent, const ScheduleView& schedule, const AgentParams& params,
                                   const AgentRandom& rng, const RunBudget& budget, const AgentMetricsRef& metrics,
                                   std::uint64_t max_steps) {
  AgentCounters& c = *agent.counters;
  for (std::uint64_t k = 0; k < max_steps; ++k) {
    if (agent_finished(c, budget)) return true;
    const MdpView& env = schedule.at(c.t);
    const StepResult step = agent_step(agent, env, params, rng);
    record_step_metrics(agent, schedule, env, params, budget, metrics, step);
  }
  return agent_finished(c, budget);
}

}  // namespace dynaq
