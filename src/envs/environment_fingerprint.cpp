// Environment fingerprints (environment_fingerprint.hpp): the hash of an environment's content,
// and how config files record and check it.
#include "dynaq/environment_fingerprint.hpp"

#include <cstdio>
#include <cstring>
#include <sstream>

#include "dynaq/errors.hpp"
#include "dynaq/option_values.hpp"

namespace dynaq {

namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "fingerprints hash little-endian bytes");

// FNV-1a 64 fed piece by piece, so that a large environment is hashed without a copy of it.
class ContentHash {
 public:
  void bytes(const void* data, std::size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t k = 0; k < size; ++k) {
      hash_ ^= p[k];
      hash_ *= 0x100000001b3ull;
    }
  }
  void u64(std::uint64_t value) { bytes(&value, sizeof value); }
  // Each array is preceded by its length, so that no two layouts give the same byte stream.
  template <typename T>
  void array(const std::vector<T>& values) {
    u64(values.size());
    bytes(values.data(), values.size() * sizeof(T));
  }
  std::uint64_t value() const { return hash_; }

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ull;
};

std::string hex16(std::uint64_t value) {
  char buffer[20];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
  return buffer;
}

bool is_fingerprint(const std::string& text) {
  return text.size() == 16 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// "SPEC=HEX, SPEC=HEX" as (spec, hex) pairs; the spec may itself hold '=' (a schedule).
std::vector<std::pair<std::string, std::string>> parse_recorded(const std::string& recorded) {
  std::vector<std::pair<std::string, std::string>> entries;
  if (recorded.empty()) return entries;
  for (const std::string& item : split_list({recorded})) {
    const std::size_t equals = item.rfind('=');
    const std::string hex = equals == std::string::npos ? std::string() : item.substr(equals + 1);
    if (equals == 0 || !is_fingerprint(hex))
      throw InputError(std::string("--") + kEnvironmentFingerprintKey + ": '" + item +
                       "' is not of the form ENV=FINGERPRINT (16 hex digits), as config.toml records it");
    entries.emplace_back(item.substr(0, equals), hex);
  }
  return entries;
}

// The recorded value of `key` in a config file's text, or "" (the line is dynaq's own, one
// string, so its own parser reads it).
std::string recorded_in(const ConfigDocument& config) {
  const ConfigEntry* entry = config.find(kEnvironmentFingerprintKey);
  return entry == nullptr ? std::string() : entry->value.text;
}

}  // namespace

std::string environment_fingerprint(const Environment& env) {
  ContentHash hash;
  hash.u64(env.phases.size());
  for (const EnvironmentPhase& phase : env.phases) {
    const TabularMdp& mdp = *phase.mdp;
    hash.u64(phase.start_step);
    hash.u64(mdp.n_states);
    hash.u64(mdp.n_actions);
    hash.u64(mdp.max_episode_steps);
    hash.array(mdp.pair_begin);
    hash.array(mdp.probability);
    hash.array(mdp.next_state);
    hash.array(mdp.reward);
    hash.array(mdp.terminated);
    hash.array(mdp.initial_distribution);
  }
  return hex16(hash.value());
}

std::string environment_fingerprint_value(const std::vector<std::string>& specs,
                                          const std::vector<std::string>& fingerprints) {
  std::string value;
  for (std::size_t e = 0; e < specs.size() && e < fingerprints.size(); ++e)
    value += (e ? ", " : "") + specs[e] + "=" + fingerprints[e];
  return value;
}

void check_environment_fingerprints(const std::string& recorded, const std::vector<std::string>& specs,
                                    const std::vector<std::string>& fingerprints) {
  for (const auto& [spec, hex] : parse_recorded(recorded))
    for (std::size_t e = 0; e < specs.size() && e < fingerprints.size(); ++e)
      if (specs[e] == spec && fingerprints[e] != hex)
        throw InputError("--env " + spec + ": its content has changed since the configuration was written "
                         "(fingerprint " + hex + " recorded in " + kEnvironmentFingerprintKey + ", " +
                         fingerprints[e] + " now), so these agents would not learn what the run's others learned; "
                         "restore that environment, or start a new run without that " +
                         kEnvironmentFingerprintKey + " entry");
}

std::string content_identity_text(const std::string& config_text) {
  std::istringstream in(config_text);
  std::string out;
  const std::string env_prefix = "env = ";
  const std::string fingerprint_prefix = std::string(kEnvironmentFingerprintKey) + " = ";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(env_prefix, 0) == 0) continue;
    if (line.rfind(fingerprint_prefix, 0) == 0) {
      std::string contents;
      for (const auto& entry : parse_recorded(recorded_in(parse_config_text(line, "config.toml"))))
        contents += (contents.empty() ? "" : ", ") + entry.second;
      line = fingerprint_prefix + "\"" + contents + "\"";
    }
    out += line + "\n";
  }
  return out;
}

bool is_environment_path_key(const std::string& key) {
  return key == "env" || key == kEnvironmentFingerprintKey;
}

std::string changed_environment(const ConfigDocument& a, const ConfigDocument& b) {
  const auto in_a = parse_recorded(recorded_in(a)), in_b = parse_recorded(recorded_in(b));
  if (in_a.size() != in_b.size())
    return "the number of environments (" + std::to_string(in_a.size()) + " in " + a.source + ", " +
           std::to_string(in_b.size()) + " in " + b.source + ")";
  for (std::size_t e = 0; e < in_a.size(); ++e)
    if (in_a[e].second != in_b[e].second)
      return "environment " + in_a[e].first + " (fingerprint " + in_a[e].second + " in " + a.source + ", " +
             in_b[e].second + " in " + b.source + ")";
  return "";
}

}  // namespace dynaq
