// The bodies of the CUDA agent kernels, as host/device functions of (block, thread).
//
// kernels/agent_kernels.cu launches them; src/engines/cuda_emulation.cpp runs the very same
// functions on the host, block by block and phase by phase, so that every index and every staging
// offset below is exercised by the test suite on machines without a GPU (DESIGN.md section 4).
// The kernels themselves only compute (block, thread), call one of these, and count unfinished
// agents.
//
// Two versions (kernels/agent_kernels.cu has their napkin math):
//   global  one thread per agent; the agent's tables stay in global memory, agent-major, exactly
//           as AgentTablesView lays them out (agent_core.hpp).
//   shared  one thread per agent; a block's agents' tables are staged into shared memory, and the
//           environment's stepping tables too when they fit. A launch is three phases separated
//           by __syncthreads: stage in (every thread copies), run (one thread per agent),
//           stage out (every thread copies back). Where planning reads the model from the
//           environment (AgentTablesView::model_is_environment), the model tables are not
//           staged: the real steps record them in global memory, once per step.
//
// Shared-memory layout of the shared version (SharedLayout, computed on the host by
// shared_layout() in cuda_engine_driver.hpp): one region per table, agent j's slice at
// j * stride, where the stride is the per-agent length rounded up to an odd number of 4-byte
// words. When the 32 threads of a warp touch the same element k of their own agents (staging,
// initial steps, any lockstep access), they hit words k + j * stride, which fall in 32 distinct
// banks because the stride is odd. An agent-interleaved layout (element k of agent j at
// k * agents + j) would give the same for lockstep accesses, but the per-agent core takes plain
// pointers (AgentRef), so interleaving would need a strided accessor through all of agent_core.hpp;
// and once agents diverge (different states, different planning draws) no layout avoids
// conflicts: their addresses are random either way. Agent-major slices keep a Q row (the actions
// of one state) in consecutive words, so a max over a row reads consecutive banks.
#pragma once

#include <cstdint>
#include <type_traits>

#include "dynaq/agent_params.hpp"
#include "dynaq/agent_tables.hpp"
#include "dynaq/detail/agent_core.hpp"
#include "dynaq/mdp_view.hpp"
#include "dynaq/platform.hpp"
#include "dynaq/random.hpp"

