// `dynaq solve`: value iteration on an environment, the optimal greedy policy's exact episode
// return and length, and optionally Q* as q.npy.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "dynaq/cuda_runtime_checks.hpp"
#include "dynaq/cuda_value_iteration.hpp"
#include "dynaq/environment.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/format.hpp"
#include "dynaq/json_writer.hpp"
#include "dynaq/npy.hpp"
#include "dynaq/result_files.hpp"
#include "dynaq/value_iteration.hpp"

namespace dynaq::cli {

namespace {

struct SolveOptions {
  std::string env;
  std::string phase = "0";
  double gamma = 0.95;
  double tolerance = 1e-10;
  std::string max_iterations = "1000000";
  std::string horizon;  // empty: the MDP's own step limit
  bool json = false;
  std::string out;
  bool overwrite = false;
  std::string backend = "auto";
};

// Whole numbers are parsed here rather than by CLI11, whose unsigned conversion would take
// "-1" for 2^64 - 1 and whose base-0 conversion would read "010" as 8.
std::uint64_t parse_count(const std::string& option, const std::string& text,
                          std::uint64_t minimum) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, value);
  if (text.empty() || result.ec != std::errc() || result.ptr != end)
    throw InputError(option + " " + text + ": expected a whole number >= " +
                     std::to_string(minimum));
  if (value < minimum)
    throw InputError(option + " " + text + ": must be at least " + std::to_string(minimum));
  return value;
}

struct Checked {
  std::size_t phase;
  std::uint64_t max_iterations;
  std::optional<std::uint64_t> horizon;
};

// Everything the user wrote is checked before anything is computed or written.
Checked check(const SolveOptions& options) {
  if (!(options.gamma >= 0.0 && options.gamma <= 1.0))
    throw InputError("--gamma " + format_double(options.gamma) + ": must be in [0, 1]");
  if (!(options.tolerance > 0.0 && std::isfinite(options.tolerance)))
    throw InputError("--tolerance " + format_double(options.tolerance) +
                     ": must be a finite number > 0");
  Checked checked;
  const std::uint64_t phase = parse_count("--phase", options.phase, 0);
  checked.phase = phase > std::numeric_limits<std::size_t>::max()
                      ? std::numeric_limits<std::size_t>::max()
                      : static_cast<std::size_t>(phase);
  checked.max_iterations = parse_count("--max-iterations", options.max_iterations, 1);
  if (!options.horizon.empty()) checked.horizon = parse_count("--horizon", options.horizon, 0);
  if (options.backend != "auto" && options.backend != "cpu" && options.backend != "cuda")
    throw InputError("--backend " + options.backend + ": expected auto, cpu or cuda");
  if (!options.out.empty()) {
    // The q.npy of a run's folder is its agents' tables, vouched for by its summary.json.
    const std::filesystem::path out(options.out);
    std::error_code error;
    if (std::filesystem::exists(out / "summary.json", error))
      throw InputError("--out " + options.out + " holds the results of a dynaq run (summary.json); " +
                       "solve writes its q.npy into a folder of its own");
    if (std::filesystem::exists(out / "q.npy", error) && !options.overwrite)
      throw InputError("--out " + options.out + " already holds q.npy; choose another folder or pass --overwrite");
  }
  return checked;
}

// Value iteration where --backend says. auto takes the GPU only for MDPs large enough to gain from
// it, and falls back to the CPU, with a warning, when the GPU fails (out of memory, a failed
// self-check): the answer is the same bits either way. Bad options and divergence are the user's
// to fix (InputError) and are not retried.
ValueIterationResult solve_on_backend(const std::string& backend, const TabularMdp& mdp,
                                      const ValueIterationOptions& options, std::string& used) {
  if (backend == "cuda") {
    used = "cuda";
    try {
      return value_iteration_cuda(mdp, options);
    } catch (const InputError&) {
      throw;
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(std::string("--backend cuda: ") + e.what());
    }
  }
  if (backend == "auto" && mdp.n_outcomes() >= kCudaSolveOutcomes && query_gpu().present) {
    try {
      used = "cuda";
      return value_iteration_cuda(mdp, options);
    } catch (const InputError&) {
      throw;
    } catch (const std::runtime_error& e) {
      std::cerr << "dynaq: warning: value iteration on the GPU failed (" << e.what() << "); solving on the CPU\n";
    }
  }
  used = "cpu";
  return value_iteration(mdp, options);
}

