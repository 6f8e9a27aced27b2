// A sweep's identity (identity.hpp): config.toml and its hash.
#include "dynaq/sweep/identity.hpp"

#include "dynaq/config_file.hpp"
#include "dynaq/environment_fingerprint.hpp"
#include "dynaq/format.hpp"

namespace dynaq {

std::string effective_config(const Sweep& sweep, const std::string& shard) {
  const SweepSpec& spec = sweep.spec;
  std::string text =
      "# The configuration of a dynaq run: every option that determines its results, resolved.\n"
      "# Repeat the run with: dynaq run --config config.toml --out NEW_FOLDER\n"
      "# (--backend, --cuda-kernel, --threads and --batch change how fast it runs, never its results.)\n"
      "# Written by dynaq " DYNAQ_VERSION ".\n"
      "[run]\n";
  const auto& axes = grid_axes();
  for (std::size_t a = 0; a < axes.size(); ++a) {
    text += std::string(axes[a].key) + " = [";
    for (std::size_t k = 0; k < sweep.axis_literals[a].size(); ++k) text += (k ? ", " : "") + sweep.axis_literals[a][k];
    text += "]\n";
  }
  text += std::string(kEnvironmentFingerprintKey) + " = " +
          toml_string(environment_fingerprint_value(spec.values("env"), sweep.environment_fingerprints)) + "\n";
  text += "seeds = " + std::to_string(spec.seeds) + "\n";
  text += "seed = " + std::to_string(spec.seed) + "\n";
  if (sweep.budget.kind == BudgetKind::kEpisodes) {
    text += "episodes = " + std::to_string(sweep.budget.episodes) + "\n";
  } else {
    text += "steps = " + std::to_string(sweep.budget.steps) + "\n";
    text += "bucket = " + std::to_string(sweep.budget.bucket_steps) + "\n";
  }
  text += "near-optimal-steps = " +
          (spec.near_optimal_steps ? format_double(*spec.near_optimal_steps) : std::string("\"auto\"")) + "\n";
  text += "chunk-agents = " + std::to_string(sweep.chunk_agents) + "\n";
  text += std::string("save-tables = ") + (spec.save_tables ? "true" : "false") + "\n";
  text += std::string("save-agent-metrics = ") + (spec.save_agent_metrics ? "true" : "false") + "\n";
  if (!shard.empty()) text += "shard = " + toml_string(shard) + "\n";
  return text;
}

std::uint64_t config_hash(const Sweep& sweep) { return fnv1a64(content_identity_text(effective_config(sweep, ""))); }

ChunkIdentity chunk_identity(const Sweep& sweep) { return ChunkIdentity{DYNAQ_VERSION, config_hash(sweep)}; }

}  // namespace dynaq
