// The statistics of a sweep's grid points, read from its chunk files point by point, with the
// exact optimum of each environment (value iteration) beside them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dynaq/agent_metrics_store.hpp"
#include "dynaq/statistics.hpp"
#include "dynaq/sweep/chunk_files.hpp"
#include "dynaq/sweep/metrics.hpp"
#include "dynaq/sweep/plan.hpp"

namespace dynaq {

// The statistics of one grid point, over its seeds.
struct PointStatistics {
  std::vector<AgentMetric> curve_metrics;
  std::vector<std::vector<SampleSummary>> curves;  // [curve metric][episode or bucket]
  std::vector<std::string> scalar_names;           // final_*, auc_*, and per-agent scalars
  std::vector<SampleSummary> scalars;
  double optimal_return;        // of the optimal greedy policy (value iteration), exact
  double optimal_steps;         // its expected episode length
  double greedy_return_gap;     // optimal_return - mean greedy return
  double near_optimal_threshold;                      // episode budgets; NaN otherwise
  std::optional<std::uint32_t> episodes_to_near_optimal;  // 1-based; none when never
};

// Reads chunk files point by point and computes statistics; exact solutions (value iteration)
// are computed once per environment and gamma.
class SweepAnalysis {
 public:
  // Curves are summarised by `summarize` (the host's summarize_columns, or the GPU's, with the
  // same bits).
  SweepAnalysis(const Sweep& sweep, const ChunkFiles& files, ColumnSummarizer summarize = summarize_columns);
  using AgentArrays = std::map<std::string, std::vector<double>>;
  // Per-agent arrays of global agents [first, first + count): metric name -> values,
  // agent-major, read from the chunk files.
  AgentArrays agent_arrays(std::uint64_t first, std::uint64_t count);
  AgentArrays point_arrays(std::uint32_t point) {
    return agent_arrays(std::uint64_t{point} * sweep_.spec.seeds, sweep_.spec.seeds);
  }
  std::vector<float> q_tables(std::uint64_t first, std::uint64_t count);
  // The statistics of a point from its arrays (point_arrays).
  PointStatistics statistics(std::uint32_t point, const AgentArrays& arrays);
  PointStatistics point(std::uint32_t point) { return statistics(point, point_arrays(point)); }
  // Compute time recorded in the chunk files.
  double chunk_seconds() const { return chunk_seconds_; }

 private:
  struct Optimal {
    double value_return;
    double value_steps;
    double threshold;
  };
  const ChunkRecord& load(std::uint32_t chunk);
  Optimal optimal_for(const GridPoint& point);

  const Sweep& sweep_;
  ChunkFiles files_;
  ColumnSummarizer summarize_;
  std::uint32_t loaded_chunk_ = ~0u;
  ChunkRecord loaded_;
  double chunk_seconds_ = 0.0;
  std::map<std::string, Optimal> optimal_cache_;
};

}  // namespace dynaq
