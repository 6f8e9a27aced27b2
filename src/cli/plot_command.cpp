// `dynaq plot RESULTS_DIR`: learning curves with 95% confidence bands as PNG and SVG, drawn by
// scripts/plot_curves.py (built into the binary) with matplotlib.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "dynaq/errors.hpp"
#include "plot_script.hpp"

extern char** environ;

namespace dynaq::cli {

namespace {

// Runs `argv` (searched on PATH), optionally with its output thrown away; returns its exit
// status, or -1 when it could not be started.
int run_program(const std::vector<std::string>& argv, bool silent) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (silent) {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  }
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string header_of(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

std::string find_plotting_python(std::string* why) {
  // DYNAQ_PYTHON names the interpreter; otherwise the first python3 that has matplotlib (a
  // python3 first on PATH, e.g. a virtual environment, may lack it where Debian's has it).
  std::vector<std::string> candidates;
  if (const char* chosen = std::getenv("DYNAQ_PYTHON"); chosen != nullptr && *chosen != '\0') candidates = {chosen};
  else candidates = {"python3", "/usr/bin/python3"};
  std::string tried;
  for (const std::string& python : candidates) {
    if (run_program({python, "-c", "import matplotlib"}, true) == 0) return python;
    tried += (tried.empty() ? "" : ", ") + python;
  }
  if (why != nullptr)
    *why = "plotting needs Python 3 with matplotlib, and none was found (tried " + tried +
           "); on Debian: apt-get install python3-matplotlib (scripts/setup.sh does), or set DYNAQ_PYTHON";
  return "";
}

std::string render_plot(const PlotRequest& request) {
  namespace fs = std::filesystem;
  const std::string curves = (fs::path(request.results) / "curves.csv").string();
  std::error_code error;
  if (!fs::is_regular_file(curves, error))
    throw InputError(request.results + ": no curves.csv there; give the folder of a finished dynaq run");
  const std::string header = header_of(curves);
  std::string metric = request.metric;
  if (metric.empty()) metric = header.find(",episode,") != std::string::npos ? "steps" : "cumulative_reward";
  if (header.find(",mean_" + metric + ",") == std::string::npos)
    throw InputError("--metric " + metric + ": " + curves + " has no such curve (" +
                     (header.find(",episode,") != std::string::npos ? "episode budgets have steps and return"
                                                                   : "step budgets have cumulative_reward, episodes and model_error") +
                     ")");
  const std::string stem = request.stem.empty() ? (fs::path(request.results) / ("curves_" + metric)).string() : request.stem;
  const fs::path parent = fs::path(stem).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, error))
    throw InputError("--out " + stem + ": the folder " + parent.string() + " does not exist");
  for (const char* extension : {".png", ".svg", ".json"})
    if (is_result_file(fs::path(stem + extension).filename().string()))
      throw InputError("--out " + stem + " would write " + stem + extension +
                       ", the name of a dynaq result file; choose another STEM");
  std::string why;
  const std::string python = find_plotting_python(&why);
  if (python.empty()) throw std::runtime_error(why);
  const int status = run_program({python, "-c", kPlotScript, curves, stem, metric, request.y_scale}, false);
  if (status != 0)
    throw std::runtime_error("the plotting script (scripts/plot_curves.py, run by " + python + ") failed" +
                             (status > 0 ? " with exit code " + std::to_string(status) : std::string()));
  return stem + ".png and " + stem + ".svg";
}

void register_plot_command(CLI::App& app) {
  auto request = std::make_shared<PlotRequest>();
  CLI::App* plot = app.add_subcommand(
      "plot",
      "Draw the learning curves of a finished run as PNG and SVG: one line per grid point (the mean over\n"
      "seeds) with its 95% confidence band, a panel per environment, and a legend naming the parameters\n"
      "that vary. Needs Python 3 with matplotlib (Debian: python3-matplotlib).");
  plot->add_option("results", request->results, "The results folder of `dynaq run` or `dynaq merge`")->required();
  plot->add_option("--out", request->stem,
                   "Write STEM.png, STEM.svg and STEM.json (what was drawn) (default RESULTS/curves_<metric>)")
      ->type_name("STEM");
  plot->add_option("--metric", request->metric,
                   "The curve to draw: steps or return (episode budgets), cumulative_reward, episodes or "
                   "model_error (step budgets) (default steps, or cumulative_reward for step budgets)");
  plot->add_option("--y-scale", request->y_scale,
                   "auto (logarithmic for episode lengths that span more than a factor of 20), linear or log "
                   "(default auto)");
  plot->callback([request] {
    if (request->y_scale != "auto" && request->y_scale != "linear" && request->y_scale != "log")
      throw InputError("--y-scale: '" + request->y_scale + "' is not one of: auto, linear, log");
    const std::string written = render_plot(*request);  // first: a failure prints nothing on stdout
    std::cout << "wrote " << written << "\n";
  });
}

}  // namespace dynaq::cli