std::string steps_text(double steps) {
  return std::isfinite(steps) ? format_double(steps) : std::string("infinite");
}

// What `dynaq solve` found, for the report on stdout.
struct Solution {
  const TabularMdp& mdp;
  ValueIterationResult values;
  std::string backend;      // where value iteration ran: cpu or cuda
  PolicyEvaluation greedy;  // the greedy policy on the true MDP
  std::string q_path;       // where Q* was written; empty when it was not
};

// Prints the environment's warnings and returns the phase that --phase names (`env` owns it).
const TabularMdp& phase_to_solve(const SolveOptions& options, const Checked& checked, const Environment& env) {
  for (const std::string& warning : env.warnings)
    std::cerr << "dynaq: warning: " << warning << "\n";
  if (checked.phase >= env.phases.size())
    throw InputError("--phase " + options.phase + ": " + options.env + " has " +
                     std::to_string(env.phases.size()) + " phase(s), numbered from 0");
  return *env.phases[checked.phase].mdp;
}

// V* and Q* by value iteration; a failure to converge names the options that decide it.
ValueIterationResult solve_values(const SolveOptions& options, const Checked& checked,
                                  const TabularMdp& mdp, std::string& backend) {
  ValueIterationOptions vi_options;
  vi_options.gamma = options.gamma;
  vi_options.tolerance = options.tolerance;
  vi_options.max_iterations = checked.max_iterations;
  try {
    return solve_on_backend(options.backend, mdp, vi_options, backend);
  } catch (const ConvergenceError& e) {
    throw ConvergenceError(std::string(e.what()) + " (options --gamma, --tolerance, " +
                           "--max-iterations)");
  }
}

// The greedy policy of Q*, evaluated exactly on the true MDP.
PolicyEvaluation evaluate_greedy(const SolveOptions& options, const Checked& checked,
                                 const TabularMdp& mdp, const ValueIterationResult& values) {
  PolicyEvaluationOptions evaluation_options;
  evaluation_options.horizon = checked.horizon;
  evaluation_options.tolerance = options.tolerance;
  evaluation_options.max_iterations = checked.max_iterations;
  return policy_evaluation(mdp, greedy_policy(values), evaluation_options);
}

// Writes Q* as OUT/q.npy; returns its path.
std::string write_q(const std::string& out, const TabularMdp& mdp, const ValueIterationResult& values) {
  ResultFileSet files(out);
  write_npy(files.open("q.npy"), values.q.data(), {mdp.n_states, mdp.n_actions});
  files.commit();
  return (std::filesystem::path(out) / "q.npy").string();
}

// --json: one object on one line.
void print_json(const SolveOptions& options, const Checked& checked, const Solution& solution) {
  JsonWriter json(std::cout);
  json.begin_object()
      .member("env", options.env)
      .member("phase", checked.phase)
      .member("n_states", solution.mdp.n_states)
      .member("n_actions", solution.mdp.n_actions)
      .member("gamma", options.gamma)
      .member("tolerance", options.tolerance)
      .member("max_iterations", checked.max_iterations)
      .member("backend", solution.backend)
      .member("iterations", solution.values.iterations)
      .member("residual", solution.values.residual)
      .member("v_start", solution.values.v_start)
      .member("greedy_return", solution.greedy.expected_return)
      .member("greedy_expected_steps", solution.greedy.expected_steps)
      .member("greedy_terminates", solution.greedy.terminates);
  json.key("horizon");
  if (solution.greedy.horizon == 0)
    json.null();
  else
    json.value(solution.greedy.horizon);
  json.key("q_file");
  if (solution.q_path.empty())
    json.null();
  else
    json.value(solution.q_path);
  json.end_object();
  std::cout << "\n";
}

