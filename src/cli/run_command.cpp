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
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "dynaq/cuda_runtime_checks.hpp"
#include "dynaq/cuda_statistics.hpp"
#include "dynaq/engine.hpp"
#include "dynaq/environment_fingerprint.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/result_files.hpp"
#include "dynaq/sweep.hpp"
#include "mpi_session.hpp"
#include "options.hpp"
#include "presets.hpp"

namespace dynaq::cli {

namespace {

namespace fs = std::filesystem;

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
  for (int k = 2; fs::exists(candidate); ++k) candidate = base + "-" + std::to_string(k);
  return candidate;
}

std::string chunk_folder(const std::string& out) { return (fs::path(out) / "chunks").string(); }

// Files a stopped writer left under temporary names are never results.
void remove_temporaries(const std::string& folder) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error))
    if (entry.path().filename().string().find(".partial-") != std::string::npos) fs::remove(entry.path(), error);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The option lines of a config.toml (comments left out), by key.
std::map<std::string, std::string> config_lines(const std::string& text) {
  std::map<std::string, std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || line[0] == '[') continue;
    lines[line.substr(0, line.find(" = "))] = line;
  }
  return lines;
}

void check_resumed_configuration(const std::string& folder, const std::string& stored, const std::string& effective) {
  // Environments are compared by content: the same file under another path resumes.
  const auto before = config_lines(content_identity_text(stored)), now = config_lines(content_identity_text(effective));
  std::string differences;
  for (const auto& [key, line] : now) {
    const auto it = before.find(key);
    if (it == before.end() || it->second != line)
      differences += "\n  " + (it == before.end() ? std::string("(unset)") : it->second) + "  became  " + line;
  }
  for (const auto& [key, line] : before)
    if (now.find(key) == now.end()) differences += "\n  " + line + "  became  (unset)";
  if (!differences.empty())
    throw InputError("--resume " + folder + ": a resumed run keeps the configuration it started with (" +
                     chunk_folder(folder) + "/config.toml), but these options differ:" + differences);
}

void warn(const std::string& text) { std::cerr << "dynaq: warning: " << text << "\n"; }

}  // namespace

// auto: the cuda engine when a GPU is present, else the cpu engine. The cuda engine checks itself
// against the cpu engine before each group, and should it fail there (or any CUDA call fail),
// the run goes on on the cpu engine with a warning: every engine gives the same bits, so the
// choice changes only the speed. --backend cuda asks for the GPU alone and fails instead.
std::unique_ptr<Engine> make_engine(const std::string& backend, const std::string& kernel, int threads,
                                    std::uint32_t batch) {
  const CpuEngineOptions cpu{threads, batch, 0};
  CudaEngineOptions cuda_options;
  try {
    cuda_options.kernel = parse_cuda_kernel(kernel);
  } catch (const InputError& e) {
    throw InputError("--cuda-kernel: " + std::string(e.what()));
  }
  if (backend == "reference") return make_reference_engine();
  if (backend == "cpu") return make_cpu_engine(cpu);
  if (backend == "auto") {
    if (!query_gpu().present) return make_cpu_engine(cpu);
    std::unique_ptr<Engine> cuda;
    try {
      cuda = make_cuda_engine(cuda_options);
    } catch (const std::runtime_error& e) {
      warn(std::string("a GPU is present but the cuda engine cannot use it (") + e.what() + "); running on the cpu engine");
      return make_cpu_engine(cpu);
    }
    return make_fallback_engine(std::move(cuda), make_cpu_engine(cpu), warn);
  }
  if (backend == "cuda") {
    try {
      return make_cuda_engine(cuda_options);
    } catch (const std::runtime_error& e) {
      throw InputError(std::string("--backend cuda: ") + e.what() + "; use --backend cpu (bit-identical results)");
    }
  }
  throw InputError("--backend: '" + backend + "' is not one of: auto, reference, cpu, cuda");
}

