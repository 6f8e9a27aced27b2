// Sutton & Barto chapter 8's claims about the variants, checked with many seeds:
//   figure 8.4  on the blocking maze Dyna-Q+ recovers after the switch in far more runs;
//   figure 8.5  on the shortcut maze Dyna-Q+ finds the shortcut and Dyna-Q mostly does not;
//   example 8.4 prioritized sweeping needs several times fewer updates to an optimal path;
//   and on slippery FrozenLake a count-based model's greedy policy approaches the optimal
//   success rate while the last-outcome model's does not.
#include <gtest/gtest.h>

#include <cmath>

#include "dynaq/detail/agent_core.hpp"
#include "dynaq/engine.hpp"
#include "dynaq/environment.hpp"
#include "dynaq/experiments.hpp"
#include "dynaq/maze.hpp"
#include "dynaq/random.hpp"
#include "dynaq/value_iteration.hpp"

namespace dynaq {
namespace {

// The book's settings (figure 8.4 and 8.5): alpha 1, gamma 0.95, epsilon 0.1.
AgentParams maze_params(Algorithm algorithm, std::uint32_t n, float kappa) {
  AgentParams p{1.0f, 0.95f, 0.0f, probability_threshold(0.1), n, 0, PlanningDraw::kPairs};
  p.algorithm = algorithm;
  p.kappa = kappa;
  return p;
}

GroupResults run(const Environment& env, const AgentParams& params, const RunBudget& budget, std::uint32_t seeds,
                 std::uint32_t first_agent) {
  AgentGroup group;
  group.environment = &env;
  group.points = {params};
  group.seeds_per_point = seeds;
  group.first_agent = first_agent;
  group.sweep_seed = 84;
  group.budget = budget;
  group.keep_tables = true;
  GroupResults results;
  make_cpu_engine(CpuEngineOptions{})->run(group, results, nullptr);
  return results;
}

// Episodes an agent finished in (from, to] real steps, from 100-step buckets.
std::uint32_t episodes_between(const GroupResults& r, const RunBudget& b, std::uint32_t agent, std::uint64_t from,
                               std::uint64_t to) {
  const std::uint64_t row = std::uint64_t{agent} * b.n_buckets;
  return r.bucket_episodes[row + to / b.bucket_steps - 1] - r.bucket_episodes[row + from / b.bucket_steps - 1];
}

// The greedy path length on the final maze, 0 when it does not reach the goal.
std::uint32_t greedy_path(const GroupResults& r, const Environment& env, std::uint32_t agent) {
  const std::uint64_t pairs = std::uint64_t{env.n_states()} * env.n_actions();
  return greedy_rollout_steps(&r.q[agent * pairs], env.phases.back().mdp->view(), 100);
}

TEST(AlgorithmVariants, BlockingMazeDynaQPlusRecoversInFarMoreRuns) {
  const Environment env = load_environment("blocking-maze");
  const RunBudget budget{BudgetKind::kSteps, 0, 3000, 100, 30};
  const std::uint32_t seeds = 200;
  const GroupResults dyna_q = run(env, maze_params(Algorithm::kDynaQ, 10, 1e-4f), budget, seeds, 0);
  const GroupResults dyna_q_plus = run(env, maze_params(Algorithm::kDynaQPlus, 10, 1e-4f), budget, seeds, seeds);
  // Recovered: at least 5 episodes in the 1000 steps after the wall moved (step 1000).
  std::uint32_t recovered_q = 0, recovered_plus = 0;
  for (std::uint32_t i = 0; i < seeds; ++i) {
    recovered_q += episodes_between(dyna_q, budget, i, 1000, 2000) >= 5;
    recovered_plus += episodes_between(dyna_q_plus, budget, i, 1000, 2000) >= 5;
  }
  EXPECT_GT(recovered_plus, 140u) << "Dyna-Q+ recovered in " << recovered_plus << "/" << seeds;
  EXPECT_GT(recovered_plus, 2 * recovered_q) << "Dyna-Q+ " << recovered_plus << ", Dyna-Q " << recovered_q;
}

TEST(AlgorithmVariants, ShortcutMazeDynaQPlusTakesTheShortcutAndDynaQMostlyDoesNot) {
  const Environment env = load_environment("shortcut-maze");
  const RunBudget budget{BudgetKind::kSteps, 0, 6000, 100, 60};
  const std::uint32_t seeds = 60;
  const GroupResults dyna_q = run(env, maze_params(Algorithm::kDynaQ, 50, 1e-3f), budget, seeds, 0);
  const GroupResults dyna_q_plus = run(env, maze_params(Algorithm::kDynaQPlus, 50, 1e-3f), budget, seeds, seeds);
  const std::uint32_t shortcut = maze_shortest_path(load_maze_layouts("shortcut-maze").back());
  ASSERT_EQ(shortcut, 10u);
  std::uint32_t short_q = 0, short_plus = 0;
  for (std::uint32_t i = 0; i < seeds; ++i) {
    const std::uint32_t q = greedy_path(dyna_q, env, i), plus = greedy_path(dyna_q_plus, env, i);
    short_q += q != 0 && q <= shortcut + 1;
    short_plus += plus != 0 && plus <= shortcut + 1;
  }
  EXPECT_GT(short_plus, seeds * 6 / 10) << "Dyna-Q+ took the shortcut in " << short_plus << "/" << seeds;
  EXPECT_LT(short_q, seeds / 10) << "Dyna-Q took the shortcut in " << short_q << "/" << seeds;
}

TEST(AlgorithmVariants, Example84PrioritizedSweepingNeedsSeveralTimesFewerUpdates) {
  Example84Options options;
  options.max_resolution = 3;
  options.seeds = 10;
  auto engine = make_cpu_engine(CpuEngineOptions{});
  const auto rows = run_example_8_4(options, *engine);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].shortest_path, 14u);
  for (const Example84Row& row : rows) {
    const double dyna = row.algorithms[0].median_updates, prioritized = row.algorithms[1].median_updates;
    EXPECT_TRUE(std::isfinite(prioritized)) << "resolution " << row.resolution;
    EXPECT_GT(dyna, 3.0 * prioritized) << "resolution " << row.resolution << ": Dyna-Q " << dyna
                                       << ", prioritized " << prioritized;
  }
  EXPECT_LT(rows[0].algorithms[1].median_updates, rows[2].algorithms[1].median_updates) << "larger mazes need more";
}

