// The cpu engine's SIMD lane groups: several independent agents stepped in lockstep on one thread.
//
// Host only (the vector loop is written with x86 intrinsics in src/engines/cpu_lanes.cpp). A lane
// group holds up to kWidestLanes agents, one per SIMD lane. Each real step of the group runs, for
// every lane whose agent has not finished, the same per-agent functions as agent_step
// (agent_core.hpp): act_and_learn, then the planning, then end_step and record_step_metrics. The
// planning of every lane whose agent plans as plain Dyna-Q (plans_plain_dyna_q) runs as one
// vector loop over the lanes: update j of every such lane at once, with gathers for its table
// reads and a scatter for its Q write, masked where a lane has fewer than j + 1 updates (n, alpha
// and gamma may differ from lane to lane). Within a lane the updates stay in order, and each
// computes exactly what q_backup does: the same multiply-high index, max_q's '>' comparisons in
// action order, a multiply then an add (never fused), reward alone on termination. The other
// lanes plan through plan(), one lane at a time. So every agent's bits are those of agent_step.
//
// The cpu engine runs lane groups only when CpuEngineOptions::lanes asks for them: on the Zen 4
// core measured they are slower than one agent at a time (src/engines/cpu_lanes.cpp says why).
#pragma once

#include <cstdint>

#include "dynaq/agent_params.hpp"
#include "dynaq/detail/agent_core.hpp"

namespace dynaq {

// The lane widths this build has, from the instruction sets it is compiled for (-march=native):
// 16 agents in a group with AVX-512, 8 with AVX2, 1 (the scalar path alone) otherwise.
#if defined(__AVX512F__)
constexpr std::uint32_t kWidestLanes = 16;
#elif defined(__AVX2__)
constexpr std::uint32_t kWidestLanes = 8;
#else
constexpr std::uint32_t kWidestLanes = 1;
#endif

// Whether this build can run lane groups of `lanes` agents: 1 always, 8 with AVX2, 16 with AVX-512.
bool lane_width_supported(std::uint32_t lanes);

// One lane's agent: its tables (already initialised by agent_init), parameters, stream and metrics.
struct LaneAgent {
  AgentRef agent;
  const AgentParams* params;
  AgentRandom rng;
  AgentMetricsRef metrics;
};

// Runs `count` agents (1 to `lanes`) to the end of their budgets as one lane group of width
// `lanes` (a supported width above 1). All of them step `schedule`, whose phases share one action
// count. When the lanes' tables are too far apart for 32-bit gather offsets, their planning runs
// one lane at a time instead. Returns the planning updates made by the vector loop.
std::uint64_t run_lane_group(const LaneAgent* agents, std::uint32_t count, std::uint32_t lanes,
                             const ScheduleView& schedule, const RunBudget& budget);

}  // namespace dynaq
