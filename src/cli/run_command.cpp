// `dynaq run`, and the default experiment `dynaq` runs with no arguments.
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "dynaq/engine.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/sweep.hpp"
#include "options.hpp"

namespace dynaq::cli {

namespace {

struct RunOptions {
  std::vector<std::string> env{"dyna-maze"};
  std::vector<std::string> alpha{"0.1"};
  std::vector<std::string> gamma{"0.95"};
  std::vector<std::string> epsilon{"0.1"};
  std::vector<std::string> planning_steps{"5"};
  std::vector<std::string> q_init{"0"};
  std::vector<std::string> planning_draw{"pairs"};
  std::vector<std::string> max_episode_steps{"env"};
  std::string seeds = "10";
  std::string seed = "0";
  std::string episodes;
  std::string steps;
  std::string bucket = "0";
  std::string backend = "auto";
  std::string threads = "0";
  std::string batch = "0";
  std::string out;
  bool overwrite = false;
  bool save_tables = false;
  bool quiet = false;
};

std::string command_text;

std::string timestamp() {
  const std::time_t now = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%d-%H%M%S", std::localtime(&now));
  return buffer;
}

// A fresh folder name under dynaq-runs/ that no earlier run used.
std::string default_output_folder(const std::string& stem) {
  const std::string base = "dynaq-runs/" + stem + "-" + timestamp();
  std::string candidate = base;
  for (int k = 2; std::filesystem::exists(candidate); ++k) candidate = base + "-" + std::to_string(k);
  return candidate;
}

void check_output_folder(const std::string& folder, bool overwrite) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::exists(folder, error)) return;
  if (!fs::is_directory(folder, error)) throw InputError("--out " + folder + " exists and is not a folder");
  if (overwrite) return;
  for (const char* name : {"curves.csv", "summary.json", "q.npy"})
    if (fs::exists(fs::path(folder) / name, error))
      throw InputError("--out " + folder + " already holds results (" + name +
                       "); choose another folder or pass --overwrite");
}

std::unique_ptr<Engine> make_engine(const std::string& backend, int threads, std::uint32_t batch) {
  if (backend == "reference") return make_reference_engine();
  if (backend == "cpu" || backend == "auto") return make_cpu_engine(CpuEngineOptions{threads, batch, 0});
  if (backend == "cuda")
    throw InputError("--backend cuda: this build of dynaq has no CUDA engine yet; use --backend cpu "
                     "(bit-identical results) or auto");
  throw InputError("--backend: '" + backend + "' is not one of: auto, reference, cpu, cuda");
}

SweepSpec spec_from(const RunOptions& o) {
  SweepSpec spec;
  spec.environments = split_list(o.env);
  for (const std::string& e : spec.environments)
    if (e.empty()) throw InputError("--env: empty name in the list");
  spec.alphas = parse_reals(o.alpha, "--alpha");
  spec.gammas = parse_reals(o.gamma, "--gamma");
  spec.epsilons = parse_reals(o.epsilon, "--epsilon");
  spec.planning_steps = parse_counts32(o.planning_steps, "--planning-steps");
  spec.q_inits = parse_reals(o.q_init, "--q-init");
  spec.planning_draws = parse_planning_draws(o.planning_draw);
  spec.max_episode_steps = parse_step_limits(o.max_episode_steps);
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
    if (episodes > 0xFFFFFFFFull) throw InputError("--episodes is too large");
    spec.episodes = static_cast<std::uint32_t>(episodes);
  }
  spec.bucket_steps = parse_count(o.bucket, "--bucket");
  if (spec.budget_kind == BudgetKind::kEpisodes && spec.bucket_steps != 0)
    throw InputError("--bucket applies to --steps runs only");
  spec.save_tables = o.save_tables;
  return spec;
}

int execute(const SweepSpec& spec, const std::string& backend, int threads, std::uint32_t batch,
            const std::string& out, bool overwrite, bool quiet) {
  // Everything the user gave is checked before anything runs or is written.
  const Sweep sweep = plan_sweep(spec);
  for (const Environment& env : sweep.environments)
    for (const std::string& warning : env.warnings) std::cerr << "dynaq: warning: " << warning << "\n";
  check_output_folder(out, overwrite);
  std::unique_ptr<Engine> engine = make_engine(backend, threads, batch);

  const bool progress = !quiet && isatty(STDERR_FILENO);
  const SweepResults results = run_sweep(sweep, *engine, progress);
  const auto files = write_sweep_results(sweep, results, out, command_text);

  if (!quiet) {
    std::cout << results_table(sweep, results);
    std::cout << "\n" << sweep.n_agents() << " agents on the " << results.engine << " engine (" << results.device
              << ") in " << results.run_seconds << " s: " << results.real_steps << " real steps, "
              << results.planning_updates << " planning updates\n";
    std::cout << "results in " << out << "/:";
    for (const std::string& f : files) std::cout << " " << f;
    std::cout << "\n";
  }
  return 0;
}

}  // namespace