TEST(AlgorithmVariants, SlipperyFrozenLakeCountModelApproachesTheOptimumAndLastOutcomeDoesNot) {
  const Environment env = load_environment("frozen-lake-4x4");
  const TabularMdp& lake = env.first();
  ValueIterationOptions solve;
  solve.gamma = 0.99;
  const double optimal = policy_evaluation(lake, greedy_policy(value_iteration(lake, solve))).expected_return;
  ASSERT_NEAR(optimal, 0.74, 0.01);
  AgentParams last{0.1f, 0.99f, 0.0f, probability_threshold(0.2), 20, 100, PlanningDraw::kPairs};
  AgentParams counts = last;
  counts.model = ModelKind::kCounts;
  counts.backup = BackupKind::kExpected;
  counts.model_capacity = 3;
  const RunBudget budget{BudgetKind::kEpisodes, 1000, 0, 0, 0};
  const std::uint32_t seeds = 40;
  const auto success = [&](const GroupResults& r, std::uint32_t agent) {
    const std::vector<double> q(r.q.begin() + agent * 64, r.q.begin() + (agent + 1) * 64);
    return policy_evaluation(lake, greedy_policy(q, 16, 4)).expected_return;
  };
  const GroupResults with_counts = run(env, counts, budget, seeds, 0);
  const GroupResults with_last = run(env, last, budget, seeds, seeds);
  std::uint32_t near_counts = 0, near_last = 0;
  double mean_counts = 0.0, mean_last = 0.0;
  for (std::uint32_t i = 0; i < seeds; ++i) {
    const double c = success(with_counts, i), l = success(with_last, i);
    near_counts += c > optimal - 0.05;
    near_last += l > optimal - 0.05;
    mean_counts += c / seeds;
    mean_last += l / seeds;
  }
  EXPECT_GT(mean_counts, optimal - 0.05) << "count-based model";
  EXPECT_GT(near_counts, seeds * 8 / 10);
  EXPECT_LT(mean_last, optimal - 0.2) << "last-outcome model";
  EXPECT_LT(near_last, seeds / 5);
}

TEST(AlgorithmVariants, PlanningForANewGoalWithTheLearnedModelBeatsStartingFromScratch) {
  NewTaskOptions options;
  options.seeds = 30;
  options.episodes = 30;
  options.planning_updates = 20000;
  options.scratch_episodes = 1;
  auto engine = make_cpu_engine(CpuEngineOptions{});
  const NewTaskResult r = run_new_task(options, *engine);
  EXPECT_EQ(r.optimal_steps, 11.0);  // S (2,0) to the new goal (5,8): 3 down, 8 right
  EXPECT_GT(r.transferred.solved, options.seeds * 8 / 10);
  EXPECT_GT(r.transferred.mean_return, 0.8);
  EXPECT_LT(r.scratch.solved, r.transferred.solved);
}

}  // namespace
}  // namespace dynaq
