// An environment's fingerprint: a hash of its content (every phase's tables, start
// distribution and step limit, and the steps at which the schedule switches), never of the
// path or name it was given by. It is a sweep's record of what its agents learned on: config.toml
// carries one per environment ("env-fingerprint"), every chunk file the one of its environment,
// summary.json each environment's. A run, its resumption, its shards and their merge must see
// the same contents; the same file under another path, or a built-in written out by `dynaq envs
// export` and loaded back, has the same fingerprint and so makes the same sweep.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dynaq/config_file.hpp"
#include "dynaq/environment.hpp"

namespace dynaq {

// 16 lowercase hex digits: FNV-1a 64 over the content in a fixed little-endian layout (floats
// by their bit patterns, so that two tables hash alike exactly when the engines see the same).
std::string environment_fingerprint(const Environment& env);

// The config key that records the fingerprints, and its value: "SPEC=HEX, SPEC=HEX" in grid
// order, SPEC as the environment was written for --env.
constexpr const char* kEnvironmentFingerprintKey = "env-fingerprint";
std::string environment_fingerprint_value(const std::vector<std::string>& specs,
                                          const std::vector<std::string>& fingerprints);

// Checks a recorded value (environment_fingerprint_value, as config.toml or --env-fingerprint
// gives it) against the environments loaded now. Only recorded specs that are among `specs`
// are checked, so that a config file reused with other environments still reads. Throws
// InputError naming the environment whose content changed, with both fingerprints; a recorded
// value that is not of the form SPEC=HEX is an InputError naming --env-fingerprint.
void check_environment_fingerprints(const std::string& recorded, const std::vector<std::string>& specs,
                                    const std::vector<std::string>& fingerprints);

// A config.toml's text with the environments' paths replaced by their contents: the "env" line
// is left out and the "env-fingerprint" line keeps only the fingerprints, in order. Two runs
// whose texts agree here compute the same bits, so this is what a sweep's identity hashes and
// what a resumed run compares.
std::string content_identity_text(const std::string& config_text);

// The config keys that name environments by path (compared through their fingerprints).
bool is_environment_path_key(const std::string& key);

// The first environment, by grid position, whose content differs between two shards'
// configurations, as "SPEC (HEX in A, HEX in B)"; "" when every fingerprint agrees. A different
// number of environments is reported as such.
std::string changed_environment(const ConfigDocument& a, const ConfigDocument& b);

}  // namespace dynaq
