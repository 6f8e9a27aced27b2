// Running a planned sweep: every chunk of a shard not yet on disk, through one engine, each
// chunk file written as it finishes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "dynaq/agent_metrics_store.hpp"
#include "dynaq/engine.hpp"
#include "dynaq/sweep/plan.hpp"

namespace dynaq {

struct SweepRunControl {
  std::string chunk_folder;
  ChunkIdentity identity;
  std::uint32_t shard_index = 0;  // run the chunks c with Sweep::shard_of(c, shard_count) == shard_index
  std::uint32_t shard_count = 1;
  int threads = 0;  // for the greedy policies' evaluation; 0: all cores
  // Called with (agents done, agents this run will do) now and then, from the calling thread.
  std::function<void(std::uint64_t, std::uint64_t)> progress;
  // Called after each chunk file is in place, with the number written so far by this run.
  std::function<void(std::uint64_t)> chunk_stored;
};

struct SweepRunReport {
  std::uint64_t chunks_run = 0;      // computed by this call
  std::uint64_t chunks_present = 0;  // of this shard, already on disk before
  std::uint64_t agents_run = 0;
  double seconds = 0.0;
};

// Runs every chunk of the shard that is not yet in the chunk folder, writing each as it
// finishes. Consecutive chunks that form one block of agents (one point's seeds, or whole points
// of one environment) go to the engine together, up to Engine::preferred_group_agents() agents
// and 1 GiB of final tables; each chunk file has the same bits either way.
SweepRunReport run_sweep(const Sweep& sweep, Engine& engine, const SweepRunControl& control);

}  // namespace dynaq
