// The per-agent tables and metrics, each described once, with the per-agent counters and what
// the tables' special entries mean.
//
// DYNAQ_AGENT_TABLES lists every table an agent's Dyna step reads and writes (agent_core.hpp),
// DYNAQ_AGENT_METRICS every metric it records. Everything that holds, sizes, lays out, stages
// or copies them is generated from these lists or loops over them: the views (AgentRef,
// AgentTablesView, AgentMetricsRef, DeviceMetrics), the cpu engine's batch buffers, the CUDA
// arena and shared-memory layouts, the byte counts, the kernels' staging walk, the results
// (GroupResults) and the parity checks. Adding a table is one line here plus the code that uses
// it; the compiler then finds every place that must give it memory.
//
// A table entry is X(name, element type, per, need, init):
//   per   what one element belongs to: kPair (state * n_actions + action), kSlot (pair *
//         model_slots + k) or kState;
//   need  which agents read it (agent_needs below); a batch carries it when any of its agents
//         does, and holds a null pointer otherwise;
//   init  what agent_init (detail/fresh_tables.hpp) writes of it (TableInit below): kWhole
//         every element, kOnUse none. AgentGroup::init_bytes_per_agent counts by it, and
//         tests/agent_tables_test.cpp checks agent_init against it.
// A metric entry is X(name, element type, recorded): what budget records it (metric_recorded).
// Both are agent-major: agent i's slice starts at i * (its per-agent length).
#pragma once

#include <cstdint>

#include "dynaq/agent_params.hpp"
#include "dynaq/platform.hpp"

