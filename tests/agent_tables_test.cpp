// The descriptor lists of agent_tables.hpp, and what is generated from them: the views, the
// byte counts and the metrics a budget records.
#include "dynaq/agent_tables.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include "dynaq/detail/agent_core.hpp"
#include "dynaq/detail/agent_kernels.hpp"
#include "dynaq/detail/fresh_tables.hpp"
#include "dynaq/engine.hpp"
#include "dynaq/environment.hpp"
#include "dynaq/random.hpp"

namespace dynaq {
namespace {

AgentParams params_of(Algorithm algorithm, ModelKind model, PlanningDraw draw) {
  AgentParams p{0.1f, 0.95f, 0.0f, probability_threshold(0.1), 5, 0, draw};
  p.algorithm = algorithm;
  p.model = model;
  p.model_capacity = 3;
  return p;
}

TEST(AgentTables, EveryTableIsVisitedOnceInListOrder) {
  AgentTablesView v{};
  std::vector<std::uint32_t> ids;
  for_each_table(v, v, [&](std::uint32_t id, TablePer per, TableNeed need, auto*&, auto*&) {
    ids.push_back(id);
    EXPECT_EQ(per, table_per(id)) << table_name(id);
    EXPECT_EQ(need, table_need(id)) << table_name(id);
    EXPECT_EQ(table_element_bytes(id), 4u) << table_name(id);
  });
  ASSERT_EQ(ids.size(), kTableCount);
  for (std::uint32_t k = 0; k < kTableCount; ++k) EXPECT_EQ(ids[k], k);
  EXPECT_STREQ(table_name(table_id::q), "q");
  EXPECT_STREQ(table_name(table_id::predecessor_of), "predecessor_of");
  // The views hold one pointer per table and nothing unexpected beside them: AgentRef's model
  // slots, counters and model_is_environment flag.
  static_assert(sizeof(AgentRef) == (kTableCount + 2) * sizeof(void*) + sizeof(void*));
  static_assert(sizeof(AgentMetricsRef) == kMetricCount * sizeof(void*));
}

TEST(AgentTables, EachAlgorithmNeedsItsOwnTables) {
  const auto needs = [](const AgentParams& p) {
    std::vector<TableNeed> out;
    for (TableNeed n : {TableNeed::kCounts, TableNeed::kStateLists, TableNeed::kLastTried, TableNeed::kQueue})
      if (agent_needs(p, n)) out.push_back(n);
    return out;
  };
  using V = std::vector<TableNeed>;
  EXPECT_EQ(needs(params_of(Algorithm::kDynaQ, ModelKind::kLast, PlanningDraw::kPairs)), V{});
  EXPECT_EQ(needs(params_of(Algorithm::kDynaQ, ModelKind::kLast, PlanningDraw::kStates)), V{TableNeed::kStateLists});
  EXPECT_EQ(needs(params_of(Algorithm::kDynaQ, ModelKind::kCounts, PlanningDraw::kPairs)), V{TableNeed::kCounts});
  EXPECT_EQ(needs(params_of(Algorithm::kDynaQPlus, ModelKind::kLast, PlanningDraw::kPairs)),
            (V{TableNeed::kStateLists, TableNeed::kLastTried}));
  EXPECT_EQ(needs(params_of(Algorithm::kDynaQPlusAction, ModelKind::kLast, PlanningDraw::kPairs)),
            V{TableNeed::kLastTried});
  EXPECT_EQ(needs(params_of(Algorithm::kPrioritized, ModelKind::kLast, PlanningDraw::kPairs)), V{TableNeed::kQueue});
  EXPECT_EQ(needs(params_of(Algorithm::kPrioritizedDirect, ModelKind::kLast, PlanningDraw::kPairs)),
            V{TableNeed::kQueue});
  EXPECT_TRUE(agent_needs(params_of(Algorithm::kPrioritized, ModelKind::kLast, PlanningDraw::kPairs), TableNeed::kAlways));
}

// The bytes an agent's tables take, counted by hand from the table list: Q and the observed
// pairs per pair, next state and reward per model slot (and a count with a counts model), the
// state lists (two per state, one per pair), the Dyna-Q+ clock per pair, the queue (six per pair,
// one per state), and the counters.
TEST(AgentTables, BytesPerAgentAreTheNeededTablesAndTheCounters) {
  const Environment env = load_environment("dyna-maze");
  const std::uint64_t states = env.n_states(), pairs = states * env.n_actions(), counters = sizeof(AgentCounters);
  const auto bytes = [&](const std::vector<AgentParams>& points) {
    AgentGroup group;
    group.environment = &env;
    group.points = points;
    group.seeds_per_point = 1;
    return group.table_bytes_per_agent();
  };
  const AgentParams dyna_q = params_of(Algorithm::kDynaQ, ModelKind::kLast, PlanningDraw::kPairs);
  const AgentParams counts = params_of(Algorithm::kDynaQ, ModelKind::kCounts, PlanningDraw::kPairs);
  const AgentParams plus = params_of(Algorithm::kDynaQPlus, ModelKind::kLast, PlanningDraw::kPairs);
  const AgentParams sweeping = params_of(Algorithm::kPrioritized, ModelKind::kLast, PlanningDraw::kPairs);
  EXPECT_EQ(bytes({dyna_q}), pairs * 8 + pairs * 8 + counters);
  EXPECT_EQ(bytes({counts}), pairs * 8 + pairs * 3 * 12 + counters);
  EXPECT_EQ(bytes({plus}), pairs * 8 + pairs * 8 + (pairs * 4 + states * 8) + pairs * 4 + counters);
  EXPECT_EQ(bytes({sweeping}), pairs * 8 + pairs * 8 + (pairs * 24 + states * 4) + counters);
  // A group carries what any of its points needs.
  EXPECT_EQ(bytes({dyna_q, sweeping, counts}), pairs * 8 + pairs * 3 * 12 + (pairs * 24 + states * 4) + counters);
}

// What agent_init writes: Q, the model's next state and reward (and its counts with a counts
// model), the Dyna-Q+ state counts and clock, the queue's positions and the predecessor heads and
// links, and the counters; not the lists that the agent fills as it goes.
TEST(AgentTables, InitBytesPerAgentAreTheTablesWrittenWholeAndTheCounters) {
  const Environment env = load_environment("dyna-maze");
  const std::uint64_t states = env.n_states(), pairs = states * env.n_actions(), counters = sizeof(AgentCounters);
  const auto bytes = [&](const AgentParams& point) {
    AgentGroup group;
    group.environment = &env;
    group.points = {point};
    group.seeds_per_point = 1;
    return group.init_bytes_per_agent();
  };
  const std::uint64_t dyna_q = bytes(params_of(Algorithm::kDynaQ, ModelKind::kLast, PlanningDraw::kPairs));
  EXPECT_EQ(dyna_q, pairs * 12 + counters);  // Q, model_next, model_reward: one slot per pair
  EXPECT_EQ(bytes(params_of(Algorithm::kDynaQ, ModelKind::kCounts, PlanningDraw::kPairs)),
            pairs * 4 + pairs * 3 * 12 + counters);
  EXPECT_EQ(bytes(params_of(Algorithm::kDynaQPlus, ModelKind::kLast, PlanningDraw::kPairs)),
            pairs * 12 + states * 4 + pairs * 4 + counters);
  const std::uint64_t sweeping = bytes(params_of(Algorithm::kPrioritized, ModelKind::kLast, PlanningDraw::kPairs));
  EXPECT_EQ(sweeping, pairs * 12 + (pairs * 8 + states * 4) + counters);
  EXPECT_GT(sweeping, dyna_q);
}

// agent_init keeps to the table list's init column: for groups that between them carry every
// table, each carried table is filled with a poison pattern, then agent_init must have rewritten
// every element of the tables marked kWhole and left every byte of those marked kOnUse alone.
TEST(AgentTables, AgentInitWritesTheTablesMarkedWholeAndNoOthers) {
  const Environment env = load_environment("dyna-maze");
  const std::uint32_t n_states = env.n_states(), n_actions = env.n_actions();
  constexpr unsigned char kPoison = 0xA5;  // 0xA5A5A5A5: none of what agent_init writes below
  const float q_init = 0.5f;
  const AgentParams dyna_q = params_of(Algorithm::kDynaQ, ModelKind::kLast, PlanningDraw::kPairs);
  const AgentParams counts = params_of(Algorithm::kDynaQ, ModelKind::kCounts, PlanningDraw::kPairs);
  const AgentParams state_draws = params_of(Algorithm::kDynaQ, ModelKind::kLast, PlanningDraw::kStates);
  const AgentParams plus = params_of(Algorithm::kDynaQPlus, ModelKind::kLast, PlanningDraw::kPairs);
  const AgentParams plus_action = params_of(Algorithm::kDynaQPlusAction, ModelKind::kLast, PlanningDraw::kPairs);
  const AgentParams sweeping = params_of(Algorithm::kPrioritized, ModelKind::kLast, PlanningDraw::kPairs);
  const AgentParams direct = params_of(Algorithm::kPrioritizedDirect, ModelKind::kLast, PlanningDraw::kPairs);
  const std::vector<std::vector<AgentParams>> groups = {
      {dyna_q}, {counts}, {state_draws}, {plus}, {plus_action}, {sweeping}, {direct}, {counts, plus, sweeping}};
  std::vector<bool> checked(kTableCount, false);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    SCOPED_TRACE("group " + std::to_string(g));
    AgentGroup group;
    group.environment = &env;
    group.points = groups[g];
    group.seeds_per_point = 1;
    const TableLengths lengths = table_lengths(n_states, n_actions, group.model_slots());
    std::vector<std::vector<unsigned char>> memory(kTableCount);
    AgentCounters counters;
    std::fill_n(reinterpret_cast<unsigned char*>(&counters), sizeof counters, kPoison);
    AgentRef agent{};
    agent.model_slots = group.model_slots();
    agent.counters = &counters;
    for_each_table(agent, agent, [&](std::uint32_t id, TablePer per, TableNeed need, auto*& field, auto*&) {
      if (!group.needs(need)) return;  // not carried: null, as in a batch of the group
      memory[id].assign(lengths.of(per) * table_element_bytes(id), kPoison);
      using T = std::remove_pointer_t<std::remove_reference_t<decltype(field)>>;
      field = reinterpret_cast<T*>(memory[id].data());
    });

    agent_init(agent, n_states, n_actions, q_init);

    std::uint64_t written = sizeof(AgentCounters);
    for (std::uint32_t id = 0; id < kTableCount; ++id) {
      const std::vector<unsigned char>& table = memory[id];
      if (table.empty()) continue;
      checked[id] = true;
      const auto poison = [](unsigned char byte) { return byte == kPoison; };
      if (table_init(id) == TableInit::kWhole) {
        std::uint64_t left = 0;  // elements still all poison
        for (std::size_t at = 0; at < table.size(); at += table_element_bytes(id))
          left += std::all_of(table.begin() + at, table.begin() + at + table_element_bytes(id), poison);
        EXPECT_EQ(left, 0u) << table_name(id) << " is marked kWhole, but agent_init left elements unwritten";
        written += table.size();
      } else {
        EXPECT_TRUE(std::all_of(table.begin(), table.end(), poison))
            << table_name(id) << " is marked kOnUse, but agent_init wrote to it";
      }
    }
    // The lengths below which the kOnUse tables are read start at zero.
    EXPECT_EQ(counters.n_observed_pairs, 0u);
    EXPECT_EQ(counters.n_observed_states, 0u);
    EXPECT_EQ(counters.queue_size, 0u);
    EXPECT_EQ(counters.need_reset, 1u);
    EXPECT_EQ(written, group.init_bytes_per_agent());
  }
  for (std::uint32_t id = 0; id < kTableCount; ++id)
    EXPECT_TRUE(checked[id]) << table_name(id) << ": no group above carries it, so nothing checks its init column";
}

// One agent's tables, as a batch of `group` carries them, in memory of its own.
struct OneAgent {
  std::vector<std::vector<unsigned char>> memory = std::vector<std::vector<unsigned char>>(kTableCount);
  AgentCounters counters{};
  AgentRef agent{};

