// The per-agent metrics a sweep keeps in its chunk files, and how each is taken from what an
// engine returned.
#pragma once

#include <vector>

#include "dynaq/agent_params.hpp"
#include "dynaq/engine.hpp"

namespace dynaq {

// A per-agent metric kept in chunk files: a learning curve (one value per episode or time
// bucket) or one value per agent. Adding a metric is adding one entry to agent_metrics().
struct AgentMetric {
  const char* name;   // chunk array, CSV column stem, agent_<name>.npy
  bool curve;         // one value per episode (or bucket), else one per agent
  BudgetKind budget;  // the budget that records it (curves); scalars are always recorded
  // Copies every agent's values from what an engine returned (agent-major, as double), or
  // nullptr for the values the sweep computes from the final Q-tables (greedy_*).
  void (*extract)(const GroupResults& results, std::vector<double>& out);
};
// The metrics a sweep with this budget records, curves first.
std::vector<AgentMetric> agent_metrics(BudgetKind budget);

}  // namespace dynaq
