// The baselines (baselines/*.py) as subprocesses: the NumPy transcriptions of the book with a
// time limit, and the fast peers (NumPy vectorised, Numba, JAX) with their own checks.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>

#include "bench.hpp"

#ifndef DYNAQ_SOURCE_DIR
#define DYNAQ_SOURCE_DIR ""
#endif

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

// A string field of the same line, or `otherwise` when it has none (older scripts).
std::string json_string_field(const std::string& json, const std::string& key, const std::string& otherwise) {
  const std::regex pattern("\"" + key + "\":\\s*\"([^\"]*)\"");
  std::smatch match;
  return std::regex_search(json, match, pattern) ? match[1].str() : otherwise;
}

bool imports(const std::string& python, const std::string& module) {
  int status = 0;
  output_of(shell_quote(python) + " -c 'import " + module + "' >/dev/null 2>&1", status);
  return status == 0;
}

// The results of a peer run: the fields the transcriptions print too, and the peer's own.
void read_peer_fields(const std::string& out, BaselineResult& result) {
  result.compile_seconds = json_field(out, "compile_seconds");
  result.check_seconds = json_field(out, "check_seconds");
  result.check_episode_1 = json_field(out, "episode_1_mean");
  result.check_plateau = json_field(out, "plateau_11_20");
  result.agents = static_cast<std::uint32_t>(json_field(out, "agents"));
  // Only JAX chooses its device (its default backend); NumPy and Numba run on the CPU.
  result.device = json_string_field(out, "jax_backend", "cpu");
}

// Runs a baseline's command (its stderr, where a failed check says why, is ours) and reads the
// figures every baseline prints, then those `read_more` reads; whatever fails is said in
// result.skipped.
void run_and_read(const std::string& command, BaselineResult& result,
                  void (*read_more)(const std::string& out, BaselineResult& result)) {
  int status = 0;
  const std::string out = output_of(command, status);
  if (status != 0) {
    result.skipped = "'" + command + "' failed (exit status " + std::to_string(status) + ")";
    return;
  }
  try {
    result.seconds = json_field(out, "seconds");
    result.cpu_seconds = json_field(out, "cpu_seconds");
    result.planning_updates = static_cast<std::uint64_t>(json_field(out, "planning_updates"));
    result.real_steps = static_cast<std::uint64_t>(json_field(out, "real_steps"));
    result.agents_completed = static_cast<std::uint64_t>(json_field(out, "agents_completed"));
    if (read_more) read_more(out, result);
    result.ran = true;
  } catch (const std::exception& e) {
    result.skipped = std::string("could not read its output: ") + e.what();
  }
}

}  // namespace

const std::vector<std::string>& peer_names() {
  static const std::vector<std::string> names{"numpy_vectorized", "numba", "jax"};
  return names;
}

std::string baseline_python(const Options& options) {
  if (!options.python.empty()) return options.python;
  const std::string venv = std::string(DYNAQ_SOURCE_DIR) + "/.venv-bench/bin/python";
  struct stat info{};
  if (!std::string(DYNAQ_SOURCE_DIR).empty() && stat(venv.c_str(), &info) == 0) return venv;
  return "python3";
}

std::string baselines_unavailable(const Options& options) {
  const std::string python = baseline_python(options);
  if (!imports(python, "numpy")) return python + " with NumPy was not found (scripts/setup_baselines.sh makes one)";
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
  const std::string command = "timeout -k 5 " + std::string(kill_after) + " " + shell_quote(baseline_python(options)) + " " +
                              shell_quote(result.script) + " --n " + std::to_string(n) + " --steps " +
                              std::to_string(options.steps) + " --time-limit " + limit;
  run_and_read(command, result, nullptr);
  return result;
}

std::string peer_unavailable(const Options& options, const std::string& name) {
  const std::string python = baseline_python(options);
  const std::string module = name == "numpy_vectorized" ? "numpy" : name;
  if (!imports(python, module))
    return python + " cannot import " + module + " (scripts/setup_baselines.sh installs it into .venv-bench/)";
  return "";
}

BaselineResult run_peer(const Options& options, const std::string& name, std::uint32_t n, int threads) {
  BaselineResult result;
  result.name = name;
  result.peer = true;
  result.script = options.baselines_dir + "/dyna_q_" + name + ".py";
  result.n = n;
  result.steps = options.steps;
  result.threads = threads;
  result.skipped = peer_unavailable(options, name);
  if (!result.skipped.empty()) return result;
  // Compilation, the check and the timed runs take seconds to a minute on a loaded machine;
  // timeout(1) only guards against a hung interpreter.
  const std::string command = "timeout -k 5 1200 " + shell_quote(baseline_python(options)) + " " +
                              shell_quote(result.script) + " --n " + std::to_string(n) + " --steps " +
                              std::to_string(options.steps) + " --agents " + std::to_string(options.peer_agents) +
                              " --threads " + std::to_string(threads) + " --repeats " +
                              std::to_string(options.repeats) + " --seed " + std::to_string(options.seed);
  run_and_read(command, result, read_peer_fields);
  return result;
}

}  // namespace dynaq::bench