void prepare_run_folder(const RunOptions& o, const std::string& out, const Sweep& sweep, const std::string& config_text,
                        const ChunkIdentity& identity) {
  if (!o.resume.empty()) {
    check_resumed_configuration(out, read_text(chunk_folder(out) + "/config.toml"), config_text);
    remove_temporaries(out);
    remove_temporaries(chunk_folder(out));
  } else {
    prepare_output_folder(out, o.overwrite, "--out");
    ResultFileSet files(chunk_folder(out));
    files.open("config.toml") << config_text;
    files.commit();
  }
  chunks_in_folder(sweep, chunk_folder(out), identity);  // refuses chunks of another run
}

// Curves are summarised where the agents ran: the GPU's statistics have the host's bits. Under
// auto, a failure there moves them to the host, as a failing engine moves the agents.
void choose_statistics_backend(ExecutionInfo& execution, const Engine& engine, const std::string& backend) {
  if (engine.name() != "cuda") return;
  execution.statistics_backend = "cuda";
  execution.summarize_columns = make_cuda_column_summarizer();
  if (backend == "auto")
    execution.summarize_columns =
        with_host_fallback(execution.summarize_columns, [&execution](const std::string& failure) {
          warn("statistics on the GPU failed (" + failure + "); computing them on the host");
          execution.statistics_backend = "cpu";  // summary.json is written after every point
        });
}

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

