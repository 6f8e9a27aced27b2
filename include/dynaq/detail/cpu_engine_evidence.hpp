// What the cpu engine counts of its own paths, for tests: evidence, free of timings, that a path
// ran (src/engines/cpu_engine.cpp keeps the counts).
#pragma once

#include <cstdint>

#include "dynaq/engine.hpp"

namespace dynaq {

// The planning updates that a cpu engine made in its vector lanes over all its runs so far (0 for
// any other engine): evidence, free of timings, that the vector loop ran.
std::uint64_t cpu_lane_planned_updates(const Engine& engine);
// The agents whose tables a cpu engine made by undoing the previous agent of their place in the
// batch buffers (agent_reset) rather than writing them whole (agent_init), over all its runs so
// far (0 for any other engine): evidence, free of timings, that the sparse reset ran.
std::uint64_t cpu_sparse_resets(const Engine& engine);

}  // namespace dynaq