// The short report for a reader.
void print_report(const SolveOptions& options, const Checked& checked, std::size_t phases,
                  const Solution& solution) {
  const TabularMdp& mdp = solution.mdp;
  const ValueIterationResult& values = solution.values;
  const PolicyEvaluation& greedy = solution.greedy;
  std::cout << options.env << ": " << mdp.n_states << " states x " << mdp.n_actions
            << " actions";
  if (phases > 1) std::cout << " (phase " << checked.phase << ")";
  std::cout << "\nvalue iteration (" << solution.backend << "), gamma " << format_double(options.gamma) << ": converged in "
            << values.iterations << " sweeps (last change " << format_double(values.residual)
            << " < tolerance " << format_double(options.tolerance) << ")\n"
            << "V*(start), weighted by the start distribution: "
            << format_double(values.v_start) << "\n"
            << "greedy policy (first maximal action), exact, "
            << (greedy.horizon == 0 ? std::string("no step limit")
                                    : "step limit " + std::to_string(greedy.horizon))
            << ":\n  expected return per episode (undiscounted): "
            << format_double(greedy.expected_return)
            << "\n  expected steps per episode: " << steps_text(greedy.expected_steps);
  if (!greedy.terminates)
    std::cout << (greedy.horizon == 0 ? " (it does not terminate with probability 1)"
                                      : " (without the limit it could run forever)");
  std::cout << "\nQ*: "
            << (solution.q_path.empty() ? std::string("not written (use --out DIR)")
                                        : solution.q_path + " (float64, " + std::to_string(mdp.n_states) +
                                              " x " + std::to_string(mdp.n_actions) + ")")
            << "\n";
}

void run_solve(const SolveOptions& options) {
  const Checked checked = check(options);
  const Environment env = load_environment(options.env);
  const TabularMdp& mdp = phase_to_solve(options, checked, env);
  if (!options.out.empty()) check_output_folder_writable(options.out);  // before a long solve

  std::string backend;
  ValueIterationResult values = solve_values(options, checked, mdp, backend);
  PolicyEvaluation greedy = evaluate_greedy(options, checked, mdp, values);
  std::string q_path = options.out.empty() ? std::string() : write_q(options.out, mdp, values);
  const Solution solution{mdp, std::move(values), std::move(backend), std::move(greedy), std::move(q_path)};
  if (options.json)
    print_json(options, checked, solution);
  else
    print_report(options, checked, env.phases.size(), solution);
}

}  // namespace

void register_solve_command(CLI::App& app) {
  auto options = std::make_shared<SolveOptions>();
  CLI::App* solve = app.add_subcommand(
      "solve",
      "Solve an environment exactly by value iteration: V*(start), the optimal greedy policy's "
      "expected return and episode length on the true MDP, and Q* as q.npy on request.");
  solve->add_option("--env", options->env,
                    "Environment: a built-in name, a generator spec, a maze or MDP JSON file, or "
                    "a schedule A@STEP=B (required; see `dynaq envs`)")
      ->required()
      ->type_name("ENV");
  solve->add_option("--phase", options->phase,
                    "For a schedule: which phase to solve, from 0 (default 0)")
      ->type_name("K");
  solve->add_option("--gamma", options->gamma, "Discount factor in [0, 1] (default 0.95)")
      ->type_name("G");
  solve->add_option("--tolerance", options->tolerance,
                    "Stop value iteration after the first sweep that changes no state's value by "
                    "as much as this and gives no state its first nonzero value (a state d steps "
                    "from any reward holds about gamma^d, often far below the tolerance); also the "
                    "tolerance of the greedy policy's evaluation without a step limit (default 1e-10)");
  solve->add_option("--max-iterations", options->max_iterations,
                    "Give up (exit code 2) after this many sweeps without convergence, as with "
                    "gamma = 1 and reward on a never-ending cycle (default 1000000)")
      ->type_name("N");
  solve->add_option("--horizon", options->horizon,
                    "Step limit for the greedy policy's evaluation; 0 means none (default: the "
                    "environment's own step limit)")
      ->type_name("H");
  solve->add_flag("--json", options->json,
                  "Print one JSON object and nothing else on stdout (default: a short report)");
  solve->add_option("--backend", options->backend,
                    "Where value iteration runs: cpu; cuda (a GPU: an error without one); or auto: "
                    "cuda when a GPU is present and the MDP has at least " +
                        std::to_string(kCudaSolveOutcomes) +
                        " outcomes, else cpu. Every backend gives the same bits (default auto)")
      ->type_name("auto|cpu|cuda");
  solve->add_option("--out", options->out,
                    "Write Q* to DIR/q.npy (float64, states x actions) (default: not written)")
      ->type_name("DIR");
  solve->add_flag("--overwrite", options->overwrite,
                  "Replace a q.npy already in DIR (never one in the folder of a dynaq run) (default off)");
  solve->callback([options] { run_solve(*options); });
}

}  // namespace dynaq::cli