  explicit OneAgent(const AgentGroup& group) {
    const TableLengths lengths =
        table_lengths(group.environment->n_states(), group.environment->n_actions(), group.model_slots());
    agent.model_slots = group.model_slots();
    agent.counters = &counters;
    for_each_table(agent, agent, [&](std::uint32_t id, TablePer per, TableNeed need, auto*& field, auto*&) {
      if (!group.needs(need)) return;
      memory[id].assign(lengths.of(per) * table_element_bytes(id), 0xA5);
      using T = std::remove_pointer_t<std::remove_reference_t<decltype(field)>>;
      field = reinterpret_cast<T*>(memory[id].data());
    });
  }
  OneAgent(const OneAgent&) = delete;
  OneAgent& operator=(const OneAgent&) = delete;
};

// agent_reset, after an agent has learned for 2000 steps, gives every table agent_init writes
// whole, and the counters, the bytes of a fresh agent_init: for every variant, on a maze, a
// stochastic environment, a schedule and a garnet, with the new agent's q_init the same as the
// old one's, the same but for its sign bit (-0.0 after 0.0, where Q must be rewritten whole), and
// another. (The engines' parity tests check whole runs on reset tables; this checks the tables.)
TEST(AgentTables, AgentResetAfterLearningGivesWhatAgentInitWrites) {
  const std::vector<AgentParams> variants = {
      params_of(Algorithm::kDynaQ, ModelKind::kLast, PlanningDraw::kPairs),
      params_of(Algorithm::kDynaQ, ModelKind::kCounts, PlanningDraw::kPairs),
      params_of(Algorithm::kDynaQ, ModelKind::kLast, PlanningDraw::kStates),
      params_of(Algorithm::kDynaQPlus, ModelKind::kLast, PlanningDraw::kPairs),
      params_of(Algorithm::kDynaQPlus, ModelKind::kLast, PlanningDraw::kStates),
      params_of(Algorithm::kDynaQPlusAction, ModelKind::kLast, PlanningDraw::kPairs),
      params_of(Algorithm::kPrioritized, ModelKind::kLast, PlanningDraw::kPairs),
      params_of(Algorithm::kPrioritizedDirect, ModelKind::kLast, PlanningDraw::kPairs)};
  const std::pair<float, float> q_inits[] = {{0.0f, 0.0f}, {0.0f, -0.0f}, {1.0f, 0.0f}};
  for (const char* spec : {"dyna-maze", "frozen-lake-4x4", "blocking-maze", "garnet:40:5:3:2"}) {
    const Environment env = load_environment(spec);
    const ScheduleView schedule = schedule_view(env);
    const std::uint32_t n_states = env.n_states(), n_actions = env.n_actions();
    for (std::size_t v = 0; v < variants.size(); ++v)
      for (const auto& [old_q_init, new_q_init] : q_inits) {
        SCOPED_TRACE(std::string(spec) + ", variant " + std::to_string(v) + ", q_init " + std::to_string(old_q_init) +
                     " then " + (std::signbit(new_q_init) ? "-" : "") + std::to_string(new_q_init));
        AgentParams params = variants[v];
        params.epsilon_threshold = probability_threshold(0.2);
        params.q_init = old_q_init;
        AgentGroup group;
        group.environment = &env;
        group.points = {params};
        group.seeds_per_point = 1;
        OneAgent reused(group), fresh(group);
        agent_init(reused.agent, n_states, n_actions, old_q_init);
        const AgentRandom rng = AgentRandom::make(77, static_cast<std::uint32_t>(v));
        for (std::uint32_t step = 0; step < 2000; ++step) agent_step(reused.agent, schedule.at(reused.counters.t), params, rng);
        ASSERT_GT(reused.counters.n_observed_pairs, 1u);
        const bool same_bits = std::signbit(old_q_init) == std::signbit(new_q_init) && old_q_init == new_q_init;
        agent_reset(reused.agent, n_states, n_actions, new_q_init, same_bits);
        agent_init(fresh.agent, n_states, n_actions, new_q_init);
        for (std::uint32_t id = 0; id < kTableCount; ++id) {
          if (table_init(id) != TableInit::kWhole) continue;
          EXPECT_EQ(reused.memory[id], fresh.memory[id]) << table_name(id) << " differs from agent_init's";
        }
        const AgentCounters& a = reused.counters;
        const AgentCounters& b = fresh.counters;
        EXPECT_TRUE(a.t == b.t && a.planning_updates == b.planning_updates && a.episode_return == b.episode_return &&
                    a.cumulative_reward == b.cumulative_reward && a.state == b.state &&
                    a.episode_step == b.episode_step && a.episodes_done == b.episodes_done &&
                    a.n_observed_pairs == b.n_observed_pairs && a.n_observed_states == b.n_observed_states &&
                    a.queue_size == b.queue_size && a.need_reset == b.need_reset && a.error == b.error &&
                    a.error_pair == b.error_pair)
            << "the counters differ from agent_init's";
      }
  }
}

TEST(AgentTables, AnAgentsSliceStartsAtItsIndexTimesTheTablesLength) {
  AgentTablesView v{};
  v.n_states = 7;
  v.n_actions = 3;
  v.model_slots = 2;
  std::vector<float> floats(1000);
  std::vector<std::uint32_t> words(1000);
  std::vector<AgentCounters> counters(4);
  for_each_table(v, v, [&](std::uint32_t id, TablePer, TableNeed need, auto*& field, auto*&) {
    if (need == TableNeed::kQueue) return;  // a table the batch does not carry stays null
    using T = std::remove_pointer_t<std::remove_reference_t<decltype(field)>>;
    if constexpr (std::is_same_v<T, float>) field = floats.data() + id;
    else field = words.data() + id;
  });
  v.counters = counters.data();
  const AgentRef agent = v.agent(3);
  const AgentRef first = v.agent(0);
  const TableLengths lengths = v.lengths();
  EXPECT_EQ(lengths.pairs, 21u);
  EXPECT_EQ(lengths.slots, 42u);
  EXPECT_EQ(lengths.states, 7u);
  for_each_table(agent, first, [&](std::uint32_t id, TablePer per, TableNeed need, auto* mine, auto* zero) {
    if (need == TableNeed::kQueue) {
      EXPECT_EQ(mine, nullptr) << table_name(id);
      return;
    }
    EXPECT_EQ(mine - zero, static_cast<std::ptrdiff_t>(3 * lengths.of(per))) << table_name(id);
  });
  EXPECT_EQ(agent.counters, counters.data() + 3);
  EXPECT_EQ(agent.model_slots, 2u);
  // Whether planning may read the environment is the batch's, and every agent of it has it.
  EXPECT_FALSE(agent.model_is_environment);
  v.model_is_environment = true;
  EXPECT_TRUE(v.agent(3).model_is_environment);
}

TEST(AgentMetrics, EachBudgetRecordsItsMetrics) {
  const RunBudget episodes{BudgetKind::kEpisodes, 10, 0, 0, 0};
  RunBudget rollouts = episodes;
  rollouts.greedy_rollout_limit = 100;
  const RunBudget steps{BudgetKind::kSteps, 0, 1000, 100, 10};
  const auto recorded = [](const RunBudget& budget) {
    std::vector<std::string> names;
    for (std::uint32_t id = 0; id < kMetricCount; ++id)
      if (metric_recorded(budget, metric_recorded_when(id))) names.push_back(metric_name(id));
    return names;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(recorded(episodes), (V{"episode_steps", "episode_return"}));
  EXPECT_EQ(recorded(rollouts),
            (V{"episode_steps", "episode_return", "episode_planning_updates", "episode_greedy_steps"}));
  EXPECT_EQ(recorded(steps), (V{"bucket_cumulative_reward", "bucket_episodes", "bucket_model_error"}));

  // GroupResults holds each recorded metric for every agent, and nothing of the others.
  const Environment env = load_environment("dyna-maze");
  AgentGroup group;
  group.environment = &env;
  group.points = {params_of(Algorithm::kDynaQ, ModelKind::kLast, PlanningDraw::kPairs)};
  group.seeds_per_point = 3;
  group.budget = rollouts;
  GroupResults results;
  results.allocate(group);
  for_each_metric(results, results, [&](std::uint32_t id, MetricRecorded when, const auto& metric, const auto&) {
    EXPECT_EQ(metric.size(), metric_recorded(rollouts, when) ? 30u : 0u) << metric_name(id);
    EXPECT_EQ(sizeof(metric[0]), metric_element_bytes(id)) << metric_name(id);
  });
  // DeviceMetrics slices them per agent.
  DeviceMetrics device{};
  device.episode_steps = results.episode_steps.data();
  device.per_agent = 10;
  EXPECT_EQ(device.agent(2).episode_steps, results.episode_steps.data() + 20);
  EXPECT_EQ(device.agent(2).bucket_episodes, nullptr);
}

}  // namespace
}  // namespace dynaq
