// The baselines (baselines/*.py) as subprocesses: the NumPy transcriptions of the book with a
// time limit, and the fast peers (NumPy vectorised, Numba, JAX) with their own checks.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "bench.hpp"
#include "dynaq/json_reader.hpp"

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

// The JSON object a baseline script prints as the last line of its output.
JsonValue output_object(const std::string& out) {
  const std::size_t end = out.find_last_not_of('\n');
  if (end == std::string::npos) throw std::runtime_error("it printed nothing");
  const std::size_t newline = out.rfind('\n', end);
  const std::size_t first = newline == std::string::npos ? 0 : newline + 1;
  const std::string line = out.substr(first, end + 1 - first);
  JsonValue object = read_json(line);
  if (object.kind != JsonValue::Kind::kObject) throw std::runtime_error("its last line is no JSON object: " + line);
  return object;
}

// A number member of `object`.
double number_field(const JsonValue& object, const char* key) {
  const JsonValue* value = object.find(key);
  if (value == nullptr || value->kind != JsonValue::Kind::kNumber)
    throw std::runtime_error(std::string("no number \"") + key + "\" in its JSON");
  return std::stod(value->text);
}

bool imports(const std::string& python, const std::string& module) {
  int status = 0;
  output_of(shell_quote(python) + " -c 'import " + module + "' >/dev/null 2>&1", status);
  return status == 0;
}

// The results of a peer run: the fields the transcriptions print too, and the peer's own.
void read_peer_fields(const JsonValue& out, BaselineResult& result) {
  result.compile_seconds = number_field(out, "compile_seconds");
  result.check_seconds = number_field(out, "check_seconds");
  const JsonValue* check = out.find("check");
  if (check == nullptr) throw std::runtime_error("no \"check\" in its JSON");
  result.check_episode_1 = number_field(*check, "episode_1_mean");
  result.check_plateau = number_field(*check, "plateau_11_20");
  result.agents = static_cast<std::uint32_t>(number_field(out, "agents"));
  // Only JAX chooses its device (its default backend); NumPy and Numba run on the CPU.
  const JsonValue* backend = out.find("jax_backend");
  result.device = backend != nullptr && backend->kind == JsonValue::Kind::kString ? backend->text : "cpu";
}

// Runs a baseline's command (its stderr, where a failed check says why, is ours) and reads the
// figures every baseline prints, then those `read_more` reads; whatever fails is said in
// result.skipped.
void run_and_read(const std::string& command, BaselineResult& result,
                  void (*read_more)(const JsonValue& out, BaselineResult& result)) {
  int status = 0;
  const std::string out = output_of(command, status);
  if (status != 0) {
    result.skipped = "'" + command + "' failed (exit status " + std::to_string(status) + ")";
    return;
  }
  try {
    const JsonValue object = output_object(out);
    result.seconds = number_field(object, "seconds");
    result.cpu_seconds = number_field(object, "cpu_seconds");
    result.planning_updates = static_cast<std::uint64_t>(number_field(object, "planning_updates"));
    result.real_steps = static_cast<std::uint64_t>(number_field(object, "real_steps"));
    result.agents_completed = static_cast<std::uint64_t>(number_field(object, "agents_completed"));
    if (read_more) read_more(object, result);
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
