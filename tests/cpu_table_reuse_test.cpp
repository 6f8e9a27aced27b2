// The cpu engine reuses its table buffers from batch to batch and from run to run, and gives a
// new agent fresh tables there by undoing only what the previous agent of its place changed
// (agent_reset) when the place holds an agent of the same layout and tables. These tests run
// groups in sequence on one engine object, with small batches so that places are reused within a
// run too, and compare every run with the reference bit for bit: every variant (each touching its
// own tables) in one group, q_init changing between runs in its bits only (-0.0 after 0.0), a
// schedule of the same shape, stochastic environments with counts models, garnets, a change of
// the tables carried, on the scalar path and in every lane width built. They also count the
// sparse resets, so that a path that silently went back to agent_init everywhere fails here.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "dynaq/detail/cpu_engine_evidence.hpp"
#include "dynaq/detail/cpu_lanes.hpp"
#include "dynaq/engine.hpp"
#include "dynaq/environment.hpp"
#include "engine_test_support.hpp"

namespace dynaq {
namespace {

using testing_support::built_lane_widths;
using testing_support::episode_budget;
using testing_support::expect_identical;
using testing_support::point;
using testing_support::run_group;
using testing_support::step_budget;
using testing_support::with_algorithm;
using testing_support::with_counts;

// Every variant, each with its own q_init: a place that held one variant then holds another.
std::vector<AgentParams> every_variant(float q_plain, float q_other) {
  return {point(0.1f, 0.95f, 0.1, 5, q_plain),
          with_algorithm(point(0.1f, 0.95f, 0.1, 10, q_other), Algorithm::kDynaQPlus, 0.01f),
          with_algorithm(point(0.2f, 0.95f, 0.1, 5, q_plain), Algorithm::kDynaQPlusAction, 0.02f),
          with_algorithm(point(0.5f, 0.95f, 0.1, 5, q_other), Algorithm::kPrioritized, 0.0001f),
          with_algorithm(point(0.3f, 0.9f, 0.05, 7, q_plain), Algorithm::kPrioritizedDirect, 0.0f),
          with_counts(point(0.1f, 0.9f, 0.1, 6, q_other), BackupKind::kSample, 4),
          with_counts(point(0.2f, 0.9f, 0.1, 6, q_plain), BackupKind::kExpected, 4),
          point(0.2f, 0.9f, 0.1, 4, q_other, PlanningDraw::kStates),
          with_algorithm(point(0.1f, 0.95f, 0.1, 10, q_plain, PlanningDraw::kStates), Algorithm::kDynaQPlus, 0.01f),
          point(0.1f, 0.95f, 0.1, 50, q_other)};
}

AgentGroup group_of(const Environment& env, std::vector<AgentParams> points, std::uint32_t seeds, RunBudget budget,
                    std::uint64_t sweep_seed) {
  return testing_support::make_group(env, std::move(points), seeds, budget, 3, sweep_seed);
}

struct Case {
  std::string name;
  std::shared_ptr<const Environment> env;
  AgentGroup group;
};

Case make_case(const std::string& name, const std::string& spec, std::vector<AgentParams> points, std::uint32_t seeds,
               RunBudget budget, std::uint64_t sweep_seed) {
  auto env = std::make_shared<const Environment>(load_environment(spec));
  AgentGroup group = group_of(*env, std::move(points), seeds, budget, sweep_seed);
  return Case{name + " (" + spec + ")", env, group};
}

// Groups in the order one engine runs them: same layouts in a row (places reset sparsely across
// runs), q_init changing, then other shapes and tables carried, then back.
std::vector<Case> groups_in_sequence() {
  std::vector<Case> cases;
  cases.push_back(make_case("every variant, q_init 0 and 1", "dyna-maze", every_variant(0.0f, 1.0f), 2,
                            step_budget(700, 100), 11));
  cases.push_back(make_case("q_init -0 and 0: bits differ", "dyna-maze", every_variant(-0.0f, 0.0f), 2,
                            step_budget(700, 100), 12));
  cases.push_back(make_case("the same q_init again", "dyna-maze", every_variant(-0.0f, 0.0f), 2, episode_budget(6), 13));
  cases.push_back(make_case("a schedule of the same shape", "dyna-maze@300=random-maze:6x9:4",
                            every_variant(1.0f, -0.0f), 2, step_budget(900, 100), 14));
  cases.push_back(make_case("a stochastic environment", "frozen-lake-4x4", every_variant(0.5f, 0.0f), 3, episode_budget(25),
                            15));
  cases.push_back(make_case("plain Dyna-Q only: fewer tables", "dyna-maze",
                            {point(0.1f, 0.95f, 0.1, 5, 0.0f), point(0.5f, 0.9f, 0.3, 50, 1.0f)}, 5, step_budget(500, 100),
                            16));
  cases.push_back(make_case("every variant after fewer tables", "dyna-maze", every_variant(0.0f, 1.0f), 2,
                            step_budget(700, 100), 17));
  cases.push_back(make_case("a garnet", "garnet:40:5:3:2", every_variant(0.0f, 0.25f), 2, step_budget(600, 50), 18));
  cases.push_back(make_case("the garnet again, other seeds", "garnet:40:5:3:2", every_variant(0.25f, 0.0f), 2,
                            step_budget(600, 50), 19));
  return cases;
}

TEST(CpuTableReuse, GroupsInSequenceOnOneEngineMatchTheReference) {
  const std::vector<Case> cases = groups_in_sequence();
  std::vector<GroupResults> expected;
  for (const Case& c : cases) expected.push_back(run_group(*make_reference_engine(), c.group));
  for (const std::uint32_t lanes : built_lane_widths())
    for (const std::uint32_t batch : {1u, 2u, 5u}) {
      CpuEngineOptions options;
      options.threads = 2;
      options.batch_agents = batch;
      options.lanes = lanes;
      const auto engine = make_cpu_engine(options);
      for (std::size_t k = 0; k < cases.size(); ++k) {
        SCOPED_TRACE("lanes " + std::to_string(lanes) + ", batch " + std::to_string(batch) + ", " + cases[k].name);
        expect_identical(expected[k], run_group(*engine, cases[k].group), cases[k].group);
      }
      EXPECT_GT(cpu_sparse_resets(*engine), 0u);
    }
}

// The count of sparse resets follows the places: the first batch of an engine's life has fresh
// memory, later batches reuse the places of the batch before, a place beyond that batch or of
// another layout or other tables gets agent_init.
TEST(CpuTableReuse, SparseResetsWhereAPlaceHoldsAnAgentOfTheSameLayout) {
  const Environment maze = load_environment("dyna-maze");
  const Environment lake = load_environment("frozen-lake-4x4");
  CpuEngineOptions options;
  options.threads = 1;
  options.batch_agents = 2;
  const auto engine = make_cpu_engine(options);
  const AgentGroup five_plain = group_of(maze, {point(0.1f, 0.95f, 0.1, 5, 0.0f)}, 5, step_budget(200, 100), 1);
  run_group(*engine, five_plain);  // batches of 2, 2, 1: the last two reuse 2 + 1 places
  EXPECT_EQ(cpu_sparse_resets(*engine), 3u);
  run_group(*engine, five_plain);  // the place after the last batch's one is fresh: 1 + 2 + 1
  EXPECT_EQ(cpu_sparse_resets(*engine), 7u);
  AgentGroup other_q_init = five_plain;
  other_q_init.points[0].q_init = -0.0f;  // Q rewritten whole, the rest still sparse
  run_group(*engine, other_q_init);
  EXPECT_EQ(cpu_sparse_resets(*engine), 11u);
  run_group(*engine, group_of(lake, {point(0.1f, 0.95f, 0.1, 5, 0.0f)}, 5, episode_budget(3), 2));  // another shape
  EXPECT_EQ(cpu_sparse_resets(*engine), 14u);
  AgentGroup plus = five_plain;
  plus.points[0] = with_algorithm(plus.points[0], Algorithm::kDynaQPlus, 0.01f);  // more tables carried
  run_group(*engine, plus);
  EXPECT_EQ(cpu_sparse_resets(*engine), 17u);
  EXPECT_EQ(cpu_sparse_resets(*make_reference_engine()), 0u);
}

}  // namespace
}  // namespace dynaq