namespace dynaq {

// What entries mean beyond their values (model_next also holds kTerminatedBit, mdp_view.hpp).
// A model slot that has never been filled.
constexpr std::uint32_t kUnseen = 0xFFFFFFFFu;
// "No entry" in the priority queue's position table and the predecessor lists.
constexpr std::uint32_t kNone = 0xFFFFFFFFu;

// Why an agent stopped early (AgentCounters::error, agent_core.hpp).
enum AgentError : std::uint32_t {
  kAgentOk = 0,
  kAgentModelCapacityExceeded = 1,  // counters.error_pair names the pair
};

// Per-agent scalars, one per agent beside the tables (AgentTablesView::counters).
struct AgentCounters {
  std::uint64_t t;                  // real steps taken so far (the random stream's time)
  std::uint64_t planning_updates;   // Q backups made by planning
  double episode_return;            // sum of rewards in the current episode
  double cumulative_reward;         // sum of rewards over the whole run
  std::uint32_t state;              // current state (valid unless need_reset)
  std::uint32_t episode_step;       // steps taken in the current episode
  std::uint32_t episodes_done;      // finished episodes (terminated or truncated)
  std::uint32_t n_observed_pairs;
  std::uint32_t n_observed_states;  // when state lists are kept
  std::uint32_t queue_size;         // prioritized sweeping
  std::uint32_t need_reset;         // 1: the next step starts a new episode
  std::uint32_t error;              // AgentError
  std::uint32_t error_pair;
};

enum class TablePer : std::uint32_t { kPair, kSlot, kState };

enum class TableNeed : std::uint32_t {
  kAlways,
  kCounts,      // a count-based model
  kStateLists,  // states-then-actions planning draws, or Dyna-Q+ planning
  kLastTried,   // a Dyna-Q+ variant (the bonus in planning or in action selection)
  kQueue,       // prioritized sweeping
};

// What agent_init writes of a table.
enum class TableInit : std::uint32_t {
  kWhole,  // every element, before the agent's first step
  kOnUse,  // nothing: written only as entries are used, and read only below a length that
           // agent_init zeroes (the counters' n_observed_pairs, n_observed_states, queue_size,
           // a state's state_action_count) or through entries it writes (the predecessor lists
           // through predecessor_head and predecessor_of)
};

// clang-format off
#define DYNAQ_AGENT_TABLES(X)                                                                                \
  X(q,                  float,         kPair,  kAlways,     kWhole) /* action values                      */ \
  X(model_next,         std::uint32_t, kSlot,  kAlways,     kWhole) /* kUnseen, or next | kTerminatedBit  */ \
  X(model_reward,       float,         kSlot,  kAlways,     kWhole)                                          \
  X(model_count,        std::uint32_t, kSlot,  kCounts,     kWhole) /* times the slot's outcome was seen  */ \
  X(observed_pairs,     std::uint32_t, kPair,  kAlways,     kOnUse) /* pairs in the order first observed  */ \
  X(observed_states,    std::uint32_t, kState, kStateLists, kOnUse) /* states in the order first observed */ \
  X(state_actions,      std::uint32_t, kPair,  kStateLists, kOnUse) /* per state, actions in first order  */ \
  X(state_action_count, std::uint32_t, kState, kStateLists, kWhole)                                          \
  X(last_tried,         std::uint32_t, kPair,  kLastTried,  kWhole) /* the clock after the pair was tried */ \
  X(heap_pair,          std::uint32_t, kPair,  kQueue,      kOnUse) /* the priority queue, a max-heap     */ \
  X(heap_priority,      float,         kPair,  kQueue,      kOnUse)                                          \
  X(heap_position,      std::uint32_t, kPair,  kQueue,      kWhole) /* index in the heap, or kNone        */ \
  X(predecessor_head,   std::uint32_t, kState, kQueue,      kWhole) /* first pair whose model leads here  */ \
  X(predecessor_next,   std::uint32_t, kPair,  kQueue,      kOnUse) /* next pair in the same state's list */ \
  X(predecessor_prev,   std::uint32_t, kPair,  kQueue,      kOnUse)                                          \
  X(predecessor_of,     std::uint32_t, kPair,  kQueue,      kWhole) /* the state whose list has the pair  */
// clang-format on

// Tables by number, in list order (the arena and shared-memory layouts index their offsets so).
namespace table_id {
enum : std::uint32_t {
#define DYNAQ_TABLE_ID(name, type, per, need, init) name,
  DYNAQ_AGENT_TABLES(DYNAQ_TABLE_ID)
#undef DYNAQ_TABLE_ID
};
}  // namespace table_id

#define DYNAQ_COUNT_ONE(...) +1
constexpr std::uint32_t kTableCount = 0 DYNAQ_AGENT_TABLES(DYNAQ_COUNT_ONE);

DYNAQ_HD constexpr TablePer table_per(std::uint32_t id) {
  switch (id) {
#define DYNAQ_TABLE_PER(name, type, per, need, init) \
  case table_id::name: return TablePer::per;
    DYNAQ_AGENT_TABLES(DYNAQ_TABLE_PER)
#undef DYNAQ_TABLE_PER
    default: return TablePer::kPair;
  }
}

constexpr std::uint32_t table_element_bytes(std::uint32_t id) {
  switch (id) {
#define DYNAQ_TABLE_BYTES(name, type, per, need, init) \
  case table_id::name: return sizeof(type);
    DYNAQ_AGENT_TABLES(DYNAQ_TABLE_BYTES)
#undef DYNAQ_TABLE_BYTES
    default: return 0;
  }
}

constexpr TableNeed table_need(std::uint32_t id) {
  switch (id) {
#define DYNAQ_TABLE_NEED(name, type, per, need, init) \
  case table_id::name: return TableNeed::need;
    DYNAQ_AGENT_TABLES(DYNAQ_TABLE_NEED)
#undef DYNAQ_TABLE_NEED
    default: return TableNeed::kAlways;
  }
}

constexpr TableInit table_init(std::uint32_t id) {
  switch (id) {
#define DYNAQ_TABLE_INIT(name, type, per, need, init) \
  case table_id::name: return TableInit::init;
    DYNAQ_AGENT_TABLES(DYNAQ_TABLE_INIT)
#undef DYNAQ_TABLE_INIT
    default: return TableInit::kWhole;
  }
}

constexpr const char* table_name(std::uint32_t id) {
  switch (id) {
#define DYNAQ_TABLE_NAME(name, type, per, need, init) \
  case table_id::name: return #name;
    DYNAQ_AGENT_TABLES(DYNAQ_TABLE_NAME)
#undef DYNAQ_TABLE_NAME
    default: return "?";
  }
}

// Calls f(id, per, need, a.<table>, b.<table>) for every table in list order, with the two
// objects' members of the table's name as lvalues (so that f may assign them). A and B are any
// types with a member per table: two views, a view and the cpu engine's buffers, ...
template <typename A, typename B, typename F>
DYNAQ_HD void for_each_table(A& a, B& b, F&& f) {
#define DYNAQ_TABLE_VISIT(name, type, per, need, init) f(table_id::name, TablePer::per, TableNeed::need, a.name, b.name);
  DYNAQ_AGENT_TABLES(DYNAQ_TABLE_VISIT)
#undef DYNAQ_TABLE_VISIT
}

// Whether an agent of these parameters reads tables of this need.
DYNAQ_HD inline bool agent_needs(const AgentParams& p, TableNeed need) {
  switch (need) {
    case TableNeed::kCounts: return p.model == ModelKind::kCounts;
    case TableNeed::kStateLists: return p.planning_draw == PlanningDraw::kStates || uses_bonus_in_planning(p);
    case TableNeed::kLastTried: return uses_bonus_in_planning(p) || uses_bonus_in_action(p);
    case TableNeed::kQueue: return is_prioritized(p);
    default: return true;
  }
}

// One count per kind of table (per pair, per model slot, per state), in elements.
template <typename Count>
struct PerTableKind {
  Count pairs;
  Count slots;
  Count states;