namespace dynaq {

// ---- Padded strides ------------------------------------------------------------------------

// Per-agent strides of the tables in shared memory, in elements (the shared version only stages
// tables that fit a block, so 32 bits suffice).
using TableStrides = PerTableKind<std::uint32_t>;

// An odd number of 4-byte words >= length: the bank-conflict-free stride of shared memory.
DYNAQ_HD constexpr std::uint32_t odd_stride(std::uint32_t length) { return length | 1u; }

// The staging walk and the shared layout count every table in 4-byte words.
#define DYNAQ_TABLE_IS_WORDS(name, type, per, need, init) \
  static_assert(sizeof(type) == 4, "table " #name ": shared-memory staging assumes 4-byte elements");
DYNAQ_AGENT_TABLES(DYNAQ_TABLE_IS_WORDS)
#undef DYNAQ_TABLE_IS_WORDS

// ---- Metrics ------------------------------------------------------------------------------

// Where the agents of one chunk write their metrics: agent-major, `per_agent` entries each
// (episodes or buckets), like GroupResults. Null arrays are those the budget does not record.
struct DeviceMetrics {
#define DYNAQ_METRIC_POINTER(name, type, recorded) type* name;
  DYNAQ_AGENT_METRICS(DYNAQ_METRIC_POINTER)
#undef DYNAQ_METRIC_POINTER
  std::uint64_t per_agent;

  DYNAQ_HD AgentMetricsRef agent(std::uint32_t i) const {
    const std::uint64_t at = i * per_agent;
    AgentMetricsRef r{};
    for_each_metric(r, *this, [at](std::uint32_t, MetricRecorded, auto*& mine, auto* all) {
      mine = all ? all + at : nullptr;
    });
    return r;
  }
};

// ---- Launch arguments (trivially copyable, passed by value) -------------------------------

// One chunk of agents: chunk-local agent i is the group's local agent `chunk_first + i`, runs
// the grid point params[(chunk_first + i) / seeds_per_point] and has the global index
// first_agent + chunk_first + i (its random stream).
struct ChunkArgs {
  AgentTablesView tables;  // the chunk's tables, agent-major (chunk-local index)
  const AgentParams* params;
  std::uint32_t seeds_per_point;
  std::uint32_t n_agents;     // agents in this chunk
  std::uint32_t chunk_first;  // the chunk's first agent, local to the group
  std::uint32_t first_agent;  // the group's first global agent index
  std::uint64_t sweep_seed;

  DYNAQ_HD const AgentParams& params_of(std::uint32_t i) const { return params[(chunk_first + i) / seeds_per_point]; }
  DYNAQ_HD AgentRandom random_of(std::uint32_t i) const {
    return AgentRandom::make(sweep_seed, first_agent + chunk_first + i);
  }
};

struct AdvanceArgs {
  ChunkArgs chunk;
  ScheduleView schedule;  // device pointers
  RunBudget budget;
  DeviceMetrics metrics;  // chunk-local
  std::uint64_t steps;    // the most real steps any agent takes in this launch
};

// agent_init for chunk-local agent i (one thread per agent, tables in global memory; both
// versions start from here).
DYNAQ_HD inline void init_agent_thread(const ChunkArgs& a, std::uint32_t i) {
  if (i >= a.n_agents) return;
  agent_init(a.tables.agent(i), a.tables.n_states, a.tables.n_actions, a.params_of(i).q_init);
}

// The global version: chunk-local agent i advances in place. Returns 1 when it has not finished.
DYNAQ_HD inline std::uint32_t advance_global_thread(const AdvanceArgs& a, std::uint32_t i) {
  if (i >= a.chunk.n_agents) return 0;
  const bool finished = advance_agent(a.chunk.tables.agent(i), a.schedule, a.chunk.params_of(i),
                                      a.chunk.random_of(i), a.budget, a.metrics.agent(i), a.steps);
  return finished ? 0u : 1u;
}

// ---- The shared version -------------------------------------------------------------------

constexpr std::uint32_t kNoRegion = 0xFFFFFFFFu;

// Byte offsets of one phase's stepping tables in shared memory. The outcome probabilities (read
// only for the model error once per bucket, and by greedy rollouts once per episode) and the
// start distribution (once per episode) stay in global memory.
struct SharedPhaseLayout {
  std::uint32_t n_outcomes;
  std::uint32_t outcome_threshold;  // uint64 [n_outcomes]
  std::uint32_t pair_begin;         // uint32 [pairs + 1]
  std::uint32_t next_state;         // uint32 [n_outcomes]
  std::uint32_t reward;             // float  [n_outcomes]
  std::uint32_t terminated;         // uint8  [n_outcomes]
};

// Where everything lives in one block's dynamic shared memory.
struct SharedLayout {
  std::uint32_t agents_per_block;
  std::uint32_t bytes;                 // dynamic shared memory per block
  TableStrides strides;                // padded: odd numbers of words
  std::uint32_t schedule;              // the ScheduleView the block's agents step (one per block)
  std::uint32_t counters;              // AgentCounters [agents_per_block]
  std::uint32_t table[kTableCount];    // by table_id, 4-byte elements [agents_per_block * stride]; kNoRegion: unused
  std::uint32_t stage_environment;     // 1: the phases' stepping tables are staged too
  std::uint32_t n_phases;
  SharedPhaseLayout phase[kMaxPhases];
};

// The block's tables in shared memory, as a view with the padded strides of `layout`.
DYNAQ_HD inline AgentTablesView shared_tables(const SharedLayout& layout, unsigned char* smem,
                                              const AgentTablesView& global) {
  AgentTablesView v = global;
  for_each_table(v, v, [&](std::uint32_t id, TablePer, TableNeed, auto*& field, auto*&) {
    using Pointer = std::remove_reference_t<decltype(field)>;
    field = layout.table[id] == kNoRegion ? nullptr : reinterpret_cast<Pointer>(smem + layout.table[id]);
  });
  v.counters = reinterpret_cast<AgentCounters*>(smem + layout.counters);
  return v;
}

// Writes the schedule the block's agents step into shared memory: staged phases read their
// stepping tables from shared memory; everything else points where `global` does. One copy per
// block, read by all its threads (a broadcast), rather than one per thread in local memory.
DYNAQ_HD inline void write_shared_schedule(const SharedLayout& layout, unsigned char* smem, const ScheduleView& global) {
  ScheduleView& s = *reinterpret_cast<ScheduleView*>(smem + layout.schedule);
  s = global;
  if (!layout.stage_environment) return;
  for (std::uint32_t p = 0; p < s.n_phases; ++p) {
    const SharedPhaseLayout& at = layout.phase[p];
    s.phase[p].outcome_threshold = reinterpret_cast<const std::uint64_t*>(smem + at.outcome_threshold);
    s.phase[p].pair_begin = reinterpret_cast<const std::uint32_t*>(smem + at.pair_begin);
    s.phase[p].next_state = reinterpret_cast<const std::uint32_t*>(smem + at.next_state);
    s.phase[p].reward = reinterpret_cast<const float*>(smem + at.reward);
    s.phase[p].terminated = smem + at.terminated;
  }
}

// Thread `thread` of `threads` copies elements thread, thread + threads, ... of `count`:
// consecutive threads touch consecutive elements (coalesced in global memory, consecutive banks
// in shared memory).
template <typename T>
DYNAQ_HD void copy_elements(T* dst, const T* src, std::uint64_t count, std::uint32_t thread, std::uint32_t threads) {
  for (std::uint64_t k = thread; k < count; k += threads) dst[k] = src[k];
}

// The same, for `agents` agent slices of `length` elements between layouts whose per-agent
// strides differ (global: the length; shared: the padded stride).
template <typename T>
DYNAQ_HD void copy_agent_slices(T* dst, std::uint64_t dst_stride, const T* src, std::uint64_t src_stride,
                                std::uint32_t agents, std::uint64_t length, std::uint32_t thread,
                                std::uint32_t threads) {
  for (std::uint32_t j = 0; j < agents; ++j)
    copy_elements(dst + j * dst_stride, src + j * src_stride, length, thread, threads);
}

// The agents of block `block`: [first, first + count) of the chunk.
struct BlockAgents {
  std::uint32_t first;
  std::uint32_t count;
};
DYNAQ_HD inline BlockAgents block_agents(const SharedLayout& layout, std::uint32_t n_agents, std::uint32_t block) {
  const std::uint32_t first = block * layout.agents_per_block;
  const std::uint32_t left = n_agents > first ? n_agents - first : 0;
  return BlockAgents{first, left < layout.agents_per_block ? left : layout.agents_per_block};
}

// Copies the block's agents' tables and counters between global and shared memory, in either
// direction; the environment too when staged and `with_environment`.
DYNAQ_HD inline void stage_block(const AdvanceArgs& a, const SharedLayout& layout, unsigned char* smem,
                                 std::uint32_t block, std::uint32_t thread, std::uint32_t threads, bool to_shared) {
  const BlockAgents agents = block_agents(layout, a.chunk.n_agents, block);
  const AgentTablesView& global = a.chunk.tables;
  const AgentTablesView local = shared_tables(layout, smem, global);
  const TableLengths lengths = global.lengths();
  for_each_table(global, local, [&](std::uint32_t id, TablePer per, TableNeed, auto* g, auto* s) {
    if (layout.table[id] == kNoRegion) return;
    const std::uint64_t length = lengths.of(per), padded = layout.strides.of(per);
    auto* g_block = g + agents.first * length;
    if (to_shared) copy_agent_slices(s, padded, g_block, length, agents.count, length, thread, threads);
    else copy_agent_slices(g_block, length, s, padded, agents.count, length, thread, threads);
  });
  AgentCounters* g_counters = global.counters + agents.first;
  if (to_shared) copy_elements(local.counters, g_counters, agents.count, thread, threads);
  else copy_elements(g_counters, local.counters, agents.count, thread, threads);
  if (!to_shared) return;  // the environment and the schedule are read-only
  if (thread == 0) write_shared_schedule(layout, smem, a.schedule);
  if (!layout.stage_environment) return;
  for (std::uint32_t p = 0; p < a.schedule.n_phases; ++p) {
    const MdpView& m = a.schedule.phase[p];
    const SharedPhaseLayout& at = layout.phase[p];
    const std::uint64_t pairs = static_cast<std::uint64_t>(m.n_states) * m.n_actions;
    copy_elements(reinterpret_cast<std::uint64_t*>(smem + at.outcome_threshold), m.outcome_threshold, at.n_outcomes,
                  thread, threads);
    copy_elements(reinterpret_cast<std::uint32_t*>(smem + at.pair_begin), m.pair_begin, pairs + 1, thread, threads);
    copy_elements(reinterpret_cast<std::uint32_t*>(smem + at.next_state), m.next_state, at.n_outcomes, thread, threads);
    copy_elements(reinterpret_cast<float*>(smem + at.reward), m.reward, at.n_outcomes, thread, threads);
    copy_elements(smem + at.terminated, m.terminated, at.n_outcomes, thread, threads);
  }
}

// Thread j of the block runs the block's agent j, in shared memory. Returns 1 when that agent has
// not finished.
DYNAQ_HD inline std::uint32_t run_block_agent(const AdvanceArgs& a, const SharedLayout& layout, unsigned char* smem,
                                              std::uint32_t block, std::uint32_t thread) {
  const BlockAgents agents = block_agents(layout, a.chunk.n_agents, block);
  if (thread >= agents.count) return 0;
  const std::uint32_t i = agents.first + thread;  // chunk-local
  const AgentTablesView local = shared_tables(layout, smem, a.chunk.tables);
  AgentRef agent = agent_at(local, thread, layout.strides, local.counters + thread);
  if (local.model_is_environment) {
    // Planning reads the environment; the model tables, not staged, are recorded in global memory.
    const AgentRef global = a.chunk.tables.agent(i);
    agent.model_next = global.model_next;
    agent.model_reward = global.model_reward;
  }
  const ScheduleView& schedule = *reinterpret_cast<const ScheduleView*>(smem + layout.schedule);
  const bool finished = advance_agent(agent, schedule, a.chunk.params_of(i), a.chunk.random_of(i), a.budget,
                                      a.metrics.agent(i), a.steps);
  return finished ? 0u : 1u;
}

// One launch of the shared version is these phases in order, with a block-wide barrier
// (__syncthreads) after each: every thread of the block runs phase k before any runs phase k + 1,
// and within a phase no thread reads what another writes. Returns 1 from the run phase for an
// unfinished agent, else 0.
constexpr std::uint32_t kSharedPhases = 3;
DYNAQ_HD inline std::uint32_t shared_block_phase(std::uint32_t phase, const AdvanceArgs& a, const SharedLayout& layout,
                                                 unsigned char* smem, std::uint32_t block, std::uint32_t thread,
                                                 std::uint32_t threads) {
  switch (phase) {
    case 0: stage_block(a, layout, smem, block, thread, threads, true); return 0;
    case 1: return run_block_agent(a, layout, smem, block, thread);
    default: stage_block(a, layout, smem, block, thread, threads, false); return 0;
  }
}

}  // namespace dynaq
