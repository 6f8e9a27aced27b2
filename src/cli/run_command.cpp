// `dynaq run`, and the default experiment `dynaq` runs with no arguments.
//
// A run's folder goes through three states:
//   running or stopped   DIR/chunks/ holds config.toml and every finished chunk;
//   finished             DIR/ holds the result files and config.toml; chunks/ is gone;
//   finished shard       DIR/chunks/ holds config.toml (with its shard) and all its chunks,
//                        for `dynaq merge`.
// `--resume DIR` reads DIR/chunks/config.toml and runs the chunks that are missing.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "dynaq/engine.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/signal_cleanup.hpp"
#include "dynaq/sweep.hpp"
#include "mpi_session.hpp"
#include "options.hpp"
#include "presets.hpp"
#include "run_steps.hpp"

namespace dynaq::cli {

namespace {

namespace fs = std::filesystem;

std::string command_text;

}  // namespace

namespace {

// ---- Progress on a terminal ------------------------------------------------------------------

std::string duration_text(double seconds) {
  char buffer[32];
  if (seconds < 60) std::snprintf(buffer, sizeof buffer, "%.0f s", seconds);
  else if (seconds < 3600) std::snprintf(buffer, sizeof buffer, "%d min %02d s", int(seconds) / 60, int(seconds) % 60);
  else std::snprintf(buffer, sizeof buffer, "%d h %02d min", int(seconds) / 3600, int(seconds) / 60 % 60);
  return buffer;
}

// "  42% [############----------------]  4200/10000 agents  1830 agents/s  3 s left", redrawn
// in place at most five times a second.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled), start_(std::chrono::steady_clock::now()) {}

