// Which chunk files belong to a sweep, and where each of its chunks is (chunk_files.hpp).
#include "dynaq/sweep/chunk_files.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "dynaq/errors.hpp"

namespace dynaq {

namespace {

std::string hex64(std::uint64_t value) {
  char buffer[20];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
  return buffer;
}

}  // namespace

std::vector<std::uint32_t> chunks_in_folder(const Sweep& sweep, const std::string& folder,
                                            const ChunkIdentity& identity) {
  namespace fs = std::filesystem;
  std::vector<std::uint32_t> present;
  std::error_code error;
  if (!fs::is_directory(folder, error)) return present;
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder, error)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const std::string path = (fs::path(folder) / name).string();
    // "chunk-000012.bin.partial-PID" is a chunk being written (or left by a killed writer).
    if (name.rfind("chunk-", 0) != 0 || name.find(".partial-") != std::string::npos) continue;
    const ChunkRecord header = read_chunk_file(path, true);
    if (header.identity.dynaq_version != identity.dynaq_version)
      throw InputError(path + " was written by dynaq " + header.identity.dynaq_version + ", but this is dynaq " +
                       identity.dynaq_version + "; finish the run with that version, or start it again with --overwrite");
    // The environment first: a changed file is the likeliest reason for a foreign chunk, and
    // the message can name it.
    if (header.chunk < sweep.chunks.size()) {
      const std::uint32_t e = sweep.chunks[header.chunk].environment;
      if (header.environment_fingerprint != sweep.environment_fingerprints[e])
        throw InputError(path + " was computed on another content of environment " + sweep.environments[e].name +
                         " (fingerprint " + header.environment_fingerprint + " there, " +
                         sweep.environment_fingerprints[e] + " now): that environment changed since the chunk was "
                         "run; restore it, or start the run again with --overwrite");
    }
    if (header.identity.config_hash != identity.config_hash)
      throw InputError(path + " belongs to another configuration than this run's (config hash " +
                       hex64(header.identity.config_hash) + " there, " + hex64(identity.config_hash) +
                       " here); its folder's config.toml was changed, or the chunk comes from another run");
    if (header.chunk >= sweep.chunks.size() || chunk_file_name(header.chunk) != name ||
        header.first_agent != sweep.first_agent(sweep.chunks[header.chunk]) ||
        header.agents != sweep.n_agents(sweep.chunks[header.chunk]))
      throw InputError(path + " does not match chunk " + std::to_string(header.chunk) + " of this sweep");
    present.push_back(header.chunk);
  }
  return present;
}

ChunkFiles collect_chunk_files(const Sweep& sweep, const std::vector<std::string>& folders,
                               const ChunkIdentity& identity, std::uint32_t shard_count) {
  ChunkFiles files;
  files.paths.assign(sweep.chunks.size(), std::string());
  for (const std::string& folder : folders)
    for (std::uint32_t c : chunks_in_folder(sweep, folder, identity))
      if (files.paths[c].empty()) files.paths[c] = (std::filesystem::path(folder) / chunk_file_name(c)).string();
  std::vector<std::uint32_t> missing;
  for (std::uint32_t c = 0; c < files.paths.size(); ++c)
    if (files.paths[c].empty()) missing.push_back(c);
  if (!missing.empty()) {
    std::string list;
    for (std::size_t k = 0; k < missing.size() && k < 8; ++k) {
      list += (k ? ", " : "") + std::to_string(missing[k]);
      if (shard_count > 1)
        list += " (shard " + std::to_string(sweep.shard_of(missing[k], shard_count)) + "/" + std::to_string(shard_count) + ")";
    }
    if (missing.size() > 8) list += ", ...";
    throw InputError(std::to_string(missing.size()) + " of the sweep's " + std::to_string(sweep.chunks.size()) +
                     " chunks are missing: " + list +
                     "; finish the shards that hold them (dynaq run --resume SHARD_DIR) and merge again");
  }
  return files;
}

}  // namespace dynaq
