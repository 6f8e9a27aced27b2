// The cpu engine's SIMD lane groups (cpu_lanes.hpp) give the reference's bits: with the widest
// lanes the build has, with lanes of 8 where that differs, and with the scalar path forced
// (lanes = 1), on one and two threads, on group shapes that stress the masks: agent counts that
// are not a multiple of the width, lane groups straddling grid points of different n, alpha,
// gamma, epsilon and q_init, plain Dyna-Q beside the variants that plan one lane at a time,
// agents finishing at different steps, schedules, stochastic environments, and Q overflowing to
// infinity and NaN. Each engine run also reports how many updates its vector loop made, so a path
// that silently stopped running vectors fails here.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dynaq/detail/agent_core.hpp"
#include "dynaq/detail/cpu_engine_evidence.hpp"
#include "dynaq/detail/cpu_lanes.hpp"
#include "dynaq/engine.hpp"
#include "dynaq/environment.hpp"
#include "dynaq/random.hpp"
#include "dynaq/same_bits.hpp"
#include "engine_test_support.hpp"

namespace dynaq {
namespace {

using testing_support::built_lane_widths;
using testing_support::episode_budget;
using testing_support::expect_identical;
using testing_support::overflowing_corridor;
using testing_support::point;
using testing_support::run_group;
using testing_support::step_budget;
using testing_support::with_algorithm;
using testing_support::with_counts;

// Points whose lane groups straddle plain Dyna-Q of n = 0, 1, 3, 5 and 50 (different alpha, gamma,
// epsilon, q_init, step limits) and every variant that plans one lane at a time.
std::vector<AgentParams> mixed_points() {
  return {point(0.1f, 0.95f, 0.1, 0),
          point(0.5f, 0.9f, 0.2, 1, 1.0f),
          point(1.0f, 1.0f, 0.0, 3, -0.5f, PlanningDraw::kPairs, 40),
          with_algorithm(point(0.1f, 0.95f, 0.1, 10), Algorithm::kDynaQPlus, 0.01f),
          point(0.37f, 0.99f, 0.5, 5),
          with_algorithm(point(0.5f, 0.95f, 0.1, 5), Algorithm::kPrioritized, 0.0001f),
          point(0.1f, 0.95f, 0.1, 50),
          point(0.2f, 0.9f, 0.1, 4, 0.0f, PlanningDraw::kStates),
          with_counts(point(0.1f, 0.9f, 0.1, 6), BackupKind::kSample, 4),
          with_algorithm(point(0.3f, 0.9f, 0.05, 7), Algorithm::kPrioritizedDirect, 0.0f),
          point(0.1f, 0.0f, 0.1, 50, 2.0f)};
}

AgentGroup group_of(const Environment& env, std::vector<AgentParams> points, std::uint32_t seeds, RunBudget budget) {
  return testing_support::make_group(env, std::move(points), seeds, budget, 5, 20261206);
}

// The planning updates of the group's plain Dyna-Q agents: what the vector loop must make.
std::uint64_t plain_planning_updates(const AgentGroup& group, const GroupResults& results) {
  std::uint64_t total = 0;
  for (std::uint32_t i = 0; i < group.n_agents(); ++i)
    if (plans_plain_dyna_q(group.params_of(i))) total += results.planning_updates[i];
  return total;
}

// The reference's bits from every lane width, on one and two threads, in one batch and in batches
// of 5 (lane groups cut short by the batch); every plain Dyna-Q update in the vector loop when the
// lanes are wider than one, none when they are not.
void expect_every_lane_width_matches_the_reference(const AgentGroup& group) {
  const GroupResults expected = run_group(*make_reference_engine(), group);
  const std::uint64_t plain = plain_planning_updates(group, expected);
  for (const std::uint32_t lanes : built_lane_widths())
    for (const int threads : {1, 2})
      for (const std::uint32_t batch : {0u, 5u}) {
        SCOPED_TRACE("lanes " + std::to_string(lanes) + ", threads " + std::to_string(threads) + ", batch " +
                     std::to_string(batch));
        CpuEngineOptions options;
        options.threads = threads;
        options.batch_agents = batch;
        options.lanes = lanes;
        const auto engine = make_cpu_engine(options);
        expect_identical(expected, run_group(*engine, group), group);
        EXPECT_EQ(cpu_lane_planned_updates(*engine), lanes > 1 ? plain : 0u);
      }
}

TEST(CpuLanes, AgentCountsThatAreNotAMultipleOfTheLaneWidth) {
  const Environment maze = load_environment("dyna-maze");
  for (const std::uint32_t agents : {1u, 15u, 17u, 33u}) {
    SCOPED_TRACE(std::to_string(agents) + " agents");
    // Episodes budgets: the agents finish at different real steps, and their lanes are masked off.
    expect_every_lane_width_matches_the_reference(group_of(maze, {point(0.1f, 0.95f, 0.1, 5)}, agents, episode_budget(4)));
  }
}

TEST(CpuLanes, GroupsStraddlingGridPointsAndVariantsByEpisodes) {
  const Environment maze = load_environment("dyna-maze");
  expect_every_lane_width_matches_the_reference(group_of(maze, mixed_points(), 3, episode_budget(5, 60)));
}

TEST(CpuLanes, GroupsStraddlingGridPointsByStepsWithBuckets) {
  const Environment maze = load_environment("dyna-maze");
  expect_every_lane_width_matches_the_reference(group_of(maze, mixed_points(), 2, step_budget(700, 64)));
}

TEST(CpuLanes, AScheduleSwitchingTheMazeMidRun) {
  const Environment schedule = load_environment("dyna-maze@300=random-maze:6x9:4");
  expect_every_lane_width_matches_the_reference(group_of(schedule, mixed_points(), 2, step_budget(900, 100)));
}

// Frozen lake's moves slip: the environment draws outcomes, and a counts model (several slots per
// pair) shares the batch with plain Dyna-Q lanes, whose model entries are then slot 0 of each pair.
TEST(CpuLanes, AStochasticEnvironmentBesideACountsModel) {
  const Environment lake = load_environment("frozen-lake-4x4");
  std::vector<AgentParams> points = {point(0.1f, 0.95f, 0.2, 5), point(0.5f, 0.99f, 0.1, 20, 0.5f),
                                     with_counts(point(0.1f, 0.95f, 0.2, 5), BackupKind::kExpected, 3)};
  expect_every_lane_width_matches_the_reference(group_of(lake, points, 7, episode_budget(30)));
}

TEST(CpuLanes, GeneratedMazesAndGarnetsOfOtherActionCounts) {
  for (const std::string spec : {"random-maze:12x15:3", "garnet:40:5:3:2", "garnet:30:2:2:9"}) {
    SCOPED_TRACE(spec);
    const Environment env = load_environment(spec);
    std::vector<AgentParams> points = {point(0.1f, 0.95f, 0.1, 50), point(0.5f, 0.9f, 0.3, 3, 1.0f),
                                       with_algorithm(point(0.1f, 0.95f, 0.1, 10), Algorithm::kDynaQPlus, 0.01f)};
    expect_every_lane_width_matches_the_reference(group_of(env, points, 6, step_budget(600, 50)));
  }
}

// Rewards near the float maximum: Q overflows to infinity, then infinity - infinity is NaN; the
// vector comparisons must treat NaN and signed zeros as max_q's '>' does.
TEST(CpuLanes, OverflowToInfinityAndNaN) {
  const Environment env = single_phase(std::make_shared<TabularMdp>(overflowing_corridor(6)), "overflowing");
  std::vector<AgentParams> points = {point(0.5f, 0.99f, 0.1, 5), point(1.0f, 1.0f, 0.3, 3),
                                     with_algorithm(point(0.5f, 0.99f, 0.1, 5), Algorithm::kPrioritized, 0.0f)};
  const AgentGroup group = group_of(env, points, 7, step_budget(200, 50));
  expect_every_lane_width_matches_the_reference(group);
  CpuEngineOptions options;
  options.threads = 1;
  const GroupResults r = run_group(*make_cpu_engine(options), group);
  std::size_t nan = 0;
  for (const float q : r.q) nan += std::isnan(q) ? 1 : 0;
  EXPECT_GT(nan, 0u) << "the case is meant to make NaN";
}

// The vector loop runs on the Dyna maze at n = 50, the workload the benchmark times: with lanes = 0
// (the widest the build has) every planning update of the group is made by it when the build has
// lanes, none otherwise, and the device names the lane width; the default engine runs the scalar
// path, and its device reads as it always did (summary.json records it).
TEST(CpuLanes, TheVectorLoopMakesEveryPlainDynaQUpdate) {
  const Environment maze = load_environment("dyna-maze");
  const AgentGroup group = group_of(maze, {point(0.1f, 0.95f, 0.1, 50)}, 20, episode_budget(3));
  CpuEngineOptions widest;
  widest.threads = 1;
  widest.lanes = 0;
  const auto engine = make_cpu_engine(widest);
  const GroupResults results = run_group(*engine, group);
  std::uint64_t total = 0;
  for (const std::uint64_t updates : results.planning_updates) total += updates;
  EXPECT_GT(total, 0u);
  EXPECT_EQ(cpu_lane_planned_updates(*engine), kWidestLanes > 1 ? total : 0u);
  EXPECT_EQ(engine->device().find(std::to_string(kWidestLanes) + " SIMD lanes") != std::string::npos, kWidestLanes > 1)
      << engine->device();

  const auto by_default = make_cpu_engine(CpuEngineOptions{});
  run_group(*by_default, group);
  EXPECT_EQ(cpu_lane_planned_updates(*by_default), 0u);
  EXPECT_EQ(by_default->device().find("SIMD"), std::string::npos) << by_default->device();
}

// Two agents' plain Dyna-Q tables, agent-major as the cpu engine lays them out.
struct TwoAgentTables {
  std::vector<float> q, model_reward;
  std::vector<std::uint32_t> model_next, observed_pairs;
  std::vector<AgentCounters> counters;
  std::vector<double> cumulative_reward;
  std::vector<std::uint32_t> episodes;
  AgentTablesView view{};

