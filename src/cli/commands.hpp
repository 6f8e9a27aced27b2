// The subcommands of the `dynaq` command line. Each registers itself on the application with
// its options and help, and sets its callback. Callbacks report bad input by throwing
// InputError (exit code 2); main() turns exceptions into messages and exit codes.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dynaq/engine.hpp"
#include "dynaq/sweep.hpp"
#include "options.hpp"

namespace dynaq::cli {

void register_run_command(CLI::App& app, const std::string& command_line);
void register_merge_command(CLI::App& app, const std::string& command_line);
void register_plot_command(CLI::App& app);
void register_solve_command(CLI::App& app);
void register_envs_command(CLI::App& app);
void register_experiment_command(CLI::App& app);
void register_compare_command(CLI::App& app);

// `dynaq run --config FILE` and `--resume DIR`: the arguments with the file's options added
// (those not already on the command line). Other commands' arguments come back unchanged.
std::vector<std::string> expand_run_arguments(const std::vector<std::string>& args);

// Shared by run and merge: refuses a folder holding results or an unfinished run unless
// `overwrite`, and then clears them. `what` names the folder in messages ("--out").
void prepare_output_folder(const std::string& folder, bool overwrite, const std::string& what);
// Whether a file name is one of the result files dynaq run writes (curves.csv, summary.json, ...).
bool is_result_file(const std::string& name);

// An exclusive lock on an output folder (flock on the folder itself), held while the object
// lives, so that a second dynaq process writing into the same folder (another run, a resume, a
// merge) is refused instead of racing the first. Creates the folder if missing. Throws
// InputError, with `what` naming the option ("--out"), when another process holds the lock.
class OutputFolderLock {
 public:
  OutputFolderLock(const std::string& folder, const std::string& what);
  ~OutputFolderLock();
  OutputFolderLock(const OutputFolderLock&) = delete;
  OutputFolderLock& operator=(const OutputFolderLock&) = delete;

 private:
  int fd_ = -1;
};

// The experiment `dynaq` runs when given no arguments.
int run_default_experiment();

// Draws the learning curves of a results folder as STEM.png and STEM.svg (see plot_command.cpp).
// Throws std::runtime_error when Python 3 with matplotlib cannot be found.
struct PlotRequest {
  std::string results;
  std::string stem;    // "": RESULTS/curves_<metric>
  std::string metric;  // "": steps for episode budgets, cumulative_reward for step budgets
  std::string y_scale = "auto";  // auto, linear or log
  std::string band = "ci";       // ci, iqr or agents
  std::string preset;            // "", figure-8.2, figure-8.4 or figure-8.5
  std::string size;              // "WxH" in inches; "": the default
  std::string xlim, ylim;        // "LOW,HIGH", either end may be empty
  int skip_first = -1;           // -1: the preset's (or 0)
  std::string formats = "png,svg";
};
std::string render_plot(const PlotRequest& request);
// The Python 3 that has matplotlib, or "" (with the reason in `why`).
std::string find_plotting_python(std::string* why);
// Runs `script` (Python source) with `python` and the arguments; returns its exit status, or -1
// when it could not be started.
int run_python_script(const std::string& python, const char* script, const std::vector<std::string>& args);

}  // namespace dynaq::cli
