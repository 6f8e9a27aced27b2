// Small MDPs, grid points and bit-level comparisons shared by the engine tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "dynaq/detail/cpu_lanes.hpp"
#include "dynaq/engine.hpp"
#include "dynaq/mdp.hpp"
#include "dynaq/random.hpp"
#include "dynaq/same_bits.hpp"

namespace dynaq::testing_support {

// States 0..n-1 in a row, actions 0 = left, 1 = right, 2 = stay; reaching n-1 gives 1 and ends.
inline TabularMdp corridor(std::uint32_t n) {
  MdpBuilder b("corridor", n, 3);
  for (std::uint32_t s = 0; s < n; ++s) {
    if (s == n - 1) {
      for (std::uint32_t a = 0; a < 3; ++a) b.add_outcome(s, a, 1.0, s, 0.0, true);
      continue;
    }
    const std::uint32_t left = s == 0 ? 0 : s - 1, right = s + 1;
    b.add_outcome(s, 0, 1.0, left, 0.0, false);
    b.add_outcome(s, 1, 1.0, right, right == n - 1 ? 1.0 : 0.0, right == n - 1);
    b.add_outcome(s, 2, 1.0, s, 0.0, false);
  }
  b.set_initial_state(0);
  return b.build();
}

// A chain where moves slip: right goes right (0.6), stays (0.3) or goes left (0.1); left goes
// left (0.8) or right (0.2); stay stays. Same shape as corridor(n), so that they can form a schedule. Start uniform over the first three states; -0.25 per step, +2 at the end.
inline TabularMdp chain_with_slip(std::uint32_t n) {
  MdpBuilder b("slippery", n, 3);
  for (std::uint32_t s = 0; s < n; ++s) {
    const std::uint32_t left = s == 0 ? 0 : s - 1, right = s + 1 < n ? s + 1 : s;
    const auto add = [&](std::uint32_t a, double p, std::uint32_t next) {
      const bool end = next == n - 1;
      b.add_outcome(s, a, p, next, end ? 2.0 : -0.25, end);
    };
    add(1, 0.6, right);
    add(1, 0.3, s);
    add(1, 0.1, left);
    add(0, 0.8, left);
    add(0, 0.2, right);
    add(2, 1.0, s);
  }
  std::vector<double> start(n, 0.0);
  start[0] = start[1] = start[2] = 1.0 / 3.0;
  b.set_initial_distribution(start);
  return b.build();
}

// corridor(n) with a reward near the float maximum (3e38) on every move and no end: an agent's
// backups overflow Q to +infinity within a few steps, and then infinity - infinity makes NaN.
inline TabularMdp overflowing_corridor(std::uint32_t n) {
  MdpBuilder b("overflowing", n, 3);
  for (std::uint32_t s = 0; s < n; ++s) {
    const std::uint32_t left = s == 0 ? 0 : s - 1, right = s + 1 < n ? s + 1 : s;
    b.add_outcome(s, 0, 1.0, left, 3e38, false);
    b.add_outcome(s, 1, 1.0, right, 3e38, false);
    b.add_outcome(s, 2, 1.0, s, 3e38, false);
  }
  b.set_initial_state(0);
  return b.build();
}

inline GroupResults run_group(Engine& engine, const AgentGroup& group) {
  GroupResults results;
  engine.run(group, results, nullptr);
  return results;
}

inline std::uint32_t bits(float x) {
  std::uint32_t b;
  std::memcpy(&b, &x, 4);
  return b;
}
inline std::uint64_t bits(double x) {
  std::uint64_t b;
  std::memcpy(&b, &x, 8);
  return b;
}

// Distance in units in the last place between two finite floats of the same sign.
inline std::int64_t ulps(float a, float b) {
  const auto ordered = [](float x) {
    const std::int64_t i = static_cast<std::int32_t>(bits(x));
    return i < 0 ? std::int64_t{INT32_MIN} - i : i;
  };
  const std::int64_t d = ordered(a) - ordered(b);
  return d < 0 ? -d : d;
}

// How two engines' NaNs must agree: in every bit between engines on the host, which make them
// with the same instructions; only in being NaN where one ran on a GPU, which makes NaNs of
// another sign and payload (same_bits.hpp).
enum class Nans { kExactBits, kAnyNan };

template <typename T>
bool equal_as(const T& a, const T& b, Nans nans) {
  if constexpr (std::is_floating_point_v<T>)
    return nans == Nans::kAnyNan ? same_bits(a, b) : std::memcmp(&a, &b, sizeof(T)) == 0;
  else
    return a == b;
}

template <typename T>
bool equal_as(const std::vector<T>& a, const std::vector<T>& b, Nans nans) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!equal_as(a[i], b[i], nans)) return false;
  return true;
}

