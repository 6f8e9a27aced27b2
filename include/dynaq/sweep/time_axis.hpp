// The time axis of a sweep's curves: episodes under an episode budget, buckets of real steps
// under a step budget.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "dynaq/agent_params.hpp"

namespace dynaq {

// Values per agent and curve: the episodes, or the buckets.
inline std::uint64_t time_length(const RunBudget& budget) {
  return budget.kind == BudgetKind::kEpisodes ? budget.episodes : budget.n_buckets;
}

// Width of time index k: one episode, or the bucket's real steps (the last may be shorter).
inline double time_width(const RunBudget& budget, std::uint64_t k) {
  if (budget.kind == BudgetKind::kEpisodes) return 1.0;
  const std::uint64_t end = std::min<std::uint64_t>((k + 1) * budget.bucket_steps, budget.steps);
  return static_cast<double>(end - k * budget.bucket_steps);
}

// The curves' time column: its name, and its value at index k (the episode, 1-based, or the
// real steps taken by the end of the bucket).
inline std::string time_column(const RunBudget& budget) {
  return budget.kind == BudgetKind::kEpisodes ? "episode" : "step";
}
inline std::uint64_t time_label(const RunBudget& budget, std::uint64_t k) {
  return budget.kind == BudgetKind::kEpisodes ? k + 1 : std::min<std::uint64_t>((k + 1) * budget.bucket_steps, budget.steps);
}

}  // namespace dynaq
