// Chunk files: each finished chunk of a sweep's agents, kept on disk so that a run that is
// stopped loses nothing it finished, a resumed run can carry on, and shards can be merged.
//
// A chunk file is written under a temporary name, synced and renamed into place
// (ResultFileSet), so a chunk file that exists is complete. Its layout:
//
//   dynaq-chunk 2                      format version
//   dynaq-version 0.1.0                the dynaq that wrote it
//   config-hash 0123456789abcdef       FNV-1a 64 of the run's config.toml (without shard)
//   chunk 12                           its index in the sweep
//   environment 9f86d081884c7d65       the fingerprint of its environment's content
//   agents 49152 1024                  first global agent index, number of agents
//   seconds 1.25                       time spent computing it
//   engine cpu: <device>               what computed it (informative only)
//   array steps f8 51200               a named array: type (f8 float64 or f4 float32), count
//   ...                                one line per array, in the order of the data
//   data
//   <the arrays, little-endian, one after the other>
//
// Every array is agent-major: agent i's values are [i * per_agent, (i + 1) * per_agent).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dynaq {

// What a chunk file must match to belong to a run.
struct ChunkIdentity {
  std::string dynaq_version;
  std::uint64_t config_hash = 0;
};

struct ChunkRecord {
  ChunkIdentity identity;
  std::uint32_t chunk = 0;
  std::string environment_fingerprint;  // environment_fingerprint.hpp
  std::uint64_t first_agent = 0;
  std::uint32_t agents = 0;
  double seconds = 0.0;
  std::string engine;
  std::vector<std::string> names;           // float64 arrays, by name
  std::vector<std::vector<double>> arrays;  // parallel to names
  std::vector<float> q;                     // "q", float32 [agent][pair]; empty when not kept

  const std::vector<double>* find(const std::string& name) const;
};

// "chunk-000012.bin": sorts in chunk order.
std::string chunk_file_name(std::uint32_t chunk);

// Writes `record` as `folder`/chunk_file_name(record.chunk), atomically.
void write_chunk_file(const std::string& folder, const ChunkRecord& record);

// Reads a chunk file (with header_only, everything up to the data). A file that is not a
// chunk file, or is cut short, is an InputError naming it.
ChunkRecord read_chunk_file(const std::string& path, bool header_only = false);

// FNV-1a, 64 bits: the configuration's fingerprint in chunk headers.
std::uint64_t fnv1a64(const std::string& text);

}  // namespace dynaq
