// The options of `dynaq run`: one table for the grid axes (grid_axes(), in the library) and
// one for the rest, from which the command line, config files and config.toml all derive.
#include "options.hpp"

#include <algorithm>

#include "dynaq/environment_fingerprint.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/format.hpp"
#include "dynaq/messages.hpp"

namespace dynaq::cli {

namespace {

// The options of `dynaq run` that are not grid axes.
struct OtherOption {
  const char* key;
  const char* short_flag;  // or nullptr
  std::string RunOptions::*value;  // nullptr for flags
  bool RunOptions::*flag;          // nullptr for options with a value
  bool in_config_files;            // may be set by --config
  const char* help;                // states the default
  const char* type_name = "";      // what the value is, in --help
};

const std::vector<OtherOption>& other_options() {
  static const std::vector<OtherOption> options = {
      {"seeds", nullptr, &RunOptions::seeds, nullptr, true, "Agents per grid point (default 10)", "N"},
      {"seed", nullptr, &RunOptions::seed, nullptr, true,
       "Sweep seed: every random draw is a function of it and the agent's index (default 0)", "N"},
      {"episodes", nullptr, &RunOptions::episodes, nullptr, true, "Episodes per agent, the default budget (default 50)", "N"},
      {"steps", nullptr, &RunOptions::steps, nullptr, true,
       "Real steps per agent instead of episodes; the curves then report cumulative reward (default: unset)", "N"},
      {"bucket", nullptr, &RunOptions::bucket, nullptr, true,
       "With --steps: record the curves every this many steps (default 0: steps / 100)", "N"},
      {"near-optimal-steps", nullptr, &RunOptions::near_optimal_steps, nullptr, true,
       "points.csv's episodes_to_near_optimal counts episodes until the mean episode length stays at or below "
       "this; auto = 1.2 x the expected episode length of the epsilon-greedy policy on Q* (default auto)", "X|auto"},
      {"chunk-agents", nullptr, &RunOptions::chunk_agents, nullptr, true,
       "Agents per chunk, the unit kept on disk as it finishes, resumed and sharded; auto = up to 4096, at "
       "most 256 MiB of tables (default auto)", "N|auto"},
      {kEnvironmentFingerprintKey, nullptr, &RunOptions::env_fingerprint, nullptr, true,
       "The content each environment must have, ENV=FINGERPRINT,... as config.toml records it; an environment "
       "whose content differs is refused, so a repeated, resumed or merged run cannot mix contents (default: "
       "unchecked)", "LIST"},
      {"save-tables", nullptr, nullptr, &RunOptions::save_tables, true,
       "Also write q.npy with every agent's final Q-table (default off)"},
      {"save-agent-metrics", nullptr, nullptr, &RunOptions::save_agent_metrics, true,
       "Also write agent_<metric>.npy with every agent's metrics (default off)"},
      {"backend", nullptr, &RunOptions::backend, nullptr, true,
       "Engine: auto (cuda when a GPU is present, going on with cpu if the GPU fails; else cpu), reference "
       "(plain, single-threaded oracle), cpu (multi-threaded), cuda (the GPU alone, with a self-check against "
       "cpu); all give identical results (default auto)", "NAME"},
      {"cuda-kernel", nullptr, &RunOptions::cuda_kernel, nullptr, true,
       "Kernel version of the cuda engine: auto (shared when a warp of agents fits a block's shared memory, "
       "else global), global (tables in global memory), shared (tables in shared memory); for validation "
       "and benchmarks, all give identical results (default auto)", "NAME"},
      {"threads", nullptr, &RunOptions::threads, nullptr, true, "CPU threads for the cpu engine (default 0: all cores)", "N"},
      {"batch", nullptr, &RunOptions::batch, nullptr, true,
       "Agents whose tables are held at once (default 0: as many as fit 1 GiB)", "N"},
      {"out", nullptr, &RunOptions::out, nullptr, true, "Results folder (default dynaq-runs/run-<date>-<time>)", "DIR"},
      {"overwrite", nullptr, nullptr, &RunOptions::overwrite, true,
       "Replace results, or an unfinished run, already in --out (default off)"},
      {"quiet", "-q", nullptr, &RunOptions::quiet, true,
       "Print nothing but errors: no table, no progress bar (default off; the bar is shown only on a terminal)"},
      {"shard", nullptr, &RunOptions::shard, nullptr, true,
       "Run shard K of N (K from 0): every Nth run of consecutive chunks from run K (README \"Shards\"), "
       "kept in --out for `dynaq merge` (default: the whole sweep)", "K/N"},
      {"config", nullptr, &RunOptions::config, nullptr, false,
       "Read options from a TOML file (key = value, keys named as these options); options on the command line "
       "win (default: none)", "FILE"},
      {"resume", nullptr, &RunOptions::resume, nullptr, false,
       "Finish the stopped run in this folder, with the configuration it started with (default: none)", "DIR"},
      {"preset", nullptr, &RunOptions::preset, nullptr, false,
       "Run a chapter 8 experiment with the book's parameters (options on the command line win): figure-8.2, "
       "figure-8.4 (blocking maze, Dyna-Q vs Dyna-Q+), figure-8.5 (shortcut maze); `dynaq run --help` lists "
       "their settings (default: none)", "NAME"},
  };
  return options;
}

// Where each option set by the config file was set: its value's position, and each array
// item's text and position.
struct Origin {
  std::string value;
  std::vector<std::pair<std::string, std::string>> items;
};
std::map<std::string, Origin>& origins() {
  static std::map<std::string, Origin> map;
  return map;
}
std::string position(const std::string& source, const ConfigValue& value) {
  return source + ":" + std::to_string(value.line) + ":" + std::to_string(value.column);
}

bool sets_option(const std::vector<std::string>& given, const std::string& key, const char* short_flag) {
  const std::string long_flag = "--" + key;
  for (const std::string& arg : given) {
    if (arg == long_flag || arg.rfind(long_flag + "=", 0) == 0) return true;
    if (short_flag != nullptr && arg.rfind(short_flag, 0) == 0) return true;
  }
  return false;
}

std::string closest_key(const std::string& key) {
  std::string best;
  std::size_t best_distance = 3;  // suggest only near misses
  const auto consider = [&](const char* candidate) {
    const std::size_t d = edit_distance(key, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  };
  for (const GridAxis& axis : grid_axes()) consider(axis.key);
  for (const OtherOption& o : other_options())
    if (o.in_config_files) consider(o.key);
  return best;
}

std::string all_config_keys() {
  std::string keys;
  for (const GridAxis& axis : grid_axes()) keys += std::string(keys.empty() ? "" : ", ") + axis.key;
  for (const OtherOption& o : other_options())
    if (o.in_config_files) keys += std::string(", ") + o.key;
  return keys;
}

}  // namespace

RunOptions::RunOptions() {
  for (const GridAxis& axis : grid_axes()) axes.push_back({axis.default_value});
}

void add_run_options(CLI::App& command, RunOptions& o) {
  const auto& axes = grid_axes();
  for (std::size_t a = 0; a < axes.size(); ++a) {
    const std::string name = axes[a].short_flag ? std::string(axes[a].short_flag) + ",--" + axes[a].key
                                                : std::string("--") + axes[a].key;
    command.add_option(name, o.axes[a], std::string(axes[a].help) + " (grid axis; default " + axes[a].default_value + ")")
        ->delimiter(',')
        ->type_name("LIST");
  }
  for (const OtherOption& option : other_options()) {
    const std::string name = option.short_flag ? std::string(option.short_flag) + ",--" + option.key
                                               : std::string("--") + option.key;
    if (option.flag != nullptr) command.add_flag(name, o.*(option.flag), option.help);
    else command.add_option(name, o.*(option.value), option.help)->type_name(option.type_name);
  }
}

std::pair<std::uint32_t, std::uint32_t> parse_shard(const std::string& text) {
  if (text.empty()) return {0, 1};
  const std::size_t slash = text.find('/');
  if (slash == std::string::npos) throw InputError("--shard '" + text + "' is not of the form K/N (e.g. 0/4)");
  const std::uint64_t k = parse_count(text.substr(0, slash), "--shard");
  const std::uint64_t n = parse_count(text.substr(slash + 1), "--shard");
  if (n == 0 || n > 1000000) throw InputError("--shard " + text + ": N must be between 1 and 1000000");
  if (k >= n) throw InputError("--shard " + text + ": K must be below N (shards are numbered 0 to N-1)");
  return {static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(n)};
}

SweepSpec spec_from(const RunOptions& o) {
  SweepSpec spec;
  for (std::size_t a = 0; a < grid_axes().size(); ++a) spec.axis_values[a] = split_list(o.axes[a]);
  const std::uint64_t seeds = parse_count(o.seeds, "--seeds");
  if (seeds == 0 || seeds > 0xFFFFFFFFull) throw InputError("--seeds must be between 1 and 4294967295");
  spec.seeds = static_cast<std::uint32_t>(seeds);
  spec.seed = parse_count(o.seed, "--seed");
  if (!o.episodes.empty() && !o.steps.empty())
    throw InputError("--episodes and --steps are alternatives: give one of them");
  if (!o.steps.empty()) {
    spec.budget_kind = BudgetKind::kSteps;
    spec.steps = parse_count(o.steps, "--steps");
  } else {
    const std::uint64_t episodes = parse_count(o.episodes.empty() ? "50" : o.episodes, "--episodes");
    if (episodes > 0xFFFFFFFFull)
      throw InputError("--episodes " + o.episodes + " is more than the 2^32 - 1 episodes an agent can record");
    spec.episodes = static_cast<std::uint32_t>(episodes);
  }
  spec.bucket_steps = parse_count(o.bucket, "--bucket");
  if (spec.budget_kind == BudgetKind::kEpisodes && spec.bucket_steps != 0)
    throw InputError("--bucket applies to --steps runs only");
  if (o.near_optimal_steps != "auto") {
    if (spec.budget_kind == BudgetKind::kSteps)
      throw InputError("--near-optimal-steps applies to --episodes runs only (it counts episodes)");
    spec.near_optimal_steps = parse_real(o.near_optimal_steps, "--near-optimal-steps");
  }
  if (o.chunk_agents != "auto") {
    const std::uint64_t chunk = parse_count(o.chunk_agents, "--chunk-agents");
    if (chunk == 0 || chunk > 0xFFFFFFFFull) throw InputError("--chunk-agents must be between 1 and 4294967295, or auto");
    spec.chunk_agents = static_cast<std::uint32_t>(chunk);
  }
  spec.save_tables = o.save_tables;
  spec.save_agent_metrics = o.save_agent_metrics;
  return spec;
}

std::vector<std::string> config_arguments(const ConfigDocument& config, const std::vector<std::string>& given) {
  origins().clear();
  std::vector<std::string> args;
  std::map<std::string, const ConfigEntry*> spelled;  // option -> the entry that set it
  for (const ConfigEntry& entry : config.entries) {
    std::string key = entry.key;
    std::replace(key.begin(), key.end(), '_', '-');
    const auto fail = [&](const std::string& message) -> void {
      throw InputError(at_position(config.source, entry.line, entry.column, message));
    };
    // planning_steps and planning-steps are one option: given both, their lists would join.
    if (!spelled.emplace(key, &entry).second)
      fail("'" + entry.key + "' sets the same option as '" + spelled[key]->key + "' at line " +
           std::to_string(spelled[key]->line) + "; give it once");
    const GridAxis* axis = nullptr;
    for (const GridAxis& a : grid_axes())
      if (key == a.key) axis = &a;
    const OtherOption* other = nullptr;
    for (const OtherOption& o : other_options())
      if (key == o.key) other = &o;
    if (other != nullptr && !other->in_config_files)
      fail("'" + entry.key + "' cannot be set in a config file; give --" + key + " on the command line");
    if (axis == nullptr && other == nullptr) {
      const std::string suggestion = closest_key(key);
      fail("unknown key '" + entry.key + "'" + (suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)") +
           "; the keys are the options of dynaq run: " + all_config_keys());
    }
    if (sets_option(given, key, axis ? axis->short_flag : other->short_flag)) continue;

    const ConfigValue& value = entry.value;
    Origin& origin = origins()[key];
    origin.value = position(config.source, value);
    for (const ConfigValue& item : value.items) origin.items.emplace_back(item.text, position(config.source, item));
    const auto text_of = [&](const ConfigValue& v) {
      if (v.type == ConfigValue::Type::kBoolean)
        throw InputError(at_position(config.source, v.line, v.column,
                                     "'" + entry.key + "' takes " + (axis ? "numbers or names" : "a value") +
                                         ", not " + v.type_name()));
      return v.text;
    };
    if (other != nullptr && other->flag != nullptr) {
      if (value.type != ConfigValue::Type::kBoolean)
        throw InputError(at_position(config.source, value.line, value.column,
                                     "'" + entry.key + "' is a switch: write true or false, not " + value.type_name()));
      if (value.text == "true") args.push_back("--" + key);
      continue;
    }
    if (value.type == ConfigValue::Type::kArray) {
      if (axis == nullptr)
        throw InputError(at_position(config.source, value.line, value.column,
                                     "'" + entry.key + "' takes one value, not an array"));
      if (value.items.empty())
        throw InputError(at_position(config.source, value.line, value.column,
                                     "'" + entry.key + "' needs at least one value"));
      std::string joined;
      for (const ConfigValue& item : value.items) {
        const std::string text = text_of(item);
        if (text.find(',') != std::string::npos)
          throw InputError(at_position(config.source, item.line, item.column,
                                       "a value of '" + entry.key + "' holds a comma, which separates list items"));
        joined += (joined.empty() ? "" : ",") + text;
      }
      args.push_back("--" + key + "=" + joined);
    } else {
      args.push_back("--" + key + "=" + text_of(value));
    }
  }
  return args;
}

std::string locate_in_config(const std::string& message) {
  if (message.rfind("--", 0) != 0) return message;
  const std::size_t end = message.find_first_of(" :", 2);
  const std::string key = message.substr(2, end == std::string::npos ? std::string::npos : end - 2);
  const auto it = origins().find(key);
  if (it == origins().end()) return message;
  // Errors quote the value at fault as "--key VALUE ..." or "--key: 'VALUE' ...": point at
  // that array item when there is one.
  for (const auto& [text, where] : it->second.items) {
    const std::string prefix = "--" + key + " " + text;
    const bool named = message.find("'" + text + "'") != std::string::npos ||
                       (message.rfind(prefix, 0) == 0 && (message.size() == prefix.size() || message[prefix.size()] == ' '));
    if (named) return where + ": " + message;
  }
  return it->second.value + ": " + message;
}

std::string command_line(int argc, const char* const* argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    const bool plain = !arg.empty() && arg.find_first_of(" \t\"'\\$`;&|<>()*?") == std::string::npos;
    if (!plain) {
      std::string quoted = "'";
      for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
      arg = quoted + "'";
    }
    line += (i ? " " : "") + arg;
  }
  return line;
}

}  // namespace dynaq::cli
