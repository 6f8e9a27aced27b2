// The statistics of a sweep's grid points from its chunk files (analysis.hpp).
#include "dynaq/sweep/analysis.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dynaq/errors.hpp"
#include "dynaq/format.hpp"
#include "dynaq/mdp_analysis.hpp"
#include "dynaq/sweep/time_axis.hpp"
#include "dynaq/value_iteration.hpp"

namespace dynaq {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

SweepAnalysis::SweepAnalysis(const Sweep& sweep, const ChunkFiles& files, ColumnSummarizer summarize)
    : sweep_(sweep), files_(files), summarize_(std::move(summarize)) {
  for (const std::string& path : files_.paths) chunk_seconds_ += read_chunk_file(path, true).seconds;
}

const ChunkRecord& SweepAnalysis::load(std::uint32_t chunk) {
  if (loaded_chunk_ != chunk) {
    loaded_chunk_ = ~0u;
    loaded_ = read_chunk_file(files_.paths.at(chunk));
    const Chunk& c = sweep_.chunks[chunk];
    if (loaded_.first_agent != sweep_.first_agent(c) || loaded_.agents != sweep_.n_agents(c))
      throw InputError(files_.paths[chunk] + " does not match chunk " + std::to_string(chunk) + " of this sweep");
    for (const AgentMetric& m : agent_metrics(sweep_.budget.kind)) {
      const std::vector<double>* array = loaded_.find(m.name);
      const std::uint64_t expected = std::uint64_t{loaded_.agents} * (m.curve ? time_length(sweep_.budget) : 1);
      if (array == nullptr || array->size() != expected)
        throw InputError(files_.paths[chunk] + " lacks the metric '" + m.name + "' of the right size");
    }
    loaded_chunk_ = chunk;
  }
  return loaded_;
}

std::map<std::string, std::vector<double>> SweepAnalysis::agent_arrays(std::uint64_t first, std::uint64_t count) {
  std::map<std::string, std::vector<double>> out;
  const std::vector<AgentMetric> metrics = agent_metrics(sweep_.budget.kind);
  for (const AgentMetric& m : metrics) out[m.name].reserve(count * (m.curve ? time_length(sweep_.budget) : 1));
  for (std::uint32_t c : sweep_.chunks_holding(first, count)) {
    const ChunkRecord& record = load(c);
    const std::uint64_t begin = std::max(first, record.first_agent);
    const std::uint64_t end = std::min(first + count, record.first_agent + record.agents);
    for (const AgentMetric& m : metrics) {
      const std::uint64_t per_agent = m.curve ? time_length(sweep_.budget) : 1;
      const std::vector<double>& array = *record.find(m.name);
      out[m.name].insert(out[m.name].end(), array.begin() + (begin - record.first_agent) * per_agent,
                         array.begin() + (end - record.first_agent) * per_agent);
    }
  }
  return out;
}

std::vector<float> SweepAnalysis::q_tables(std::uint64_t first, std::uint64_t count) {
  std::vector<float> q;
  for (std::uint32_t c : sweep_.chunks_holding(first, count)) {
    const ChunkRecord& record = load(c);
    const std::uint64_t pairs = record.agents > 0 ? record.q.size() / record.agents : 0;
    if (q.capacity() == 0) q.reserve(count * pairs);  // no regrowth: plan_sweep counts this array once
    const std::uint64_t begin = std::max(first, record.first_agent);
    const std::uint64_t end = std::min(first + count, record.first_agent + record.agents);
    q.insert(q.end(), record.q.begin() + (begin - record.first_agent) * pairs,
             record.q.begin() + (end - record.first_agent) * pairs);
  }
  return q;
}

SweepAnalysis::Optimal SweepAnalysis::optimal_for(const GridPoint& point) {
  const std::string key = std::to_string(point.environment) + " " + format_double(point.settings.gamma) + " " +
                          std::to_string(point.max_episode_steps) + " " + format_double(point.settings.epsilon);
  auto it = optimal_cache_.find(key);
  if (it != optimal_cache_.end()) return it->second;
  const TabularMdp& mdp = *sweep_.environments[point.environment].phases.back().mdp;
  Optimal optimal{kNaN, kNaN, kNaN};
  try {
    ValueIterationOptions options;
    options.gamma = point.settings.gamma;
    const ValueIterationResult solution = value_iteration(mdp, options);
    PolicyEvaluationOptions evaluation;
    evaluation.horizon = point.max_episode_steps;
    const PolicyEvaluation best = policy_evaluation(mdp, greedy_policy(solution), evaluation);
    optimal.value_return = best.expected_return;
    optimal.value_steps = best.expected_steps;
    // 20% above what the best epsilon-greedy agent achieves: an agent whose Q is near Q* but not
    // at it (ties broken differently, values still moving) lands a few percent above.
    // Only episode budgets use it, and only when --near-optimal-steps does not set it.
    if (sweep_.budget.kind == BudgetKind::kEpisodes && !sweep_.spec.near_optimal_steps) {
      optimal.threshold = 1.2 * epsilon_greedy_steps(mdp, solution.q, point.settings.epsilon, point.max_episode_steps);
      // Episode length measures learning only where an untrained agent's episodes are longer
      // than near-optimal ones. Where the uniformly random policy (what the first episode is,
      // with ties broken at random) ends its episodes in as few steps or fewer, as on
      // FrozenLake, whose holes end episodes at once, short episodes mean failing fast: the
      // threshold means nothing and is left empty. (NaN random length: never ending, longer.)
      const double random_steps = epsilon_greedy_steps(mdp, solution.q, 1.0, point.max_episode_steps);
      if (random_steps <= optimal.threshold) optimal.threshold = kNaN;
    }
  } catch (const ConvergenceError&) {
    // gamma = 1 with reward on a never-ending cycle has no optimal value: the columns stay empty.
  }
  optimal_cache_.emplace(key, optimal);
  return optimal;
}

PointStatistics SweepAnalysis::statistics(std::uint32_t p, const AgentArrays& arrays) {
  const GridPoint& gp = sweep_.points.at(p);
  const std::uint32_t seeds = sweep_.spec.seeds;
  const std::uint64_t length = time_length(sweep_.budget);

  PointStatistics stats;
  for (const AgentMetric& m : agent_metrics(sweep_.budget.kind)) {
    const std::vector<double>& values = arrays.at(m.name);
    if (!m.curve) {
      stats.scalar_names.push_back(m.name);
      stats.scalars.push_back(summarize_sample(values));
      continue;
    }
    stats.curve_metrics.push_back(m);
    stats.curves.push_back(summarize_(values.data(), seeds, length));
    // Per agent: the value at the last episode (or bucket), and the area under its curve as a
    // step function (value times width, summed in time order).
    std::vector<double> final_values(seeds), areas(seeds);
    for (std::uint32_t s = 0; s < seeds; ++s) {
      final_values[s] = values[std::uint64_t{s} * length + length - 1];
      double area = 0.0;
      for (std::uint64_t k = 0; k < length; ++k) area += values[std::uint64_t{s} * length + k] * time_width(sweep_.budget, k);
      areas[s] = area;
    }
    stats.scalar_names.push_back(std::string("final_") + m.name);
    stats.scalars.push_back(summarize_sample(final_values));
    stats.scalar_names.push_back(std::string("auc_") + m.name);
    stats.scalars.push_back(summarize_sample(areas));
  }

  const Optimal optimal = optimal_for(gp);
  stats.optimal_return = optimal.value_return;
  stats.optimal_steps = optimal.value_steps;
  double greedy_mean = kNaN;
  for (std::size_t k = 0; k < stats.scalar_names.size(); ++k)
    if (stats.scalar_names[k] == "greedy_return") greedy_mean = stats.scalars[k].mean;
  stats.greedy_return_gap = optimal.value_return - greedy_mean;

  stats.near_optimal_threshold = kNaN;
  if (sweep_.budget.kind == BudgetKind::kEpisodes) {
    stats.near_optimal_threshold = sweep_.spec.near_optimal_steps ? *sweep_.spec.near_optimal_steps : optimal.threshold;
    const std::vector<SampleSummary>& steps = stats.curves.front();
    // The first episode from which the mean never again exceeds the threshold.
    if (!std::isnan(stats.near_optimal_threshold)) {
      std::uint64_t first = length;
      while (first > 0 && steps[first - 1].mean <= stats.near_optimal_threshold) --first;
      if (first < length) stats.episodes_to_near_optimal = static_cast<std::uint32_t>(first + 1);
    }
  }
  return stats;
}

}  // namespace dynaq
