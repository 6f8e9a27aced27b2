// A planned sweep: the environments loaded, the grid expanded into points and the points cut
// into chunks, everything checked before anything runs (plan_sweep).
//
// Agent global index = point * seeds + seed; it keys the agent's random stream. Chunks are the
// unit of work, storage, resumption and sharding. Within one environment, a chunk is either a
// run of up to chunk_agents seeds of one grid point (when a point has at least chunk_agents
// seeds) or floor(chunk_agents / seeds) whole consecutive points.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dynaq/engine.hpp"
#include "dynaq/environment.hpp"
#include "dynaq/sweep/grid.hpp"

namespace dynaq {

struct Chunk {
  std::uint32_t index;
  std::uint32_t environment;
  std::uint32_t first_point;
  std::uint32_t n_points;
  std::uint32_t first_seed;
  std::uint32_t n_seeds;  // seeds of each of its points
};

struct Sweep {
  SweepSpec spec;
  std::vector<Environment> environments;
  std::vector<std::string> environment_fingerprints;  // [environment] environment_fingerprint()
  std::vector<GridPoint> points;
  std::vector<std::vector<std::string>> axis_literals;  // [axis] TOML literal of each value
  RunBudget budget{};
  std::uint32_t chunk_agents = 0;  // resolved
  std::vector<Chunk> chunks;

  std::uint64_t n_agents() const { return std::uint64_t{spec.seeds} * points.size(); }
  std::uint64_t first_agent(const Chunk& chunk) const {
    return std::uint64_t{chunk.first_point} * spec.seeds + chunk.first_seed;
  }
  std::uint32_t n_agents(const Chunk& chunk) const { return chunk.n_points * chunk.n_seeds; }
  // The chunk's agents as one engine group (keep_tables set: the greedy policies need Q).
  AgentGroup group_for(const Chunk& chunk) const;
  // The chunks holding global agents [first, first + count), in order.
  std::vector<std::uint32_t> chunks_holding(std::uint64_t first, std::uint64_t count) const;
  // The shard (of `shard_count`) that runs `chunk`. Shards take runs of consecutive chunks in
  // turn: run j, chunks [jS, (j+1)S), goes to shard j mod shard_count, S being the chunks of
  // 65,536 agents but at most chunks / (4 shard_count), and at least 1. Runs are long enough for
  // a GPU to take together (run_sweep), and a shard has several of them, which spreads
  // environments of unequal cost over the shards.
  std::uint32_t shard_of(std::uint32_t chunk, std::uint32_t shard_count) const;
};

// Loads the environments, builds the grid and the chunks, and checks everything that can be
// checked before running: value ranges, that episodes can end, memory. Throws InputError
// naming the option.
Sweep plan_sweep(const SweepSpec& spec);

}  // namespace dynaq
