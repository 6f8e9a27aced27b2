// A sweep's identity: config.toml, every option that determines its results, resolved; and the
// hash of it that every chunk file carries, so that resume and merge refuse another sweep's
// chunks.
#pragma once

#include <cstdint>
#include <string>

#include "dynaq/agent_metrics_store.hpp"
#include "dynaq/sweep/plan.hpp"

namespace dynaq {

// config.toml: every option that determines the results, resolved, as TOML that --config
// reads back. `shard` is "K/N" for one shard of a sharded run, else "".
std::string effective_config(const Sweep& sweep, const std::string& shard);
// The configuration's fingerprint (the same for every shard of one sweep, and for the same
// environments given by other paths: it hashes content_identity_text).
std::uint64_t config_hash(const Sweep& sweep);
// What every chunk file of this sweep carries: this dynaq's version and config_hash.
ChunkIdentity chunk_identity(const Sweep& sweep);

}  // namespace dynaq
