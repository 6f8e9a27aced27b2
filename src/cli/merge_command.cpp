// `dynaq merge OUT SHARD_DIR...`: joins the shards of one sweep (`dynaq run --shard K/N`) into
// the result files the unsharded run would have written, byte for byte.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "dynaq/environment_fingerprint.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/format.hpp"
#include "dynaq/sweep.hpp"
#include "options.hpp"

namespace dynaq::cli {

namespace {

namespace fs = std::filesystem;

struct MergeOptions {
  std::string out;
  std::vector<std::string> shards;
  bool overwrite = false;
  bool quiet = false;
};

struct ShardFolder {
  std::string folder;
  ConfigDocument config;  // without its shard entry
  std::uint32_t index = 0;
  std::uint32_t count = 1;
};

ShardFolder read_shard_folder(const std::string& folder) {
  const std::string path = (fs::path(folder) / "chunks" / "config.toml").string();
  std::error_code error;
  if (!fs::is_regular_file(path, error))
    throw InputError(folder + ": not the folder of a shard (" + path + " is missing); give the --out folders of " +
                     "`dynaq run --shard K/N`");
  ShardFolder shard;
  shard.folder = folder;
  shard.config = read_config_file(path);
  auto& entries = shard.config.entries;
  for (auto it = entries.begin(); it != entries.end(); ++it)
    if (it->key == "shard") {
      const auto [k, n] = parse_shard(it->value.text);
      shard.index = k;
      shard.count = n;
      entries.erase(it);
      break;
    }
  return shard;
}

// Two shard configurations describe the same sweep when every entry but the shard is equal.
std::string first_difference(const ConfigDocument& a, const ConfigDocument& b) {
  const auto text = [](const ConfigValue& v) {
    std::string t = v.text;
    for (const ConfigValue& item : v.items) t += "," + item.text;
    return t;
  };
  for (const ConfigEntry& entry : a.entries) {
    if (is_environment_path_key(entry.key)) continue;  // compared by content (changed_environment)
    const ConfigEntry* other = b.find(entry.key);
    if (other == nullptr || text(other->value) != text(entry.value)) return entry.key;
  }
  for (const ConfigEntry& entry : b.entries)
    if (!is_environment_path_key(entry.key) && a.find(entry.key) == nullptr) return entry.key;
  return "";
}

void merge(const MergeOptions& o, const std::string& command) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<ShardFolder> shards;
  for (const std::string& folder : o.shards) shards.push_back(read_shard_folder(folder));
  const ShardFolder& first = shards.front();
  for (const ShardFolder& shard : shards) {
    const std::string changed = changed_environment(first.config, shard.config);
    if (!changed.empty())
      throw InputError(shard.folder + " and " + first.folder + " are shards run on different environments: " +
                       changed + "; run every shard on the same contents");
    const std::string key = first_difference(first.config, shard.config);
    if (!key.empty())
      throw InputError(shard.folder + " holds a shard of another sweep than " + first.folder + " ('" + key +
                       "' differs in their chunks/config.toml)");
    if (shard.count != first.count)
      throw InputError(shard.folder + " is a shard of " + std::to_string(shard.count) + ", but " + first.folder +
                       " is a shard of " + std::to_string(first.count));
  }
  std::vector<const ShardFolder*> given(first.count, nullptr);
  for (const ShardFolder& shard : shards) {
    if (given[shard.index] != nullptr)
      throw InputError("shard " + std::to_string(shard.index) + "/" + std::to_string(first.count) +
                       " is given twice: " + given[shard.index]->folder + " and " + shard.folder);
    given[shard.index] = &shard;
  }
  for (std::uint32_t k = 0; k < first.count; ++k)
    if (given[k] == nullptr)
      throw InputError("shard " + std::to_string(k) + "/" + std::to_string(first.count) +
                       " is not among the folders given; merge needs every shard");
  // With --overwrite, preparing OUT would delete that shard's chunks before they are read.
  for (const ShardFolder& shard : shards) {
    std::error_code not_there;
    if (fs::equivalent(o.out, shard.folder, not_there))
      throw InputError("OUT " + o.out + " is also given as a shard (" + shard.folder +
                       "): merge writes its results into a folder of their own");
  }

  // The sweep, from the shards' configuration exactly as `dynaq run --config` would read it.
  RunOptions options;
  CLI::App parser;
  add_run_options(parser, options);
  std::vector<std::string> args = config_arguments(first.config, {});
  std::reverse(args.begin(), args.end());  // CLI11 takes a vector of arguments last first
  parser.parse(args);
  const Sweep sweep = plan_sweep(spec_from(options));
  check_environment_fingerprints(options.env_fingerprint, sweep.spec.values("env"), sweep.environment_fingerprints);
  const ChunkIdentity identity = chunk_identity(sweep);

  std::vector<std::string> chunk_folders;
  for (const ShardFolder& shard : shards) chunk_folders.push_back((fs::path(shard.folder) / "chunks").string());
  const ChunkFiles files = collect_chunk_files(sweep, chunk_folders, identity, first.count);
  const OutputFolderLock folder_lock(o.out, "OUT");
  prepare_output_folder(o.out, o.overwrite, "OUT");

  ExecutionInfo execution;
  execution.command = command;
  execution.engine = "merge";
  execution.device = "";
  execution.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const ShardFolder& shard : shards) execution.merged_shards.push_back(shard.folder);
  const WrittenResults written = write_sweep_results(sweep, files, o.out, execution, effective_config(sweep, ""));
  if (!o.quiet) {
    std::cout << results_table(sweep, written);
    std::cout << "\nmerged " << shards.size() << " shards (" << sweep.chunks.size() << " chunks, " << sweep.n_agents()
              << " agents); results in " << o.out << "/:";
    for (const std::string& f : written.files) std::cout << " " << f;
    std::cout << "\n";
  }
}

}  // namespace

void register_merge_command(CLI::App& app, const std::string& command_line) {
  auto options = std::make_shared<MergeOptions>();
  CLI::App* command = app.add_subcommand(
      "merge",
      "Join the shards of one sweep (each the --out folder of `dynaq run --shard K/N`, K = 0 .. N-1) into\n"
      "OUT: the same result files, byte for byte, as the sweep run whole (summary.json differs only in\n"
      "its execution and timings). Every shard must be complete and of the same configuration.");
  command->add_option("out", options->out, "Folder for the merged results")->required();
  command->add_option("shards", options->shards, "The shards' folders, in any order")->required();
  command->add_flag("--overwrite", options->overwrite, "Replace results already in OUT (default off)");
  command->add_flag("-q,--quiet", options->quiet, "Print nothing but errors (default off)");
  command->callback([options, command_line] { merge(*options, command_line); });
}

}  // namespace dynaq::cli