// The first few Q mismatches, with agent (global index), state, action, both values and ulps.
inline std::string describe_q_mismatches(const GroupResults& expected, const GroupResults& actual,
                                         const AgentGroup& group, Nans nans = Nans::kExactBits, int limit = 5) {
  std::ostringstream out;
  const std::uint64_t pairs = std::uint64_t{group.environment->n_states()} * group.environment->n_actions();
  const std::uint32_t n_actions = group.environment->n_actions();
  int shown = 0;
  std::uint64_t total = 0;
  for (std::uint64_t i = 0; i < expected.q.size() && i < actual.q.size(); ++i) {
    if (equal_as(expected.q[i], actual.q[i], nans)) continue;
    ++total;
    if (shown++ >= limit) continue;
    const std::uint64_t agent = i / pairs, pair = i % pairs;
    out.precision(9);
    out << "  agent " << group.first_agent + agent << ", state " << pair / n_actions << ", action "
        << pair % n_actions << ": expected " << expected.q[i] << ", got " << actual.q[i] << " ("
        << ulps(expected.q[i], actual.q[i]) << " ulp" << (ulps(expected.q[i], actual.q[i]) == 1 ? "" : "s") << ")\n";
  }
  if (total == 0) return "";
  return std::to_string(total) + " Q values differ; the first ones:\n" + out.str();
}

// Budgets: `count` episodes (a greedy rollout after each when rollout_limit > 0), or `count` real
// steps in buckets of `bucket`.
inline RunBudget episode_budget(std::uint32_t count, std::uint32_t rollout_limit = 0) {
  RunBudget b{BudgetKind::kEpisodes, count, 0, 0, 0};
  b.greedy_rollout_limit = rollout_limit;
  return b;
}

inline RunBudget step_budget(std::uint64_t count, std::uint64_t bucket) {
  return RunBudget{BudgetKind::kSteps, 0, count, bucket, static_cast<std::uint32_t>((count + bucket - 1) / bucket)};
}

// A group of `seeds` agents per point with its tables kept, the first global agent and the sweep
// seed as given (other streams than the defaults of other tests).
inline AgentGroup make_group(const Environment& env, std::vector<AgentParams> points, std::uint32_t seeds,
                             RunBudget budget, std::uint32_t first_agent, std::uint64_t sweep_seed) {
  AgentGroup group;
  group.environment = &env;
  group.points = std::move(points);
  group.seeds_per_point = seeds;
  group.first_agent = first_agent;
  group.sweep_seed = sweep_seed;
  group.budget = budget;
  group.keep_tables = true;
  return group;
}

// The cpu engine's lane widths this build has: 1 (the scalar path), then 8 and 16 where built.
inline std::vector<std::uint32_t> built_lane_widths() {
  std::vector<std::uint32_t> widths = {1};
  for (const std::uint32_t lanes : {8u, 16u})
    if (lane_width_supported(lanes)) widths.push_back(lanes);
  return widths;
}

// A grid point, and the variants made from one (the engine tests build their groups of these).
inline AgentParams point(float alpha, float gamma, double epsilon, std::uint32_t n, float q_init = 0.0f,
                         PlanningDraw draw = PlanningDraw::kPairs, std::uint32_t limit = 0) {
  return AgentParams{alpha, gamma, q_init, probability_threshold(epsilon), n, limit, draw};
}

inline AgentParams with_algorithm(AgentParams p, Algorithm algorithm, float kappa_or_theta) {
  p.algorithm = algorithm;
  if (algorithm == Algorithm::kPrioritized || algorithm == Algorithm::kPrioritizedDirect) p.theta = kappa_or_theta;
  else p.kappa = kappa_or_theta;
  return p;
}

inline AgentParams with_counts(AgentParams p, BackupKind backup, std::uint32_t capacity) {
  p.model = ModelKind::kCounts;
  p.backup = backup;
  p.model_capacity = capacity;
  return p;
}

// Every result array bit for bit; NaNs as `nans` says.
inline void expect_identical(const GroupResults& expected, const GroupResults& actual, const AgentGroup& group,
                             Nans nans = Nans::kExactBits) {
  EXPECT_EQ(expected.q.size(), actual.q.size());
  const std::string q_report = describe_q_mismatches(expected, actual, group, nans);
  EXPECT_TRUE(q_report.empty()) << q_report;
  EXPECT_EQ(expected.model_next, actual.model_next);
  EXPECT_EQ(expected.observed_pairs, actual.observed_pairs);
  EXPECT_EQ(expected.total_steps, actual.total_steps);
  EXPECT_EQ(expected.model_count, actual.model_count);
  EXPECT_EQ(expected.planning_updates, actual.planning_updates);
  EXPECT_TRUE(equal_as(expected.model_reward, actual.model_reward, nans)) << "model rewards differ";
  for_each_metric(expected, actual, [nans](std::uint32_t id, MetricRecorded, const auto& want, const auto& got) {
    EXPECT_TRUE(equal_as(want, got, nans)) << metric_name(id) << " differ";
  });
}

}  // namespace dynaq::testing_support