  TwoAgentTables(const Environment& env, const RunBudget& budget)
      : q(2 * env.n_states() * env.n_actions()), model_reward(q.size()), model_next(q.size()),
        observed_pairs(q.size()), counters(2), cumulative_reward(2 * budget.n_buckets), episodes(2 * budget.n_buckets) {
    view.n_states = env.n_states();
    view.n_actions = env.n_actions();
    view.model_slots = 1;
    view.q = q.data();
    view.model_reward = model_reward.data();
    view.model_next = model_next.data();
    view.observed_pairs = observed_pairs.data();
    view.counters = counters.data();
  }

  LaneAgent lane(std::uint32_t k, const AgentParams& params, const RunBudget& budget) {
    const AgentRef agent = view.agent(k);
    agent_init(agent, view.n_states, view.n_actions, params.q_init);
    AgentMetricsRef metrics{};
    metrics.bucket_cumulative_reward = cumulative_reward.data() + k * budget.n_buckets;
    metrics.bucket_episodes = episodes.data() + k * budget.n_buckets;
    return LaneAgent{agent, &params, AgentRandom::make(20261206, k), metrics};
  }
};

// A lane whose tables lie before lane 0's is out of reach of non-negative 32-bit gather offsets:
// the group then plans one lane at a time, and gives each agent the bits it has alone.
TEST(CpuLanes, TablesOutOfGatherReachArePlannedOneLaneAtATime) {
  if (kWidestLanes == 1) GTEST_SKIP() << "this build has no lanes";
  const Environment maze = load_environment("dyna-maze");
  const ScheduleView schedule = schedule_view(maze);
  const AgentParams params = point(0.1f, 0.95f, 0.1, 5);
  const RunBudget budget = step_budget(300, 100);

  TwoAgentTables alone(maze, budget);
  for (std::uint32_t k = 0; k < 2; ++k) {
    const LaneAgent a = alone.lane(k, params, budget);
    advance_agent(a.agent, schedule, params, a.rng, budget, a.metrics, ~std::uint64_t{0});
  }
  TwoAgentTables reversed(maze, budget);
  const LaneAgent lanes[2] = {reversed.lane(1, params, budget), reversed.lane(0, params, budget)};
  EXPECT_EQ(run_lane_group(lanes, 2, kWidestLanes, schedule, budget), 0u);

  EXPECT_TRUE(same_bits(alone.q, reversed.q));
  EXPECT_TRUE(same_bits(alone.cumulative_reward, reversed.cumulative_reward));
  EXPECT_EQ(alone.episodes, reversed.episodes);
  for (std::uint32_t k = 0; k < 2; ++k) {
    EXPECT_EQ(alone.counters[k].t, reversed.counters[k].t);
    EXPECT_EQ(alone.counters[k].planning_updates, reversed.counters[k].planning_updates);
  }
  EXPECT_GT(alone.counters[0].planning_updates, 0u);
}

TEST(CpuLanes, AnUnbuiltLaneWidthIsRefused) {
  CpuEngineOptions options;
  options.lanes = 3;
  EXPECT_THROW(make_cpu_engine(options), std::invalid_argument);
  EXPECT_TRUE(lane_width_supported(1));
  EXPECT_FALSE(lane_width_supported(32));
}

}  // namespace
}  // namespace dynaq