  DYNAQ_HD Count of(TablePer per) const { return per == TablePer::kPair ? pairs : per == TablePer::kSlot ? slots : states; }
};

// Per-agent lengths of the tables, in 64 bits (a model of many slots over many pairs can pass
// 2^32 bytes).
using TableLengths = PerTableKind<std::uint64_t>;

DYNAQ_HD inline TableLengths table_lengths(std::uint32_t n_states, std::uint32_t n_actions, std::uint32_t model_slots) {
  const std::uint64_t pairs = std::uint64_t{n_states} * n_actions;
  return TableLengths{pairs, pairs * model_slots, n_states};
}

// ---- Metrics ------------------------------------------------------------------------------

enum class MetricRecorded : std::uint32_t {
  kEpisodes,              // one per episode, with an episodes budget
  kEpisodesWithRollouts,  // one per episode, with an episodes budget and a greedy rollout limit
  kBuckets,               // one per bucket of steps, with a steps budget
};

// clang-format off
#define DYNAQ_AGENT_METRICS(X)                                                                        \
  X(episode_steps,            std::uint32_t, kEpisodes)             /* length of each episode       */ \
  X(episode_return,           double,        kEpisodes)             /* its undiscounted return      */ \
  X(bucket_cumulative_reward, double,        kBuckets)              /* at the bucket's end          */ \
  X(bucket_episodes,          std::uint32_t, kBuckets)              /* episodes finished by its end */ \
  X(bucket_model_error,       double,        kBuckets)              /* model error at its end       */ \
  X(episode_planning_updates, std::uint64_t, kEpisodesWithRollouts) /* planning updates so far      */ \
  X(episode_greedy_steps,     std::uint32_t, kEpisodesWithRollouts) /* the greedy rollout's steps   */
// clang-format on

namespace metric_id {
enum : std::uint32_t {
#define DYNAQ_METRIC_ID(name, type, recorded) name,
  DYNAQ_AGENT_METRICS(DYNAQ_METRIC_ID)
#undef DYNAQ_METRIC_ID
};
}  // namespace metric_id

constexpr std::uint32_t kMetricCount = 0 DYNAQ_AGENT_METRICS(DYNAQ_COUNT_ONE);
#undef DYNAQ_COUNT_ONE

// Whether a run of this budget records a metric.
DYNAQ_HD inline bool metric_recorded(const RunBudget& budget, MetricRecorded recorded) {
  switch (recorded) {
    case MetricRecorded::kEpisodes: return budget.kind == BudgetKind::kEpisodes;
    case MetricRecorded::kEpisodesWithRollouts:
      return budget.kind == BudgetKind::kEpisodes && budget.greedy_rollout_limit > 0;
    default: return budget.kind == BudgetKind::kSteps;
  }
}

// Entries per agent of every recorded metric: episodes or buckets.
DYNAQ_HD inline std::uint64_t metric_entries_per_agent(const RunBudget& budget) {
  return budget.kind == BudgetKind::kEpisodes ? budget.episodes : budget.n_buckets;
}

// Calls f(id, recorded, a.<metric>, b.<metric>) for every metric in list order (as for_each_table).
template <typename A, typename B, typename F>
DYNAQ_HD void for_each_metric(A& a, B& b, F&& f) {
#define DYNAQ_METRIC_VISIT(name, type, recorded) f(metric_id::name, MetricRecorded::recorded, a.name, b.name);
  DYNAQ_AGENT_METRICS(DYNAQ_METRIC_VISIT)
#undef DYNAQ_METRIC_VISIT
}

constexpr MetricRecorded metric_recorded_when(std::uint32_t id) {
  switch (id) {
#define DYNAQ_METRIC_WHEN(name, type, recorded) \
  case metric_id::name: return MetricRecorded::recorded;
    DYNAQ_AGENT_METRICS(DYNAQ_METRIC_WHEN)
#undef DYNAQ_METRIC_WHEN
    default: return MetricRecorded::kEpisodes;
  }
}

constexpr std::uint32_t metric_element_bytes(std::uint32_t id) {
  switch (id) {
#define DYNAQ_METRIC_BYTES(name, type, recorded) \
  case metric_id::name: return sizeof(type);
    DYNAQ_AGENT_METRICS(DYNAQ_METRIC_BYTES)
#undef DYNAQ_METRIC_BYTES
    default: return 0;
  }
}

constexpr const char* metric_name(std::uint32_t id) {
  switch (id) {
#define DYNAQ_METRIC_NAME(name, type, recorded) \
  case metric_id::name: return #name;
    DYNAQ_AGENT_METRICS(DYNAQ_METRIC_NAME)
#undef DYNAQ_METRIC_NAME
    default: return "?";
  }
}

}  // namespace dynaq
