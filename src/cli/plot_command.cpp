// `dynaq plot RESULTS_DIR`: learning curves with confidence bands, interquartile ranges or
// individual agents as PNG, SVG or PDF, drawn by scripts/plot_curves.py (built into the binary)
// with matplotlib. The options are checked here, so that bad input is an input error.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
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

// "LOW,HIGH" with numbers, either one empty (not both), LOW < HIGH when both are given.
void check_limits(const std::string& option, const std::string& text) {
  const std::size_t comma = text.find(',');
  bool good = comma != std::string::npos && text.find(',', comma + 1) == std::string::npos && text != ",";
  double ends[2] = {0.0, 0.0};
  const std::string parts[2] = {good ? text.substr(0, comma) : "", good ? text.substr(comma + 1) : ""};
  for (int k = 0; k < 2 && good; ++k) {
    if (parts[k].empty()) continue;
    char* end = nullptr;
    ends[k] = std::strtod(parts[k].c_str(), &end);
    good = end != parts[k].c_str() && *end == '\0' && std::isfinite(ends[k]);
  }
  if (good && !parts[0].empty() && !parts[1].empty()) good = ends[0] < ends[1];
  if (!good) throw InputError(option + " '" + text + "': write LOW,HIGH (numbers, LOW < HIGH; either may be left out, as 0,)");
}

void check_size(const std::string& text) {
  const std::size_t x = text.find('x');
  char* end = nullptr;
  bool good = x != std::string::npos;
  double w = 0.0, h = 0.0;
  if (good) {
    const std::string a = text.substr(0, x), b = text.substr(x + 1);
    w = std::strtod(a.c_str(), &end);
    good = !a.empty() && *end == '\0';
    h = std::strtod(b.c_str(), &end);
    good = good && !b.empty() && *end == '\0';
  }
  if (!good || !(w >= 1.0 && w <= 40.0 && h >= 1.0 && h <= 40.0))
    throw InputError("--size '" + text + "': write WIDTHxHEIGHT in inches, each from 1 to 40 (3.5x2.6 fits a paper's column)");
}

std::string header_of(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

int run_python_script(const std::string& python, const char* script, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {python, "-c", script};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, false);
}

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
  const bool episodes = header.find(",episode,") != std::string::npos;
  std::string metric = request.metric;
  if (!request.preset.empty()) {
    // Figure 8.2 is an episode budget's steps; figures 8.4 and 8.5 a step budget's cumulative reward.
    const bool figure_8_2 = request.preset == "figure-8.2";
    if (figure_8_2 != episodes)
      throw InputError("--preset " + request.preset + " draws " +
                       (figure_8_2 ? "steps per episode: give the folder of a run with --episodes"
                                   : "cumulative reward against time steps: give the folder of a run with --steps") +
                       " (" + request.results + " is not)");
    if (!metric.empty() && metric != (figure_8_2 ? "steps" : "cumulative_reward"))
      throw InputError("--metric " + metric + ": --preset " + request.preset + " draws " +
                       (figure_8_2 ? "steps" : "cumulative_reward"));
  }
  if (metric.empty()) metric = episodes ? "steps" : "cumulative_reward";
  if (header.find(",mean_" + metric + ",") == std::string::npos)
    throw InputError("--metric " + metric + ": " + curves + " has no such curve (" +
                     (header.find(",episode,") != std::string::npos ? "episode budgets have steps and return"
                                                                   : "step budgets have cumulative_reward, episodes and model_error") +
                     ")");
  const std::string agents = (fs::path(request.results) / ("agent_" + metric + ".npy")).string();
  if (request.band == "agents" && !fs::is_regular_file(agents, error))
    throw InputError("--band agents draws individual agents from " + agents +
                     ", which is not there; run with --save-agent-metrics");
  const std::string stem = request.stem.empty() ? (fs::path(request.results) / ("curves_" + metric)).string() : request.stem;
  const fs::path parent = fs::path(stem).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, error))
    throw InputError("--out " + stem + ": the folder " + parent.string() + " does not exist");
  std::vector<std::string> extensions = {".json"};
  for (std::size_t begin = 0; begin <= request.formats.size();) {
    const std::size_t comma = std::min(request.formats.find(',', begin), request.formats.size());
    const std::string format = request.formats.substr(begin, comma - begin);
    if (format != "png" && format != "svg" && format != "pdf")
      throw InputError("--format '" + request.formats + "': a comma-separated list of png, svg and pdf");
    extensions.push_back("." + format);
    begin = comma + 1;
  }
  for (const std::string& extension : extensions)
    if (is_result_file(fs::path(stem + extension).filename().string()))
      throw InputError("--out " + stem + " would write " + stem + extension +
                       ", the name of a dynaq result file; choose another STEM");
  std::string why;
  const std::string python = find_plotting_python(&why);
  if (python.empty()) throw std::runtime_error(why);
  std::vector<std::string> args = {curves, stem, metric, "--y-scale", request.y_scale, "--band", request.band,
                                   "--formats", request.formats, "--skip-first", std::to_string(request.skip_first)};
  for (const auto& [option, value] : {std::pair<const char*, const std::string*>{"--preset", &request.preset},
                                      {"--size", &request.size}, {"--xlim", &request.xlim}, {"--ylim", &request.ylim}})
    if (!value->empty()) args.insert(args.end(), {option, *value});
  const int status = run_python_script(python, kPlotScript, args);
  if (status != 0)
    throw std::runtime_error("the plotting script (scripts/plot_curves.py, run by " + python + ") failed" +
                             (status > 0 ? " with exit code " + std::to_string(status) : std::string()));
  std::string written;
  for (std::size_t k = 1; k < extensions.size(); ++k)
    written += (k == 1 ? "" : k + 1 == extensions.size() ? " and " : ", ") + stem + extensions[k];
  return written;
}

