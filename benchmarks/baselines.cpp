// The NumPy baselines (baselines/*.py) as subprocesses with a time limit.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>

#include "bench.hpp"

namespace dynaq::bench {

namespace {

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Everything a command prints on stdout (stderr goes to ours), and its exit status.
std::string output_of(const std::string& command, int& status) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    status = -1;
    return "";
  }
  std::string out;
  char buffer[4096];
  for (std::size_t got; (got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, got);
  status = pclose(pipe);
  return out;
}

// A number field of the one-line JSON object the scripts print.
double json_field(const std::string& json, const std::string& key) {
  const std::regex pattern("\"" + key + "\":\\s*([-0-9.eE+]+)");
  std::smatch match;
  if (!std::regex_search(json, match, pattern)) throw std::runtime_error("no \"" + key + "\" in: " + json);
  return std::stod(match[1].str());
}

}  // namespace

std::string baselines_unavailable(const Options& options) {
  int status = 0;
  output_of(shell_quote(options.python) + " -c 'import numpy' >/dev/null 2>&1", status);
  if (status != 0) return options.python + " with NumPy was not found (pip install numpy to run them)";
  std::ifstream script(options.baselines_dir + "/dyna_q_textbook.py");
  if (!script) return "the baseline scripts are not in " + options.baselines_dir + " (see --baselines-dir)";
  return "";
}

BaselineResult run_baseline(const Options& options, const std::string& name, std::uint32_t n) {
  BaselineResult result;
  result.name = name;
  result.script = options.baselines_dir + "/dyna_q_" + name + ".py";
  result.n = n;
  result.steps = options.steps;
  char limit[32], kill_after[32];
  std::snprintf(limit, sizeof limit, "%.3f", options.baseline_seconds);
  std::snprintf(kill_after, sizeof kill_after, "%.0f", options.baseline_seconds + 30.0);
  // The script stops itself at --time-limit; timeout(1) only guards against a hung interpreter.
  const std::string command = "timeout -k 5 " + std::string(kill_after) + " " + shell_quote(options.python) + " " +
                              shell_quote(result.script) + " --n " + std::to_string(n) + " --steps " +
                              std::to_string(options.steps) + " --time-limit " + limit;
  int status = 0;
  const std::string out = output_of(command, status);
  if (status != 0) {
    result.skipped = "'" + command + "' failed (exit status " + std::to_string(status) + ")";
    return result;
  }
  try {
    result.seconds = json_field(out, "seconds");
    result.cpu_seconds = json_field(out, "cpu_seconds");
    result.planning_updates = static_cast<std::uint64_t>(json_field(out, "planning_updates"));
    result.real_steps = static_cast<std::uint64_t>(json_field(out, "real_steps"));
    result.agents_completed = static_cast<std::uint64_t>(json_field(out, "agents_completed"));
    result.ran = true;
  } catch (const std::exception& e) {
    result.skipped = std::string("could not read its output: ") + e.what();
  }
  return result;
}

}  // namespace dynaq::bench