  void update(std::uint64_t done, std::uint64_t total) {
    if (!enabled_ || total == 0 || finished_) return;
    const auto now = std::chrono::steady_clock::now();
    if (done < total && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? done / elapsed : 0.0;
    constexpr int kWidth = 28;
    const int filled = static_cast<int>(kWidth * done / total);
    std::string bar(filled, '#');
    bar.append(kWidth - filled, '-');
    char line[200];
    const std::string tail = done == total ? "  done in " + duration_text(elapsed)
                             : done > 0    ? "  " + std::to_string(static_cast<long long>(rate)) + " agents/s  " +
                                              duration_text((total - done) / rate) + " left"
                                           : std::string();
    std::snprintf(line, sizeof line, "\r%4.0f%% [%s] %llu/%llu agents%s%s   ", 100.0 * done / total, bar.c_str(),
                  static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                  done == total ? ("  " + std::to_string(static_cast<long long>(rate)) + " agents/s").c_str() : "",
                  tail.c_str());
    std::fputs(line, stderr);
    if (done == total) {
      std::fputs("\n", stderr);
      finished_ = true;
    }
    std::fflush(stderr);
  }

 private:
  bool enabled_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_{};
};

// ---- Ctrl-C and kill -------------------------------------------------------------------------

char interrupted_message[1024];
struct sigaction previous_int_action, previous_term_action;

extern "C" void on_stop_signal(int signal_number) {
  // Only async-signal-safe calls: write the prepared hint, then hand over to the handler that
  // was there before (ResultFileSet's removes its temporaries), or die of the signal as usual.
  const ssize_t ignored = write(STDERR_FILENO, interrupted_message, std::strlen(interrupted_message));
  (void)ignored;
  remove_result_temporaries_in_signal_handler();  // no half-written file stays behind
  const struct sigaction& previous = signal_number == SIGINT ? previous_int_action : previous_term_action;
  if ((previous.sa_flags & SA_SIGINFO) == 0 && previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
    previous.sa_handler(signal_number);
    return;
  }
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

void announce_resume_on_stop(const std::string& out) {
  std::snprintf(interrupted_message, sizeof interrupted_message,
                "\ndynaq: stopped; every finished chunk is kept in %s/chunks. Finish the run with:\n"
                "  dynaq run --resume %s\n",
                out.c_str(), out.c_str());
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &previous_int_action);
  sigaction(SIGTERM, &action, &previous_term_action);
}

// DYNAQ_STOP_AFTER_CHUNKS=K: the process kills itself (SIGKILL) once it has written K chunks,
// which is how the tests interrupt a run at a chosen point.
std::uint64_t stop_after_chunks() {
  const char* value = std::getenv("DYNAQ_STOP_AFTER_CHUNKS");
  return value != nullptr && *value != '\0' ? std::strtoull(value, nullptr, 10) : 0;
}

// ---- The run ---------------------------------------------------------------------------------

// Rank 0 alone prepares the folder (two ranks checking it at once would see each other's
// files), then tells the others where it is, or what was wrong.
std::string prepare_folder_on_lead(const RunOptions& o, const RunPlan& plan, const MpiSession& mpi,
                                   std::optional<OutputFolderLock>& folder_lock) {
  std::string out = run_folder(o), failure;
  if (mpi.rank() == 0) {
    try {
      folder_lock.emplace(out, o.resume.empty() ? "--out" : "--resume");  // held until the results are written
      prepare_run_folder(o, out, plan);
    } catch (const InputError& e) {
      failure = e.what();
    }
  }
  failure = mpi.broadcast(failure);
  if (!failure.empty()) throw InputError(failure);
  return mpi.broadcast(out);
}

// This process's shard. Under mpirun every rank reaches the end, whether its shard succeeded
// or not, so that none waits forever for another.
SweepRunReport run_shard(const RunPlan& plan, Engine& engine, const std::string& out, bool quiet, const MpiSession& mpi) {
  ProgressBar bar(!quiet && mpi.rank() == 0 && isatty(STDERR_FILENO));
  SweepRunControl control = run_control(plan, out);
  control.progress = [&bar](std::uint64_t done, std::uint64_t total) { bar.update(done, total); };
  const std::uint64_t stop_after = stop_after_chunks();
  control.chunk_stored = [stop_after](std::uint64_t written) {
    if (stop_after > 0 && written >= stop_after) ::raise(SIGKILL);
  };
  if (mpi.size() == 1) return run_sweep(plan.sweep, engine, control);
  SweepRunReport report;
  std::string failure;
  try {
    report = run_sweep(plan.sweep, engine, control);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  const bool everyone = mpi.all(failure.empty());
  if (!failure.empty()) throw std::runtime_error("rank " + std::to_string(mpi.rank()) + ": " + failure);
  if (!everyone) throw std::runtime_error("another rank failed; its message says why (finished chunks are kept; resume with --resume " + out + ")");
  return report;
}

// Every rank's binding and chunks run, on rank 0, in rank order (one line per field).
std::vector<RankExecution> gather_ranks(const MpiSession& mpi, RankExecution binding) {
  const std::string fields = std::to_string(binding.rank) + "\n" + binding.host + "\n" + std::to_string(binding.local_rank) +
                             "\n" + binding.gpu + "\n" + std::to_string(binding.chunks_run);
  std::vector<RankExecution> ranks;
  for (const std::string& text : mpi.gather(fields)) {
    std::istringstream in(text);
    RankExecution rank;
    std::string number;
    std::getline(in, number);
    rank.rank = std::stoi(number);
    std::getline(in, rank.host);
    std::getline(in, number);
    rank.local_rank = std::stoi(number);
    std::getline(in, rank.gpu);
    std::getline(in, number);
    rank.chunks_run = std::stoull(number);
    ranks.push_back(rank);
  }
  return ranks;
}

void print_run_summary(const RunPlan& plan, const Engine& engine, const SweepRunReport& report, const WrittenResults& written,
                       const std::string& out, int processes) {
  std::cout << results_table(plan.sweep, written);
  std::cout << "\n" << plan.sweep.n_agents() << " agents on the " << engine.name() << " engine (" << engine.device() << ")";
  if (processes > 1) std::cout << " in " << processes << " MPI processes";
  std::cout << ", " << report.chunks_run << " of " << plan.sweep.chunks.size() << " chunks run now, in "
            << duration_text(report.seconds) << "\n";
  std::cout << "results in " << out << "/:";
  for (const std::string& f : written.files) std::cout << " " << f;
  std::cout << "\n";
}

// Runs the sweep the options describe; returns the results folder (empty on ranks other
// than 0, and for a shard).
std::string execute(const RunOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  MpiSession& mpi = MpiSession::instance();
  const bool lead = mpi.rank() == 0;

  // Everything the user gave is checked before anything runs or is written.
  RunPlan plan = plan_run(o);
  const bool shard_of_one_process = plan.shard_count > 1;
  if (mpi.size() > 1 && shard_of_one_process)
    throw InputError("--shard cannot be given to a run started by mpirun: each of its " + std::to_string(mpi.size()) +
                     " processes already runs its own shard");
  if (lead)
    for (const Environment& env : plan.sweep.environments)
      for (const std::string& warning : env.warnings) warn(warning);
  // Under mpirun, each rank takes its own GPU before any engine could touch one.
  RankExecution binding = mpi.size() > 1 ? bind_rank_to_gpu(mpi) : RankExecution{};
  const std::unique_ptr<Engine> engine = make_engine(o.backend, o.cuda_kernel, plan.threads, plan.batch);
  if (mpi.size() > 1) {
    plan.shard_index = static_cast<std::uint32_t>(mpi.rank());
    plan.shard_count = static_cast<std::uint32_t>(mpi.size());
  }

  std::optional<OutputFolderLock> folder_lock;
  const std::string out = prepare_folder_on_lead(o, plan, mpi, folder_lock);
  announce_resume_on_stop(out);
  const SweepRunReport report = run_shard(plan, *engine, out, o.quiet, mpi);
  binding.chunks_run = report.chunks_run;
  const std::vector<RankExecution> ranks = mpi.size() > 1 ? gather_ranks(mpi, binding) : std::vector<RankExecution>{};
  if (!lead) return "";

  if (shard_of_one_process) {
    if (!o.quiet)
      std::cout << "shard " << plan.shard_index << "/" << plan.shard_count << ": " << report.chunks_run
                << " chunk(s) run now, " << report.chunks_present << " found done; its chunks are in "
                << chunk_folder(out) << "/\nwhen every shard is done, join them with: dynaq merge OUT_FOLDER SHARD_FOLDER...\n";
    return "";
  }
  ExecutionInfo execution = execution_of(command_text, *engine, report, start);
  if (!ranks.empty()) {
    execution.chunks_run.reset();  // each rank's are in its binding
    execution.mpi_ranks = ranks;
  }
  choose_statistics_backend(execution, *engine, o.backend);
  const WrittenResults written = write_run_results(plan, out, execution);
  if (!o.quiet) print_run_summary(plan, *engine, report, written, out, mpi.size());
  return out;
}

}  // namespace

bool is_result_file(const std::string& name) {
  for (const char* fixed : {"curves.csv", "points.csv", "summary.json", "config.toml", "q.npy"})
    if (name == fixed) return true;
  return name.rfind("agent_", 0) == 0 && name.size() > 4 && name.substr(name.size() - 4) == ".npy";
}

OutputFolderLock::OutputFolderLock(const std::string& folder, const std::string& what) {
  std::error_code error;
  fs::create_directories(folder, error);  // a folder that cannot be made fails at its first write, named
  fd_ = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) return;
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
    ::close(fd_);
    fd_ = -1;
    throw InputError(what + " " + folder + " is being written by another dynaq process right now; wait for it "
                     "to finish, or choose another folder");
  }
}