void register_plot_command(CLI::App& app) {
  auto request = std::make_shared<PlotRequest>();
  CLI::App* plot = app.add_subcommand(
      "plot",
      "Draw the learning curves of a finished run as PNG, SVG or PDF: one line per grid point with a band\n"
      "(the mean's 95% confidence interval, the interquartile range, or individual agents), a panel per\n"
      "environment, a schedule's phase switches as dashed lines, and a compact legend naming the parameters\n"
      "that vary. Presets draw Sutton & Barto's figures 8.2, 8.4 and 8.5. Needs Python 3 with matplotlib\n"
      "(Debian: python3-matplotlib).");
  plot->add_option("results", request->results, "The results folder of `dynaq run` or `dynaq merge`")->required();
  plot->add_option("--out", request->stem,
                   "Write STEM.png, STEM.svg and STEM.json (what was drawn) (default RESULTS/curves_<metric>)")
      ->type_name("STEM");
  plot->add_option("--band", request->band,
                   "ci: the mean with its 95% confidence interval; iqr: the median with the interquartile range; "
                   "agents: the mean with 20 individual agents per point drawn thin, from agent_<metric>.npy "
                   "(run with --save-agent-metrics): shows what a mean hides, such as agents that never find "
                   "a new path (default ci)")
      ->type_name("ci|iqr|agents");
  plot->add_option("--preset", request->preset,
                   "Sutton & Barto's figures: figure-8.2 (steps per episode on a linear axis from episode 2), "
                   "figure-8.4 and figure-8.5 (cumulative reward against time steps, the blocking and shortcut "
                   "mazes); sets the metric, the axes and a paper size (default none)")
      ->type_name("NAME");
  plot->add_option("--size", request->size,
                   "The figure's size in inches, WIDTHxHEIGHT, e.g. 3.5x2.6 for a paper's column; drawn at 200 dpi "
                   "(default 6.4x4.8 per panel at 100 dpi, 4.5x3.2 for presets)")
      ->type_name("WxH");
  plot->add_option("--xlim", request->xlim, "The x axis' range, LOW,HIGH; either may be left out (default: the data's)")
      ->type_name("LOW,HIGH");
  plot->add_option("--ylim", request->ylim, "The y axis' range, LOW,HIGH; either may be left out (default: the data's)")
      ->type_name("LOW,HIGH");
  plot->add_option("--skip-first", request->skip_first,
                   "Leave out the first K episodes (or time buckets), such as the first episode's random walk "
                   "(default 0; 1 for figure-8.2)")
      ->type_name("K");
  plot->add_option("--format", request->formats, "The pictures to write: png, svg, pdf, comma-separated (default png,svg)")
      ->type_name("LIST");
  plot->add_option("--metric", request->metric,
                   "The curve to draw: steps or return (episode budgets), cumulative_reward, episodes or "
                   "model_error (step budgets) (default steps, or cumulative_reward for step budgets)");
  plot->add_option("--y-scale", request->y_scale,
                   "auto (logarithmic for episode lengths that span more than a factor of 20), linear or log "
                   "(default auto)");
  plot->callback([request] {
    if (request->y_scale != "auto" && request->y_scale != "linear" && request->y_scale != "log")
      throw InputError("--y-scale: '" + request->y_scale + "' is not one of: auto, linear, log");
    if (request->band != "ci" && request->band != "iqr" && request->band != "agents")
      throw InputError("--band: '" + request->band + "' is not one of: ci, iqr, agents");
    if (!request->preset.empty() && request->preset != "figure-8.2" && request->preset != "figure-8.4" &&
        request->preset != "figure-8.5")
      throw InputError("--preset: '" + request->preset + "' is not one of: figure-8.2, figure-8.4, figure-8.5");
    if (!request->size.empty()) check_size(request->size);
    if (!request->xlim.empty()) check_limits("--xlim", request->xlim);
    if (!request->ylim.empty()) check_limits("--ylim", request->ylim);
    if (request->skip_first < -1) throw InputError("--skip-first: a number of episodes or buckets, 0 or more");
    const std::string written = render_plot(*request);  // first: a failure prints nothing on stdout
    std::cout << "wrote " << written << "\n";
  });
}

}  // namespace dynaq::cli
