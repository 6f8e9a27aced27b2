// `dynaq experiment`: chapter 8 experiments that are more than a learning curve
// (include/dynaq/experiments.hpp): example 8.4 and planning for a new task.
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/experiments.hpp"
#include "dynaq/format.hpp"
#include "dynaq/option_values.hpp"
#include "dynaq/random.hpp"
#include "dynaq/result_files.hpp"

namespace dynaq::cli {

namespace {

std::string count_text(double value) {
  if (!std::isfinite(value)) return "never";
  std::ostringstream out;
  out << std::fixed << std::setprecision(0) << value;
  return out.str();
}

void check_unit(double value, const char* option, bool open_low) {
  if (!std::isfinite(value) || (open_low ? value <= 0.0 : value < 0.0) || value > 1.0)
    throw InputError(std::string(option) + " " + format_double(value) + " is outside " + (open_low ? "(0, 1]" : "[0, 1]"));
}

struct CommonOptions {
  CommonOptions(double alpha_, double gamma_, double epsilon_, std::uint32_t n)
      : alpha(alpha_), gamma(gamma_), epsilon(epsilon_), planning_steps(n) {}
  double alpha, gamma, epsilon;
  std::uint32_t planning_steps;
  std::uint32_t seeds = 20;
  std::uint64_t seed = 0;
  std::string threads = "0";
  std::string out;
  bool overwrite = false;

  int thread_count() const { return parse_thread_count(threads, "--threads"); }

  // Before anything runs: refuses to replace an earlier result file unasked, and checks that the
  // folder can be written (the experiment's results would otherwise be lost at its end).
  void check_out(const std::string& file_name) const {
    if (out.empty()) return;
    std::error_code error;
    if (!overwrite && std::filesystem::exists(std::filesystem::path(out) / file_name, error))
      throw InputError("--out " + out + " already holds " + file_name + "; choose another folder or pass --overwrite");
    check_output_folder_writable(out);
  }