// Runs the sweep the options describe; returns the results folder (empty on ranks other
// than 0, and for a shard).
std::string execute(const RunOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  MpiSession& mpi = MpiSession::instance();
  const bool lead = mpi.rank() == 0;

  // Everything the user gave is checked before anything runs or is written.
  const SweepSpec spec = spec_from(o);
  auto [shard_index, shard_count] = parse_shard(o.shard);
  const int threads = parse_thread_count(o.threads, "--threads");
  const std::uint64_t batch = parse_count(o.batch, "--batch");
  if (batch > 0xFFFFFFFFull) throw InputError("--batch " + o.batch + " is more than 2^32 - 1 agents");
  if (!o.resume.empty() && !o.out.empty())
    throw InputError("--out cannot be given with --resume: a resumed run finishes in its own folder");
  if (mpi.size() > 1 && shard_count > 1)
    throw InputError("--shard cannot be given to a run started by mpirun: each of its " + std::to_string(mpi.size()) +
                     " processes already runs its own shard");
  const Sweep sweep = plan_sweep(spec);
  check_environment_fingerprints(o.env_fingerprint, spec.values("env"), sweep.environment_fingerprints);
  if (lead)
    for (const Environment& env : sweep.environments)
      for (const std::string& warning : env.warnings) std::cerr << "dynaq: warning: " << warning << "\n";
  // Under mpirun, each rank takes its own GPU before any engine could touch one.
  const std::string binding = mpi.size() > 1 ? bind_rank_to_gpu(mpi) : std::string();
  std::unique_ptr<Engine> engine = make_engine(o.backend, o.cuda_kernel, threads, static_cast<std::uint32_t>(batch));

  const std::string shard_text = shard_count > 1 ? std::to_string(shard_index) + "/" + std::to_string(shard_count) : "";
  const std::string config_text = effective_config(sweep, shard_text);
  const ChunkIdentity identity{DYNAQ_VERSION, config_hash(sweep)};
  if (mpi.size() > 1) {
    shard_index = static_cast<std::uint32_t>(mpi.rank());
    shard_count = static_cast<std::uint32_t>(mpi.size());
  }

  // Rank 0 alone prepares the folder (two ranks checking it at once would see each other's
  // files), then tells the others where it is, or what was wrong.
  std::string out = !o.resume.empty() ? o.resume : !o.out.empty() ? o.out : default_output_folder("run");
  std::string verdict;
  std::optional<OutputFolderLock> folder_lock;  // held until the results are written
  if (lead) {
    try {
      folder_lock.emplace(out, o.resume.empty() ? "--out" : "--resume");
      prepare_run_folder(o, out, sweep, config_text, identity);
    } catch (const InputError& e) {
      verdict = std::string("!") + e.what();
    }
    if (verdict.empty()) verdict = out;
  }
  verdict = mpi.broadcast(verdict);
  if (verdict[0] == '!') throw InputError(verdict.substr(1));
  out = verdict;

  announce_resume_on_stop(out);
  ProgressBar bar(!o.quiet && lead && isatty(STDERR_FILENO));
  SweepRunControl control;
  control.chunk_folder = chunk_folder(out);
  control.identity = identity;
  control.shard_index = shard_index;
  control.shard_count = shard_count;
  control.threads = threads;
  control.progress = [&bar](std::uint64_t done, std::uint64_t total) { bar.update(done, total); };
  const std::uint64_t stop_after = stop_after_chunks();
  control.chunk_stored = [stop_after](std::uint64_t written) {
    if (stop_after > 0 && written >= stop_after) ::raise(SIGKILL);
  };

  SweepRunReport report;
  std::string failure;
  try {
    report = run_sweep(sweep, *engine, control);
  } catch (const std::exception& e) {
    if (mpi.size() == 1) throw;
    failure = e.what();
  }
  if (mpi.size() > 1) {
    // Every rank reaches this point, whether its shard succeeded or not, so none waits forever.
    const bool everyone = mpi.all(failure.empty());
    if (!failure.empty()) throw std::runtime_error("rank " + std::to_string(mpi.rank()) + ": " + failure);
    if (!everyone) throw std::runtime_error("another rank failed; its message says why (finished chunks are kept; resume with --resume " + out + ")");
  }
  const std::vector<std::string> bindings =
      mpi.size() > 1 ? mpi.gather(binding.substr(0, binding.size() - 1) + ", \"chunks_run\": " +
                                  std::to_string(report.chunks_run) + "}")
                     : std::vector<std::string>{};
  if (!lead) return "";

  if (shard_count > 1 && mpi.size() == 1) {
    if (!o.quiet)
      std::cout << "shard " << shard_text << ": " << report.chunks_run << " chunk(s) run now, "
                << report.chunks_present << " found done; its chunks are in " << chunk_folder(out)
                << "/\nwhen every shard is done, join them with: dynaq merge OUT_FOLDER SHARD_FOLDER...\n";
    return "";
  }

  const ChunkFiles files = collect_chunk_files(sweep, {chunk_folder(out)}, identity);
  ExecutionInfo execution;
  execution.command = command_text;
  execution.engine = engine->name();
  execution.device = engine->device();
  choose_statistics_backend(execution, *engine, o.backend);
  execution.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Chunks found done (a resumed run) and run now, by this process or, under mpirun, by all.
  execution.extra_json = "\"chunks_resumed\": " + std::to_string(report.chunks_present);
  if (bindings.empty()) execution.extra_json += ", \"chunks_run\": " + std::to_string(report.chunks_run);
  if (!bindings.empty()) {
    execution.extra_json += ", \"mpi\": {\"ranks\": " + std::to_string(mpi.size()) + ", \"bindings\": [";
    for (std::size_t r = 0; r < bindings.size(); ++r) execution.extra_json += (r ? ", " : "") + bindings[r];
    execution.extra_json += "]}";
  }
  const WrittenResults written = write_sweep_results(sweep, files, out, execution, config_text);
  std::error_code error;
  fs::remove_all(chunk_folder(out), error);

  if (!o.quiet) {
    std::cout << results_table(sweep, written);
    std::cout << "\n" << sweep.n_agents() << " agents on the " << engine->name() << " engine (" << engine->device()
              << ")";
    if (mpi.size() > 1) std::cout << " in " << mpi.size() << " MPI processes";
    std::cout << ", " << report.chunks_run << " of " << sweep.chunks.size() << " chunks run now, in "
              << duration_text(report.seconds) << "\n";
    std::cout << "results in " << out << "/:";
    for (const std::string& f : written.files) std::cout << " " << f;
    std::cout << "\n";
  }
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
