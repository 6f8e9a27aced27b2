// The options of `dynaq run` in one place: their names, help and defaults, how a config file
// turns into them, and the effective configuration written beside the results.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dynaq/config_file.hpp"
#include "dynaq/option_values.hpp"
#include "dynaq/sweep.hpp"

namespace dynaq::cli {

// What `dynaq run` was given, as text; checked by spec_from and the run itself.
struct RunOptions {
  std::vector<std::vector<std::string>> axes;  // grid_axes() order, defaults filled in
  std::string seeds = "10";
  std::string seed = "0";
  std::string episodes;  // empty: 50, unless --steps is given
  std::string steps;
  std::string bucket = "0";
  std::string near_optimal_steps = "auto";
  std::string chunk_agents = "auto";
  std::string env_fingerprint;  // environment_fingerprint_value(); empty: unchecked
  std::string backend = "auto";
  std::string cuda_kernel = "auto";
  std::string threads = "0";
  std::string batch = "0";
  std::string out;
  std::string shard;
  std::string config;
  std::string resume;
  std::string preset;
  bool overwrite = false;
  bool save_tables = false;
  bool save_agent_metrics = false;
  bool quiet = false;

  RunOptions();
};

// Registers every option of `dynaq run` on `command`, bound to `options`.
void add_run_options(CLI::App& command, RunOptions& options);

// The sweep the options describe (values parsed; ranges are checked by plan_sweep).
SweepSpec spec_from(const RunOptions& options);

// `--shard K/N` as (K, N); "" is (0, 1).
std::pair<std::uint32_t, std::uint32_t> parse_shard(const std::string& text);

// A config file as `dynaq run` arguments ("--alpha=0.1,0.5", "--save-tables"), leaving out
// every option that `given` (the command line's own arguments) already sets, so that the
// command line wins. Unknown keys and values of the wrong type are InputErrors at the key's or
// value's file:line:column. Records where each option came from, for locate_in_config.
std::vector<std::string> config_arguments(const ConfigDocument& config, const std::vector<std::string>& given);

// Prefixes an InputError's message with the config file position of the option it names
// ("--alpha 1.5 is outside ..." from a file becomes "sweep.toml:3:9: --alpha 1.5 is ...").
std::string locate_in_config(const std::string& message);

// The command line as one string, for the summary (so that a run can be repeated).
std::string command_line(int argc, const char* const* argv);

}  // namespace dynaq::cli
