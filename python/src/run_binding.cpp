// dynaq.run's C++ side: `dynaq run` with the arguments Python built, through the command line's
// own option table, checks, planning, engines and result writers, into a results folder: the
// steps of src/cli/run_steps.hpp, as `dynaq run` takes them in one process. What differs is
// only how a run reports progress and stops: through Python (a callback, and Ctrl-C seen by
// Python's own signal handler) rather than a terminal bar and a signal handler of its own.
#include <nanobind/stl/function.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "bindings.hpp"
#include "commands.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/sweep.hpp"
#include "options.hpp"
#include "run_steps.hpp"

namespace dynaq::python {

namespace {

namespace fs = std::filesystem;

// Thrown from a point between chunks once Python asked the run to stop. Not a std::exception,
// so that no engine's fallback takes it for a failure of its own.
struct StopRequested {};

// Progress and Ctrl-C: every 100 ms at most, the run takes the GIL to let Python's signal
// handlers run (a KeyboardInterrupt is kept for later) and to call the progress callback.
class PythonLink {
 public:
  explicit PythonLink(nb::object progress) : progress_(std::move(progress)) {}

  void update(std::uint64_t done, std::uint64_t total) {
    if (stop_) return;
    const auto now = std::chrono::steady_clock::now();
    if (done < total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    nb::gil_scoped_acquire hold;
    try {
      if (PyErr_CheckSignals() != 0) throw nb::python_error();
      if (!progress_.is_none()) progress_(done, total);
    } catch (nb::python_error& e) {
      pending_ = std::make_unique<nb::python_error>(std::move(e));
      stop_ = true;
    }
  }
  // Between chunks, where stopping leaves every finished chunk in place.
  void stop_if_asked() const {
    if (stop_) throw StopRequested{};
  }
  // With the GIL held: raises what stopped the run (a KeyboardInterrupt, or the callback's error).
  [[noreturn]] void raise_pending() {
    pending_->restore();
    pending_.reset();
    throw nb::python_error();
  }

 private:
  nb::object progress_;
  std::chrono::steady_clock::time_point last_{};
  std::atomic<bool> stop_{false};
  std::unique_ptr<nb::python_error> pending_;
};

// The options as `dynaq run` parses them: --config, --preset and --resume expanded, then CLI11.
cli::RunOptions parse_run_options(const std::vector<std::string>& arguments) {
  // Forget where an earlier run's config file set its options (locate_in_config), which a
  // command-line process never needs to: it runs once.
  cli::config_arguments(ConfigDocument{}, {});
  std::vector<std::string> args{"dynaq", "run"};
  args.insert(args.end(), arguments.begin(), arguments.end());
  args = cli::expand_run_arguments(args);
  CLI::App app;
  cli::RunOptions options;
  cli::add_run_options(app, options);
  std::vector<std::string> reversed(args.begin() + 2, args.end());
  std::reverse(reversed.begin(), reversed.end());  // CLI11 takes them last first
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    throw InputError(e.what());
  }
  return options;
}

struct RunOutcome {
  std::string folder;  // empty for a shard
  std::string table;
  std::vector<std::string> files;
  std::vector<std::string> warnings;
  std::string engine;
  std::string device;
  std::uint64_t chunks_run = 0;
  std::uint64_t chunks_present = 0;
  std::uint64_t chunks = 0;
  double seconds = 0.0;
};

RunOutcome execute(const cli::RunOptions& o, const std::string& command, PythonLink& link) {
  const auto start = std::chrono::steady_clock::now();
  if (o.resume.empty() && o.out.empty()) throw std::logic_error("dynaq.run passes --out or --resume");
  const cli::RunPlan plan = cli::plan_run(o);
  RunOutcome outcome;
  for (const Environment& env : plan.sweep.environments)
    outcome.warnings.insert(outcome.warnings.end(), env.warnings.begin(), env.warnings.end());
  const std::unique_ptr<Engine> engine = cli::make_engine(o.backend, o.cuda_kernel, plan.threads, plan.batch);
  const std::string out = cli::run_folder(o);
  const cli::OutputFolderLock folder_lock(out, o.resume.empty() ? "--out" : "--resume");
  cli::prepare_run_folder(o, out, plan);

  SweepRunControl control = cli::run_control(plan, out);
  control.progress = [&link](std::uint64_t done, std::uint64_t total) { link.update(done, total); };
  control.chunk_stored = [&link](std::uint64_t) { link.stop_if_asked(); };
  const SweepRunReport report = run_sweep(plan.sweep, *engine, control);
  outcome.engine = engine->name();
  outcome.device = engine->device();
  outcome.chunks_run = report.chunks_run;
  outcome.chunks_present = report.chunks_present;
  outcome.chunks = plan.sweep.chunks.size();
  outcome.seconds = report.seconds;
  if (plan.shard_count > 1) return outcome;

  ExecutionInfo execution = cli::execution_of(command, *engine, report, start);
  cli::choose_statistics_backend(execution, *engine, o.backend);
  const WrittenResults written = cli::write_run_results(plan, out, execution);
  outcome.folder = out;
  outcome.table = results_table(plan.sweep, written);
  outcome.files = written.files;
  return outcome;
}

nb::dict run(const std::vector<std::string>& arguments, const EnvironmentTexts& texts, const std::string& command,
             nb::object progress) {
  PythonLink link(std::move(progress));
  RunOutcome outcome;
  bool stopped = false;
  {
    nb::gil_scoped_release release;
    EnvironmentTextsInUse in_use(texts);
    try {
      outcome = execute(parse_run_options(arguments), command, link);
    } catch (const StopRequested&) {
      stopped = true;
    } catch (const InputError& e) {
      // A value that came from a config file is reported at its place in the file.
      throw InputError(cli::locate_in_config(e.what()));
    }
  }
  if (stopped) link.raise_pending();
  nb::dict result;
  result["folder"] = outcome.folder;
  result["table"] = outcome.table;
  result["files"] = outcome.files;
  result["warnings"] = outcome.warnings;
  result["engine"] = outcome.engine;
  result["device"] = outcome.device;
  result["chunks_run"] = outcome.chunks_run;
  result["chunks_present"] = outcome.chunks_present;
  result["chunks"] = outcome.chunks;
  result["seconds"] = outcome.seconds;
  return result;
}

// Every option of `dynaq run`, from its own table: (name without dashes, is a grid axis, is a
// switch, may come from a config file).
nb::list run_options() {
  CLI::App app;
  cli::RunOptions options;
  cli::add_run_options(app, options);
  nb::list list;
  for (const CLI::Option* option : app.get_options()) {
    const std::vector<std::string>& names = option->get_lnames();
    if (names.empty()) continue;  // --help
    if (names.front() == "help") continue;
    bool axis = false;
    for (const GridAxis& a : grid_axes()) axis = axis || names.front() == a.key;
    list.append(nb::make_tuple(names.front(), axis, option->get_expected_max() == 0, option->get_description()));
  }
  return list;
}

}  // namespace

void bind_run(nb::module_& m) {
  m.def("run", &run, nb::arg("arguments"), nb::arg("texts"), nb::arg("command"), nb::arg("progress").none(),
        "`dynaq run ARGUMENTS` into the --out (or --resume) folder the arguments name; the GIL is released "
        "while it runs.");
  m.def("run_options", &run_options, "(name, is_axis, is_switch, help) of every option of `dynaq run`.");
}

}  // namespace dynaq::python