OutputFolderLock::~OutputFolderLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

// Removes what an overwritten run leaves, so that no file of it stays beside the new results.
void prepare_output_folder(const std::string& folder, bool overwrite, const std::string& what) {
  std::error_code error;
  if (!fs::exists(folder, error)) return;
  if (!fs::is_directory(folder, error)) throw InputError(what + " " + folder + " exists and is not a folder");
  std::vector<fs::path> earlier;
  for (const auto& entry : fs::directory_iterator(folder, error))
    if (is_result_file(entry.path().filename().string())) earlier.push_back(entry.path());
  const bool unfinished = fs::exists(chunk_folder(folder), error);
  if (!overwrite) {
    if (unfinished)
      throw InputError(what + " " + folder + " holds an unfinished run (" + chunk_folder(folder) +
                       "); finish it with `dynaq run --resume " + folder + "`, or pass --overwrite to start again");
    if (!earlier.empty())
      throw InputError(what + " " + folder + " already holds results (" + earlier.front().filename().string() +
                       "); choose another folder or pass --overwrite");
    return;
  }
  fs::remove_all(chunk_folder(folder), error);
  for (const fs::path& path : earlier) fs::remove(path, error);
}

std::vector<std::string> expand_run_arguments(const std::vector<std::string>& args) {
  if (args.size() < 2 || args[1] != "run") return args;
  std::string config, resume, preset;
  for (std::size_t k = 2; k < args.size(); ++k)
    for (const auto& [flag, target] : {std::pair<std::string, std::string*>{"--config", &config},
                                       {"--resume", &resume}, {"--preset", &preset}}) {
      if (args[k] == flag && k + 1 < args.size()) *target = args[k + 1];
      else if (args[k].rfind(flag + "=", 0) == 0) *target = args[k].substr(flag.size() + 1);
    }
  if (config.empty() && resume.empty() && preset.empty()) return args;
  if ((!config.empty()) + (!resume.empty()) + (!preset.empty()) > 1)
    throw InputError("--config, --preset and --resume are alternatives: give one of them (a resumed run keeps its "
                     "own configuration)");
  const std::vector<std::string> given(args.begin() + 2, args.end());
  if (!preset.empty()) {
    std::vector<std::string> expanded = args;
    for (const std::string& arg : config_arguments(parse_config_text(find_preset(preset).config, "preset " + preset), given))
      expanded.push_back(arg);
    return expanded;
  }
  std::string path = config;
  if (!resume.empty()) {
    path = chunk_folder(resume) + "/config.toml";
    std::error_code error;
    if (!fs::exists(path, error)) {
      if (fs::exists(fs::path(resume) / "curves.csv", error))
        throw InputError("--resume " + resume + ": that run is finished (its results are there); there is nothing to resume");
      throw InputError("--resume " + resume + ": not the folder of a stopped dynaq run (" + path + " is missing)");
    }
  }
  const ConfigDocument document = read_config_file(path);
  std::vector<std::string> expanded = args;
  for (const std::string& arg : config_arguments(document, given))
    if (resume.empty() || arg.rfind("--out=", 0) != 0) expanded.push_back(arg);
  return expanded;
}