void register_run_command(CLI::App& app, const std::string& command_line) {
  command_text = command_line;
  auto options = std::make_shared<RunOptions>();
  CLI::App* run = app.add_subcommand(
      "run",
      "Run Dyna-Q agents over a grid of hyper-parameters and write learning curves.\n"
      "Every hyper-parameter option takes a comma-separated list (or is repeated); the lists span\n"
      "a grid, and --seeds agents run at every grid point. Results go to --out: curves.csv (one\n"
      "row per grid point and episode, or per time bucket with --steps), summary.json, and with\n"
      "--save-tables q.npy (float32, agents x states x actions, agents in point-then-seed order).");
  RunOptions& o = *options;
  run->add_option("--env", o.env,
                  "Environments (grid axis): a built-in name (see `dynaq envs`), random-maze:RxC:SEED, "
                  "garnet:S:A:B:SEED, a maze .txt or MDP .json file, or a schedule A@STEP=B")
      ->delimiter(',')->default_str("dyna-maze");
  run->add_option("--alpha", o.alpha, "Step sizes in (0, 1] (grid axis)")->delimiter(',')->default_str("0.1");
  run->add_option("--gamma", o.gamma, "Discount factors in [0, 1] (grid axis)")->delimiter(',')->default_str("0.95");
  run->add_option("--epsilon", o.epsilon, "Exploration rates in [0, 1] for epsilon-greedy (grid axis)")
      ->delimiter(',')->default_str("0.1");
  run->add_option("-n,--planning-steps", o.planning_steps, "Planning updates per real step, >= 0 (grid axis)")
      ->delimiter(',')->default_str("5");
  run->add_option("--q-init", o.q_init, "Initial Q value of every pair (grid axis; write --q-init=-1 for negatives)")
      ->delimiter(',')->default_str("0");
  run->add_option("--planning-draw", o.planning_draw,
                  "What planning replays (grid axis): pairs = a uniform observed pair; states = a uniform "
                  "observed state, then a uniform action already taken there")
      ->delimiter(',')->default_str("pairs");
  run->add_option("--max-episode-steps", o.max_episode_steps,
                  "Step limit per episode (grid axis): env = the environment's own, none or 0 = no limit, "
                  "or a number; hitting it truncates the episode (it still bootstraps)")
      ->delimiter(',')->default_str("env");
  run->add_option("--seeds", o.seeds, "Agents per grid point")->default_str("10");
  run->add_option("--seed", o.seed, "Sweep seed: every random draw is a function of it and the agent's index")
      ->default_str("0");
  run->add_option("--episodes", o.episodes, "Episodes per agent (the default budget)")->default_str("50");
  run->add_option("--steps", o.steps, "Real steps per agent instead of episodes; curves report cumulative reward");
  run->add_option("--bucket", o.bucket, "With --steps: record cumulative reward every this many steps (0: steps/100)")
      ->default_str("0");
  run->add_option("--backend", o.backend,
                  "Engine: auto (the best present), reference (plain, single-threaded oracle), cpu "
                  "(multi-threaded), cuda; all give identical results")
      ->default_str("auto");
  run->add_option("--threads", o.threads, "CPU threads for the cpu engine (0: all cores)")->default_str("0");
  run->add_option("--batch", o.batch, "Agents whose tables are held at once (0: as many as fit 1 GiB)")
      ->default_str("0");
  run->add_option("--out", o.out, "Results folder")->default_str("dynaq-runs/run-<date>-<time>");
  run->add_flag("--overwrite", o.overwrite, "Replace results already in --out");
  run->add_flag("--save-tables", o.save_tables, "Also write q.npy with every agent's final Q-table");
  run->add_flag("-q,--quiet", o.quiet, "Print nothing but errors (no table, no progress)");
  run->callback([options]() {
    const RunOptions& o = *options;
    const SweepSpec spec = spec_from(o);
    const std::uint64_t threads = parse_count(o.threads, "--threads");
    const std::uint64_t batch = parse_count(o.batch, "--batch");
    if (threads > 4096) throw InputError("--threads " + o.threads + " is more than 4096");
    if (batch > 0xFFFFFFFFull) throw InputError("--batch is too large");
    const std::string out = o.out.empty() ? default_output_folder("run") : o.out;
    execute(spec, o.backend, static_cast<int>(threads), static_cast<std::uint32_t>(batch), out, o.overwrite, o.quiet);
  });
}

int run_default_experiment() {
  SweepSpec spec;
  spec.environments = {"dyna-maze"};
  spec.planning_steps = {0, 5, 50};
  spec.alphas = {0.1};
  spec.gammas = {0.95};
  spec.epsilons = {0.1};
  spec.episodes = 50;
  spec.seeds = 1000;
  const std::string out = default_output_folder("figure-8.2");
  command_text = "dynaq";
  std::cout << "dynaq with no arguments: Sutton & Barto figure 8.2 (dyna-maze, n = 0, 5, 50; alpha 0.1, "
               "gamma 0.95, epsilon 0.1; 50 episodes) with 1000 agents per n, on the best engine present.\n"
               "`dynaq --help` shows everything else.\n\n";
  return execute(spec, "auto", 0, 0, out, false, false);
}

}  // namespace dynaq::cli
