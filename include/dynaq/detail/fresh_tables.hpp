// An agent's fresh tables, as every run starts them: written whole (agent_init, for memory that
// holds anything), or, where an agent of the same layout ran before, by undoing only what that
// agent can have changed (agent_reset: about its observed pairs, so a place in the cpu engine's
// reused batch buffers costs what the agent learned, not the size of its tables). Host/device.
#pragma once

#include <cstdint>

#include "dynaq/agent_tables.hpp"
#include "dynaq/detail/agent_views.hpp"
#include "dynaq/platform.hpp"

namespace dynaq {

// A new agent's counters: nothing done yet, a reset pending.
DYNAQ_HD inline AgentCounters fresh_counters() { return AgentCounters{0, 0, 0.0, 0.0, 0, 0, 0, 0, 0, 0, 1, kAgentOk, 0}; }

// Fresh tables: Q = q_init everywhere, an empty model and queue, and a reset pending.
DYNAQ_HD inline void agent_init(const AgentRef& agent, std::uint32_t n_states, std::uint32_t n_actions,
                                float q_init) {
  const std::uint64_t pairs = static_cast<std::uint64_t>(n_states) * n_actions;
  for (std::uint64_t p = 0; p < pairs; ++p) agent.q[p] = q_init;
  for (std::uint64_t k = 0; k < pairs * agent.model_slots; ++k) {
    agent.model_next[k] = kUnseen;
    agent.model_reward[k] = 0.0f;
    if (agent.model_count != nullptr) agent.model_count[k] = 0;
  }
  if (agent.state_action_count != nullptr)
    for (std::uint32_t s = 0; s < n_states; ++s) agent.state_action_count[s] = 0;
  if (agent.last_tried != nullptr)
    for (std::uint64_t p = 0; p < pairs; ++p) agent.last_tried[p] = 0;
  if (agent.heap_position != nullptr) {
    for (std::uint64_t p = 0; p < pairs; ++p) agent.heap_position[p] = agent.predecessor_of[p] = kNone;
    for (std::uint32_t s = 0; s < n_states; ++s) agent.predecessor_head[s] = kNone;
  }
  *agent.counters = fresh_counters();
}

// Returns tables that an agent has run in to what agent_init writes, rewriting only the entries
// that agent can have changed; `agent` holds the previous occupant's tables and counters, and the
// same tables must be carried, for the same environment shape and model slots. Every change an
// agent makes is at an observed pair (observed_pairs[0, n_observed_pairs)), at a state of one, or
// at a model next state of one, because:
//   q           direct RL updates the pair tried, which record_model then lists (a pair is listed
//               the first time its model is written, even when the model overflows later);
//               planning updates listed pairs (uniform draws, the states-then-actions draw over
//               state_actions, prioritized sweeping's queue, whose pairs are tried pairs and their
//               linked predecessors), or with Dyna-Q+ any action of a listed state
//               (observed_states): so the listed pairs, plus the rows of the listed states when
//               state lists are carried. The rest holds the occupant's q_init: when the new
//               q_init differs in its bits (-0.0 is not 0.0), Q is rewritten whole.
//   model_next, model_reward, model_count
//               written only by record_model, at the slots of the pair tried: every slot of the
//               listed pairs.
//   state_action_count
//               nonzero only at a state that record_model listed in observed_states.
//   last_tried  written only at the pair tried.
//   heap_position
//               set only for pairs queued: the pair tried and its predecessors, all listed.
//   predecessor_of, predecessor_head
//               link_predecessor moves only the pair tried; a state's head is not kNone exactly
//               while some pair's predecessor_of names it (a list is empty when its last pair
//               leaves, which a schedule can cause), so clearing the head of each listed pair's
//               predecessor_of, before predecessor_of itself, clears every head.
//   observed_pairs, observed_states, state_actions, heap_pair, heap_priority, predecessor_next,
//   predecessor_prev
//               agent_init does not write them either: they are read only below the counters'
//               lengths or through the entries above, which the new agent writes before reading.
DYNAQ_HD inline void agent_reset(const AgentRef& agent, std::uint32_t n_states, std::uint32_t n_actions,
                                 float q_init, bool q_holds_this_q_init) {
  const AgentCounters previous = *agent.counters;
  const std::uint64_t pairs = static_cast<std::uint64_t>(n_states) * n_actions;
  if (!q_holds_this_q_init)
    for (std::uint64_t p = 0; p < pairs; ++p) agent.q[p] = q_init;
  for (std::uint32_t k = 0; k < previous.n_observed_pairs; ++k) {
    const std::uint32_t pair = agent.observed_pairs[k];
    agent.q[pair] = q_init;
    const std::uint64_t base = static_cast<std::uint64_t>(pair) * agent.model_slots;
    for (std::uint32_t slot = 0; slot < agent.model_slots; ++slot) {
      agent.model_next[base + slot] = kUnseen;
      agent.model_reward[base + slot] = 0.0f;
      if (agent.model_count != nullptr) agent.model_count[base + slot] = 0;
    }
    if (agent.last_tried != nullptr) agent.last_tried[pair] = 0;
    if (agent.heap_position != nullptr) {
      const std::uint32_t linked_to = agent.predecessor_of[pair];
      if (linked_to != kNone) agent.predecessor_head[linked_to] = kNone;
      agent.heap_position[pair] = agent.predecessor_of[pair] = kNone;
    }
  }
  if (agent.observed_states != nullptr) {
    for (std::uint32_t k = 0; k < previous.n_observed_states; ++k) {
      const std::uint32_t state = agent.observed_states[k];
      agent.state_action_count[state] = 0;
      for (std::uint32_t a = 0; a < n_actions; ++a) agent.q[static_cast<std::uint64_t>(state) * n_actions + a] = q_init;
    }
  }
  *agent.counters = fresh_counters();
}

}  // namespace dynaq
