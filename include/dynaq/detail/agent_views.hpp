// Non-owning views of the per-agent tables and metrics (agent_tables.hpp describes them): one
// agent's (AgentRef, AgentMetricsRef) and a batch's (AgentTablesView), as the per-agent core
// (agent_core.hpp) and the kernels read them. Trivially copyable: kernels take them by value.
#pragma once

#include <cstdint>

#include "dynaq/agent_tables.hpp"
#include "dynaq/platform.hpp"

namespace dynaq {

// One agent's tables (non-owning), one pointer per table of DYNAQ_AGENT_TABLES (agent_tables.hpp).
// A table the agent's batch does not carry is null.
struct AgentRef {
#define DYNAQ_TABLE_POINTER(name, type, per, need, init) type* name;
  DYNAQ_AGENT_TABLES(DYNAQ_TABLE_POINTER)
  std::uint32_t model_slots;  // slots per pair: 1, or the largest model_capacity
  AgentCounters* counters;
  // Planning reads the model's entries from the environment's tables instead of model_next and
  // model_reward, which still record them: the agent's batch says so (AgentTablesView).
  bool model_is_environment;
};

// All agents' tables of one batch (non-owning, trivially copyable: passed to kernels by value),
// agent-major. A table no agent of the batch needs is null.
struct AgentTablesView {
  std::uint32_t n_states;
  std::uint32_t n_actions;
  std::uint32_t model_slots;
  DYNAQ_AGENT_TABLES(DYNAQ_TABLE_POINTER)
  AgentCounters* counters;
  // Every agent's model is bound to equal its environment, so planning may read the environment
  // (the cuda engine sets it: model_is_environment in cuda_engine_driver.hpp).
  bool model_is_environment;

  DYNAQ_HD TableLengths lengths() const { return table_lengths(n_states, n_actions, model_slots); }
  DYNAQ_HD AgentRef agent(std::uint32_t i) const;
};
#undef DYNAQ_TABLE_POINTER

// Agent j of tables laid out with the given per-agent strides (anything with of(TablePer)): with
// v.lengths() this is v.agent(j); the shared kernel passes padded strides.
template <typename Strides>
DYNAQ_HD AgentRef agent_at(const AgentTablesView& v, std::uint32_t j, const Strides& strides,
                           AgentCounters* counters) {
  AgentRef r{};
  for_each_table(r, v, [&](std::uint32_t, TablePer per, TableNeed, auto*& mine, auto* all) {
    mine = all ? all + static_cast<std::uint64_t>(j) * strides.of(per) : nullptr;
  });
  r.model_slots = v.model_slots;
  r.counters = counters;
  r.model_is_environment = v.model_is_environment;
  return r;
}

DYNAQ_HD inline AgentRef AgentTablesView::agent(std::uint32_t i) const { return agent_at(*this, i, lengths(), counters + i); }

// Where one agent's metrics go (non-owning), one pointer per metric of DYNAQ_AGENT_METRICS: per
// episode or per bucket, null when the budget does not record it.
struct AgentMetricsRef {
#define DYNAQ_METRIC_POINTER(name, type, recorded) type* name;
  DYNAQ_AGENT_METRICS(DYNAQ_METRIC_POINTER)
#undef DYNAQ_METRIC_POINTER
};

}  // namespace dynaq