void register_run_command(CLI::App& app, const std::string& command_line) {
  command_text = command_line;
  auto options = std::make_shared<RunOptions>();
  CLI::App* run = app.add_subcommand(
      "run",
      "Run Dyna-Q agents over a grid of hyper-parameters and write learning curves and statistics.\n"
      "Every grid axis option takes a comma-separated list (or is repeated); the lists span a grid, and\n"
      "--seeds agents run at every grid point. Options may come from a TOML file (--config); those on\n"
      "the command line win. Results go to --out: curves.csv, points.csv, summary.json, config.toml (the\n"
      "effective configuration, readable by --config), and on request q.npy and agent_<metric>.npy.\n"
      "Agents run in chunks, each kept in --out/chunks/ as it finishes: a stopped run is finished\n"
      "by --resume, and --shard K/N runs one slice for `dynaq merge`. Under mpirun, each process\n"
      "runs its own shard and the first writes the results.");
  add_run_options(*run, *options);
  std::string footer = "\nPresets (--preset NAME; options on the command line override their settings):";
  for (const Preset& preset : presets()) footer += std::string("\n  ") + preset.name + ": " + preset.description;
  run->footer(footer);
  run->callback([options]() {
    try {
      execute(*options);
    } catch (const InputError& e) {
      // A value that came from the config file is reported at its place in the file.
      throw InputError(locate_in_config(e.what()));
    }
  });
}

int run_default_experiment() {
  RunOptions options;
  options.axes[grid_axis_index("planning-steps")] = {"0,5,50"};
  options.seeds = "10000";
  options.out = default_output_folder("figure-8.2");
  command_text = "dynaq";
  std::cout << "dynaq with no arguments: Sutton & Barto figure 8.2 (dyna-maze, n = 0, 5, 50; alpha 0.1, "
               "gamma 0.95, epsilon 0.1; 50 episodes) with 10000 agents per n, on the cpu engine.\n"
               "`dynaq --help` shows everything else.\n\n"
            << std::flush;
  const std::string out = execute(options);
  std::string why;
  if (find_plotting_python(&why).empty()) {
    std::cout << "no plot: " << why << "\n";
    return 0;
  }
  PlotRequest request;
  request.results = out;
  const std::string drawn = render_plot(request);  // first: a failure leaves no half line on stdout
  std::cout << "plot: " << drawn << "\n";
  return 0;
}

}  // namespace dynaq::cli
