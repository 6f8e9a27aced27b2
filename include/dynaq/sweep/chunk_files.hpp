// The chunk files of a sweep on disk: which belong to it (same dynaq version, configuration and
// environment contents), and where each of its chunks is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dynaq/agent_metrics_store.hpp"
#include "dynaq/sweep/plan.hpp"

namespace dynaq {

// The chunks already in `folder` that belong to this sweep (their indices), not counting files
// still being written. Throws InputError when a chunk file there was written by
// another dynaq version or for another configuration, or is damaged.
std::vector<std::uint32_t> chunks_in_folder(const Sweep& sweep, const std::string& folder,
                                            const ChunkIdentity& identity);

// Where each chunk's file is (one path per chunk, in chunk order).
struct ChunkFiles {
  std::vector<std::string> paths;
};
// Finds every chunk of the sweep in `folders` (the first folder holding a chunk wins) and
// checks it belongs to this run. Throws InputError listing missing chunks (by shard, when
// shard_count > 1) and foreign or damaged files.
ChunkFiles collect_chunk_files(const Sweep& sweep, const std::vector<std::string>& folders,
                               const ChunkIdentity& identity, std::uint32_t shard_count = 1);

}  // namespace dynaq
