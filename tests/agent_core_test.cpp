// Pieces of the shared per-agent core (agent_core.hpp) that have a faster twin, or a twin that
// only the GPU compiles: each must give the same answer, and here both run on the host.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <limits>
#include <vector>

#include "dynaq/detail/agent_core.hpp"

namespace dynaq {
namespace {

// Every row of four values from {-inf, -1, -0, +0, 1, +inf, NaN} (7^4 = 2401 rows: ties of every
// size and position, signed zeros, infinities, NaN first or later), with tie words that pick
// every tied action.
TEST(AgentCore, TheBranchFreeGreedyActionOfFourIsGreedyBy) {
  const float inf = std::numeric_limits<float>::infinity();
  const float values[] = {-inf, -1.0f, -0.0f, 0.0f, 1.0f, inf, std::numeric_limits<float>::quiet_NaN()};
  const std::uint32_t tie_words[] = {0u, 0x3FFFFFFFu, 0x40000000u, 0x55555556u, 0x80000000u, 0xAAAAAAABu,
                                     0xC0000000u, 0xFFFFFFFFu};
  int rows = 0;
  for (const float a : values)
    for (const float b : values)
      for (const float c : values)
        for (const float d : values) {
          const float row[4] = {a, b, c, d};
          for (const std::uint32_t word : tie_words)
            ASSERT_EQ(greedy_action_of_4(row, word), greedy_by(4, word, QRowValue{row}))
                << "row " << a << " " << b << " " << c << " " << d << ", tie word " << word;
          ++rows;
        }
  EXPECT_EQ(rows, 2401);
}

// The GPU's planning loop draws one block per four updates; the host's makes them in batches. Both
// run here through plain_dyna_q_planning's dispatch, for 4 actions (the maze-shaped loop) and 3
// (the general one), reading the model tables or (model_is_environment, as the cuda engine runs
// agents whose model is bound to equal their environment) an environment whose outcome p is the
// model's entry for pair p: every device combination, from the same tables, every Q bit the same.
// The general loop of several model slots is run on the same entries too.
template <std::uint32_t kActions>
void expect_every_planning_loop_alike() {
  constexpr std::uint32_t kStates = 6, kPairs = kStates * kActions;
  struct Tables {
    std::vector<float> q = std::vector<float>(kPairs);
    std::vector<std::uint32_t> model_next = std::vector<std::uint32_t>(kPairs);
    std::vector<float> model_reward = std::vector<float>(kPairs);
    std::vector<std::uint32_t> observed = std::vector<std::uint32_t>(kPairs);
    AgentCounters counters{};
    AgentRef ref() {
      AgentRef a{};
      a.q = q.data();
      a.model_next = model_next.data();
      a.model_reward = model_reward.data();
      a.model_slots = 1;
      a.observed_pairs = observed.data();
      a.counters = &counters;
      return a;
    }
  };
  Tables start;
  std::mt19937 random(3);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  for (std::uint32_t p = 0; p < kPairs; ++p) {
    start.q[p] = value(random);
    const std::uint32_t next = random() % kStates;
    start.model_next[p] = p % 7 == 0 ? (next | kTerminatedBit) : next;  // some outcomes end
    start.model_reward[p] = value(random);
    start.observed[p] = (p * 5) % kPairs;
  }
  start.counters.n_observed_pairs = 17;
  // The environment the model is bound to: one outcome per pair, pair p's being the model's entry.
  std::vector<std::uint32_t> env_next(kPairs);
  std::vector<std::uint8_t> env_terminated(kPairs);
  for (std::uint32_t p = 0; p < kPairs; ++p) {
    env_next[p] = start.model_next[p] & kStateMask;
    env_terminated[p] = (start.model_next[p] & kTerminatedBit) != 0 ? 1 : 0;
  }
  MdpView env{};
  env.n_states = kStates;
  env.n_actions = kActions;
  env.next_state = env_next.data();
  env.reward = start.model_reward.data();
  env.terminated = env_terminated.data();
  const AgentRandom rng = AgentRandom::make(2026, 41);
  // Every tail of a block of four (n mod 4 = 0..3), less than one batch, and three batches.
  for (const std::uint32_t n : {1u, 2u, 3u, 4u, 5u, 6u, 7u, 63u, 64u, 65u, 150u, 151u}) {
    const AgentParams params{0.3f, 0.9f, 0.0f, 0, n, 0, PlanningDraw::kPairs};
    const auto planned = [&](PlanningWords words, bool from_environment) {
      Tables t = start;
      if (from_environment) {  // scrambled: the environment alone must give the entries
        std::fill(t.model_next.begin(), t.model_next.end(), kUnseen);
        std::fill(t.model_reward.begin(), t.model_reward.end(), 99.0f);
      }
      AgentRef agent = t.ref();
      agent.model_is_environment = from_environment;
      if (words == PlanningWords::kBatched)
        plain_dyna_q_planning<PlanningWords::kBatched>(agent, env, kActions, params, rng, 77);
      else
        plain_dyna_q_planning<PlanningWords::kOneAtATime>(agent, env, kActions, params, rng, 77);
      EXPECT_EQ(t.counters.planning_updates, n);
      return t.q;
    };
    const std::vector<float> expected = planned(PlanningWords::kBatched, false);
    EXPECT_NE(std::memcmp(expected.data(), start.q.data(), kPairs * sizeof(float)), 0) << "n " << n << ": Q updated";
    for (const PlanningWords words : {PlanningWords::kBatched, PlanningWords::kOneAtATime})
      for (const bool from_environment : {false, true}) {
        const std::vector<float> q = planned(words, from_environment);
        EXPECT_EQ(std::memcmp(expected.data(), q.data(), kPairs * sizeof(float)), 0)
            << "n " << n << ", words " << (words == PlanningWords::kBatched ? "batched" : "one block at a time")
            << ", model from the " << (from_environment ? "environment" : "tables");
      }
    // Two model slots per pair, the entries in the first: the general loop.
    Tables two_slots = start;
    std::vector<std::uint32_t> next2(2 * kPairs, kUnseen);
    std::vector<float> reward2(2 * kPairs, 0.0f);
    for (std::uint32_t p = 0; p < kPairs; ++p) {
      next2[2 * p] = start.model_next[p];
      reward2[2 * p] = start.model_reward[p];
    }
    AgentRef agent = two_slots.ref();
    agent.model_next = next2.data();
    agent.model_reward = reward2.data();
    agent.model_slots = 2;
    plain_dyna_q_loop<0, false, PlanningWords::kOneAtATime>(agent, env, kActions, params, rng, 77);
    EXPECT_EQ(std::memcmp(expected.data(), two_slots.q.data(), kPairs * sizeof(float)), 0) << "n " << n << ", 2 slots";
  }
}

TEST(AgentCore, EveryPlanningLoopGivesTheSameUpdates) {
  expect_every_planning_loop_alike<4>();
  expect_every_planning_loop_alike<3>();
}

// The general planning loop makes each planning block once and hands its words out in turn. With
// w = 1, 2 and 3 words per update (a block serving four updates, two, or updates straddling two
// blocks: with w = 3, updates j = 1, 2 mod 4) and every n from 0 to 13 (every tail of a block),
// there are n updates and update j gets plan_draw's words for j, in plan_draw's places (so the
// loop also picks each variant's w right).
TEST(AgentCore, ThePlanningLoopHandsEachUpdatePlanDrawsWords) {
  struct Variant {
    const char* name;
    PlanningDraw draw;
    ModelKind model;
    bool action_word, outcome_word;
  };
  const Variant variants[] = {
      {"w = 1 (pairs)", PlanningDraw::kPairs, ModelKind::kLast, false, false},
      {"w = 2 (states then actions)", PlanningDraw::kStates, ModelKind::kLast, true, false},
      {"w = 2 (pairs, counts model's sample)", PlanningDraw::kPairs, ModelKind::kCounts, false, true},
      {"w = 3 (states then actions, counts model's sample)", PlanningDraw::kStates, ModelKind::kCounts, true, true},
  };
  const AgentRandom rng = AgentRandom::make(0xFEDCBA9876543210ull, 12);
  const std::uint32_t t = 345;
  for (const Variant& v : variants) {
    AgentParams params{0.1f, 0.95f, 0.0f, 0, 0, 0, v.draw};
    params.algorithm = Algorithm::kDynaQPlus;
    params.model = v.model;
    params.backup = BackupKind::kSample;
    for (std::uint32_t n = 0; n <= 13; ++n) {
      std::vector<PhiloxBlock> handed;
      for_each_planning_draw(rng, params, t, n, [&](const PhiloxBlock& draw) { handed.push_back(draw); });
      ASSERT_EQ(handed.size(), n) << v.name;
      for (std::uint32_t j = 0; j < n; ++j) {
        const PhiloxBlock expected = rng.plan_draw(t, j, v.action_word, v.outcome_word);
        for (int k = 0; k < 3; ++k)
          EXPECT_EQ(handed[j].word[k], expected.word[k]) << v.name << ", n " << n << ", update " << j << ", word " << k;
      }
    }
  }
}

}  // namespace
}  // namespace dynaq