  AgentParams params() const {
    check_unit(alpha, "--alpha", true);
    check_unit(gamma, "--gamma", false);
    check_unit(epsilon, "--epsilon", false);
    if (seeds == 0) throw InputError("--seeds must be at least 1");
    return AgentParams{static_cast<float>(alpha), static_cast<float>(gamma), 0.0f, probability_threshold(epsilon),
                       planning_steps, 0, PlanningDraw::kPairs};
  }
};

void add_common(CLI::App* app, CommonOptions& o) {
  app->add_option("--alpha", o.alpha, "Step size in (0, 1]")->capture_default_str();
  app->add_option("--gamma", o.gamma, "Discount factor in [0, 1]")->capture_default_str();
  app->add_option("--epsilon", o.epsilon, "Exploration rate in [0, 1]")->capture_default_str();
  app->add_option("-n,--planning-steps", o.planning_steps, "Planning updates per real step")->capture_default_str();
  app->add_option("--seeds", o.seeds, "Agents per algorithm and setting")->capture_default_str();
  app->add_option("--seed", o.seed, "Sweep seed")->capture_default_str();
  app->add_option("--threads", o.threads, "CPU threads, at most 4096 (0: all cores)")->type_name("N")->capture_default_str();
  app->add_option("--out", o.out, "Folder for the results CSV (default: print only)");
  app->add_flag("--overwrite", o.overwrite, "Replace the results CSV if --out already holds one (default off)");
}

void example_8_4(const Example84Options& options, int threads, const std::string& out) {
  auto engine = make_cpu_engine(CpuEngineOptions{threads, 0, 0});
  const auto rows = run_example_8_4(options, *engine);
  std::cout << "Sutton & Barto example 8.4: backups (planning + direct updates) until the greedy path is at most "
            << format_double(options.path_tolerance) << " x the shortest, over " << options.seeds
            << " agents each: median and quartiles (\"never\" where agents did not get there in "
            << options.max_episodes << " episodes), and the agents that never did\n\n";
  std::cout << std::right << std::setw(11) << "resolution" << std::setw(8) << "states" << std::setw(10) << "shortest"
            << std::setw(13) << "algorithm" << std::setw(11) << "median" << std::setw(11) << "q1" << std::setw(11) << "q3"
            << std::setw(9) << "never" << std::setw(13) << "median ratio" << "\n";
  std::ostringstream csv;
  csv << "resolution,states,shortest_path,algorithm,agents,reached,never,median_updates,q1_updates,q3_updates\n";
  const auto csv_count = [](double value) { return std::isfinite(value) ? format_double(value) : std::string(); };
  for (const Example84Row& row : rows) {
    const double dyna = row.algorithms[0].median_updates, prioritized = row.algorithms[1].median_updates;
    std::ostringstream ratio;
    ratio << std::fixed << std::setprecision(1) << dyna / prioritized;
    for (const Example84Algorithm& a : row.algorithms) {
      const bool first = &a == &row.algorithms.front();
      const std::string name = a.algorithm == Algorithm::kDynaQ ? "dyna-q" : "prioritized";
      const std::uint32_t never = options.seeds - a.reached;
      if (first)
        std::cout << std::setw(11) << row.resolution << std::setw(8) << row.states << std::setw(10) << row.shortest_path;
      else
        std::cout << std::setw(29) << "";
      std::cout << std::setw(13) << name << std::setw(11) << count_text(a.median_updates) << std::setw(11)
                << count_text(a.q1_updates) << std::setw(11) << count_text(a.q3_updates) << std::setw(9)
                << (std::to_string(never) + "/" + std::to_string(options.seeds));
      if (!first) std::cout << std::setw(13) << (std::isfinite(dyna / prioritized) ? ratio.str() : "-");
      std::cout << "\n";
      csv << row.resolution << "," << row.states << "," << row.shortest_path << "," << name << "," << options.seeds
          << "," << a.reached << "," << never << "," << csv_count(a.median_updates) << "," << csv_count(a.q1_updates)
          << "," << csv_count(a.q3_updates) << "\n";
    }
  }
  if (!out.empty()) {
    ResultFileSet files(out);
    files.open("example-8.4.csv") << csv.str();
    files.commit();
    std::cout << "\nresults in " << out << "/example-8.4.csv\n";
  }
}

void new_task(const NewTaskOptions& options, int threads, const std::string& out) {
  auto engine = make_cpu_engine(CpuEngineOptions{threads, 0, 0});
  const NewTaskResult r = run_new_task(options, *engine);
  std::cout << "Planning for a new task with a learned model: " << r.agents << " agents learn " << options.environment
            << " for " << options.episodes << " episodes; their models, relabelled with the rewards of "
            << options.new_environment << ", drive " << options.planning_updates
            << " planning updates with no real step.\nGreedy policies evaluated exactly on the new task "
            << "(optimal return " << format_double(r.optimal_return) << ", " << format_double(r.optimal_steps)
            << " steps):\n\n";
  const auto line = [&](const char* who, const GreedyOutcome& g) {
    std::cout << "  " << std::left << std::setw(46) << who << std::right << "return " << std::fixed
              << std::setprecision(3) << g.mean_return << " +- " << g.stderr_return << ", reach the goal "
              << g.solved << "/" << r.agents << "\n";
  };
  line("learned model, planning only (0 real steps):", r.transferred);
  const std::string scratch = "from scratch after " + std::to_string(options.scratch_episodes) + " real episode" +
                              (options.scratch_episodes == 1 ? ":" : "s:");
  line(scratch.c_str(), r.scratch);
  if (!out.empty()) {
    ResultFileSet files(out);
    files.open("new-task.csv") << "agents,who,mean_greedy_return,stderr_greedy_return,mean_greedy_steps,reach_goal\n"
                               << r.agents << ",transferred," << format_double(r.transferred.mean_return) << ","
                               << format_double(r.transferred.stderr_return) << ","
                               << format_double(r.transferred.mean_steps) << "," << r.transferred.solved << "\n"
                               << r.agents << ",scratch," << format_double(r.scratch.mean_return) << ","
                               << format_double(r.scratch.stderr_return) << "," << format_double(r.scratch.mean_steps)
                               << "," << r.scratch.solved << "\n";
    files.commit();
    std::cout << "\nresults in " << out << "/new-task.csv\n";
  }
}

}  // namespace

void register_experiment_command(CLI::App& app) {
  CLI::App* experiment = app.add_subcommand(
      "experiment", "Chapter 8 experiments that are more than a learning curve: example-8.4, new-task");
  experiment->require_subcommand(1);

  auto e84 = std::make_shared<std::pair<Example84Options, CommonOptions>>(Example84Options{},
                                                                         CommonOptions(0.5, 0.95, 0.1, 5));
  CLI::App* ex = experiment->add_subcommand(
      "example-8.4",
      "Sutton & Barto example 8.4: prioritized sweeping against Dyna-Q on the Dyna maze at resolutions 1..R "
      "(each cell a RxR block), in backups (planning plus direct updates) until the greedy path is near optimal. "
      "Defaults follow the book's setting: alpha 0.5, gamma 0.95, epsilon 0.1, n 5, theta 0.0001.");
  add_common(ex, e84->second);
  ex->add_option("--max-resolution", e84->first.max_resolution, "Largest resolution factor")->capture_default_str();
  ex->add_option("--theta", e84->first.theta, "Prioritized sweeping threshold, >= 0")->capture_default_str();
  ex->add_option("--max-episodes", e84->first.max_episodes, "Episodes after which an agent counts as never optimal")
      ->capture_default_str();
  ex->add_option("--path-tolerance", e84->first.path_tolerance,
                 "Near optimal: a greedy path of at most this times the shortest path")
      ->capture_default_str();
  ex->callback([e84]() {
    Example84Options options = e84->first;
    options.params = e84->second.params();
    options.seeds = e84->second.seeds;
    options.seed = e84->second.seed;
    if (options.max_resolution == 0) throw InputError("--max-resolution must be at least 1");
    if (options.max_episodes == 0) throw InputError("--max-episodes must be at least 1");
    if (!(options.theta >= 0.0f)) throw InputError("--theta " + format_float(options.theta) + " is not >= 0");
    if (!(options.path_tolerance >= 1.0))
      throw InputError("--path-tolerance " + format_double(options.path_tolerance) + " is not >= 1");
    e84->second.check_out("example-8.4.csv");
    example_8_4(options, e84->second.thread_count(), e84->second.out);
  });

  auto nt = std::make_shared<std::pair<NewTaskOptions, CommonOptions>>(NewTaskOptions{},
                                                                        CommonOptions(0.1, 0.95, 0.1, 5));
  nt->second.seeds = 100;
  CLI::App* task = experiment->add_subcommand(
      "new-task",
      "Planning for a new goal with a learned model: agents learn --env, their last-outcome models are relabelled "
      "with the rewards and terminations of --new-env (where its dynamics agree), and plan with them alone; their "
      "greedy policies are compared on --new-env with fresh agents given --scratch-episodes real episodes.");
  add_common(task, nt->second);
  task->add_option("--env", nt->first.environment, "The task the agents learn")->capture_default_str();
  task->add_option("--new-env", nt->first.new_environment, "The new task, of the same shape")->capture_default_str();
  task->add_option("--episodes", nt->first.episodes, "Episodes of learning the first task")->capture_default_str();
  task->add_option("--planning-updates", nt->first.planning_updates,
                   "Planning updates with the relabelled model, no real step")
      ->capture_default_str();
  task->add_option("--scratch-episodes", nt->first.scratch_episodes,
                   "Real episodes of Dyna-Q that fresh agents get on the new task")
      ->capture_default_str();
  task->callback([nt]() {
    NewTaskOptions options = nt->first;
    options.params = nt->second.params();
    options.seeds = nt->second.seeds;
    options.seed = nt->second.seed;
    if (options.episodes == 0) throw InputError("--episodes must be at least 1");
    nt->second.check_out("new-task.csv");
    new_task(options, nt->second.thread_count(), nt->second.out);
  });
}

}  // namespace dynaq::cli
