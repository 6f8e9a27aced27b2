// `dynaq plot`: the PNG is read back and checked for its size and for one colour per curve.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "cli_test_support.hpp"

namespace dynaq {
namespace {

using testing_support::contains;
using testing_support::read_file;
using testing_support::run_dynaq;
using testing_support::run_shell;
using testing_support::TempFolder;

// Width and height from the PNG's IHDR chunk (big-endian, right after the signature).
std::pair<std::uint32_t, std::uint32_t> png_size(const std::string& png) {
  const auto be32 = [&](std::size_t at) {
    return (std::uint32_t(std::uint8_t(png[at])) << 24) | (std::uint32_t(std::uint8_t(png[at + 1])) << 16) |
           (std::uint32_t(std::uint8_t(png[at + 2])) << 8) | std::uint32_t(std::uint8_t(png[at + 3]));
  };
  if (png.size() < 24 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || png.compare(12, 4, "IHDR") != 0) return {0, 0};
  return {be32(16), be32(20)};
}

// The Python with matplotlib that dynaq plot would use, or "".
std::string plotting_python() {
  for (const std::string python : {"python3", "/usr/bin/python3"})
    if (run_shell(python + " -c 'import matplotlib'").exit_code == 0) return python;
  return "";
}

// How many of `colours` ("#1f77b4 #ff7f0e ...") are drawn in the PNG: colours with at least 40
// pixels of exactly that RGB value (line and legend pixels; the bands are blended).
int colours_drawn(const std::string& python, const std::string& png, const std::string& colours) {
  const std::string script =
      "import sys, numpy, matplotlib.image as im\n"
      "rgb = (im.imread(sys.argv[1])[:, :, :3] * 255).round().astype(int)\n"
      "packed = rgb[:, :, 0] * 65536 + rgb[:, :, 1] * 256 + rgb[:, :, 2]\n"
      "print(sum(int((packed == int(c[1:], 16)).sum() >= 40) for c in sys.argv[2:]))\n";
  const auto r = run_shell(python + " -c '" + script + "' '" + png + "' " + colours);
  return r.exit_code == 0 ? std::stoi(r.out) : -1;
}

TEST(PlotCommand, DrawsOneCurvePerGridPointWithTheExpectedSize) {
  const std::string python = plotting_python();
  if (python.empty()) GTEST_SKIP() << "Python 3 with matplotlib is not installed (Debian: python3-matplotlib)";
  TempFolder dir;
  ASSERT_EQ(run_dynaq("run -q -n 0,5,50 --seeds 5 --episodes 8 --out '" + dir / "run" + "'").exit_code, 0);
  const auto r = run_dynaq("plot '" + dir / "run" + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "curves_steps.png")) << r.out;
  const std::string png = read_file(dir / "run/curves_steps.png");
  // One panel of 6.4 x 4.8 inches at 100 dpi, the legend inside it.
  EXPECT_EQ(png_size(png), std::make_pair(std::uint32_t{640}, std::uint32_t{480}));
  EXPECT_TRUE(contains(read_file(dir / "run/curves_steps.svg"), "<svg"));
  // One varying parameter: a colour per grid point, the first three of matplotlib's tab10,
  // each drawn; the fourth is not.
  EXPECT_EQ(colours_drawn(python, dir / "run/curves_steps.png", "'#1f77b4' '#ff7f0e' '#2ca02c'"), 3);
  EXPECT_EQ(colours_drawn(python, dir / "run/curves_steps.png", "'#d62728'"), 0);
  const std::string info = read_file(dir / "run/curves_steps.json");
  EXPECT_TRUE(contains(info, "\"curves\": 3")) << info;
  EXPECT_TRUE(contains(info, "\"label\": \"n = 50\"")) << info;
}

TEST(PlotCommand, TwoParametersAreColourAndLineStyleWithAPanelPerEnvironment) {
  const std::string python = plotting_python();
  if (python.empty()) GTEST_SKIP() << "Python 3 with matplotlib is not installed (Debian: python3-matplotlib)";
  TempFolder dir;
  ASSERT_EQ(run_dynaq("run -q --env dyna-maze,frozen-lake-4x4-deterministic -n 0,5 --alpha 0.1,0.5 --seeds 4 "
                      "--episodes 8 --out '" + dir / "run" + "'").exit_code, 0);
  ASSERT_EQ(run_dynaq("plot '" + dir / "run" + "'").exit_code, 0);
  // Two panels side by side, the legend below them.
  EXPECT_EQ(png_size(read_file(dir / "run/curves_steps.png")), std::make_pair(std::uint32_t{1280}, std::uint32_t{480}));
  // alpha is the colour and n the line style, not the step limit that differs only between
  // the environments (none for the maze, 100 for the lake): two colours drawn, not a third.
  EXPECT_EQ(colours_drawn(python, dir / "run/curves_steps.png", "'#1f77b4' '#ff7f0e'"), 2);
  EXPECT_EQ(colours_drawn(python, dir / "run/curves_steps.png", "'#2ca02c'"), 0);
  const std::string info = read_file(dir / "run/curves_steps.json");
  EXPECT_TRUE(contains(info, "\"curves\": 8")) << info;
  EXPECT_TRUE(contains(info, "\"style_by\": \"planning_steps\"")) << info;
  EXPECT_TRUE(contains(info, "\"label\": \"alpha = 0.5, n = 5\"")) << info;
  EXPECT_TRUE(contains(info, "\"legend\": \"below\"")) << info;
}

TEST(PlotCommand, ALegendLeavesOutParametersThatDoNotApply) {
  const std::string python = plotting_python();
  if (python.empty()) GTEST_SKIP() << "Python 3 with matplotlib is not installed (Debian: python3-matplotlib)";
  TempFolder dir;
  ASSERT_EQ(run_dynaq("run -q --env dyna-maze --algo dyna-q,dyna-q-plus --kappa 0.001,0.01 --seeds 2 --episodes 3 "
                      "--out '" + dir / "run" + "'").exit_code, 0);
  ASSERT_EQ(run_dynaq("plot '" + dir / "run" + "'").exit_code, 0);
  const std::string info = read_file(dir / "run/curves_steps.json");
  EXPECT_TRUE(contains(info, "\"label\": \"algorithm = dyna-q\"")) << info;  // no "kappa = " beside it
  EXPECT_TRUE(contains(info, "\"label\": \"algorithm = dyna-q-plus, kappa = 0.01\"")) << info;
}

TEST(PlotCommand, ChoosesTheMetricAndTheFileStem) {
  const std::string python = plotting_python();
  if (python.empty()) GTEST_SKIP() << "Python 3 with matplotlib is not installed (Debian: python3-matplotlib)";
  TempFolder dir;
  ASSERT_EQ(run_dynaq("run -q --env blocking-maze --steps 2000 --bucket 200 -n 0,10,50 --seeds 3 --out '" + dir / "run" +
                      "'").exit_code, 0);
  const auto r = run_dynaq("plot '" + dir / "run" + "' --out '" + dir / "blocking" + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(png_size(read_file(dir / "blocking.png")), std::make_pair(std::uint32_t{640}, std::uint32_t{480}));
  EXPECT_TRUE(contains(read_file(dir / "blocking.json"), "\"metric\": \"cumulative_reward\""));
  EXPECT_EQ(colours_drawn(python, dir / "blocking.png", "'#1f77b4' '#ff7f0e' '#2ca02c'"), 3);
  // A logarithmic axis cannot show the model error's zeros (the blocking maze is deterministic):
  // that panel is drawn linear, with a warning, instead of a blank axis.
  const auto log_of_zeros = run_dynaq("plot '" + dir / "run" + "' --metric model_error --y-scale log --out '" +
                                      dir / "zeros" + "'");
  ASSERT_EQ(log_of_zeros.exit_code, 0) << log_of_zeros.err;
  EXPECT_TRUE(contains(log_of_zeros.err, "dynaq: warning: --y-scale log: the model_error curve of blocking-maze has "
                                         "values <= 0")) << log_of_zeros.err;
  EXPECT_TRUE(contains(read_file(dir / "zeros.json"), "\"log_y\": false")) << read_file(dir / "zeros.json");
  // Bad requests: exit code 2, naming the option or folder.
  auto bad = run_dynaq("plot '" + dir / "run" + "' --metric steps");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(contains(bad.err, "--metric steps")) << bad.err;
  bad = run_dynaq("plot '" + dir / "nowhere" + "'");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(contains(bad.err, "no curves.csv there")) << bad.err;
  EXPECT_EQ(bad.out, "") << "a failed plot printed half a line";
  // STEM.json must not replace a result file: --out RUN/summary overwrote the run's summary.json.
  const std::string summary = read_file(dir / "run/summary.json");
  bad = run_dynaq("plot '" + dir / "run" + "' --out '" + dir / "run/summary" + "'");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(contains(bad.err, "the name of a dynaq result file")) << bad.err;
  EXPECT_EQ(read_file(dir / "run/summary.json"), summary);
}

TEST(PlotCommand, BandsOfAgentsShowTheBlockingMazesTwoKindsOfAgentWithThePhaseSwitch) {
  const std::string python = plotting_python();
  if (python.empty()) GTEST_SKIP() << "Python 3 with matplotlib is not installed (Debian: python3-matplotlib)";
  TempFolder dir;
  ASSERT_EQ(run_dynaq("run -q --env blocking-maze --steps 1600 --bucket 100 -n 10 --alpha 1 --seeds 30 "
                      "--save-agent-metrics --out '" + dir / "run" + "'").exit_code, 0);
  const auto r = run_dynaq("plot '" + dir / "run" + "' --band agents --preset figure-8.4 --format png,pdf --out '" +
                           dir / "agents" + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "agents.png and " + dir / "agents.pdf")) << r.out;
  EXPECT_EQ(read_file(dir / "agents.pdf").compare(0, 5, "%PDF-"), 0);
  EXPECT_FALSE(std::filesystem::exists(dir / "agents.svg"));
  // The preset's paper size, 4.5 x 3.2 inches at 200 dpi.
  EXPECT_EQ(png_size(read_file(dir / "agents.png")), std::make_pair(std::uint32_t{900}, std::uint32_t{640}));
  const std::string info = read_file(dir / "agents.json");
  EXPECT_TRUE(contains(info, "\"agents_drawn\": 20")) << info;
  EXPECT_TRUE(contains(info, "\"step\": 1000")) << info;  // the blocking maze switches at step 1000
  EXPECT_TRUE(contains(info, "\"preset\": \"figure-8.4\"")) << info;
  // Agents drawn from the arrays: at step 1600 some agents are still stuck behind the new wall
  // while others have found the way round, which the arrays themselves must show.
  const std::string spread =
      "import numpy; a = numpy.load('" + dir / "run/agent_cumulative_reward.npy" + "')[:, -1] - "
      "numpy.load('" + dir / "run/agent_cumulative_reward.npy" + "')[:, 9]; print(int((a == 0).sum() > 0 and (a > 0).sum() > 0))";
  EXPECT_EQ(run_shell(python + " -c \"" + spread + "\"").out, "1\n");
}

TEST(PlotCommand, BookPresetsSizesLimitsAndBandsAreCheckedAndDrawn) {
  const std::string python = plotting_python();
  if (python.empty()) GTEST_SKIP() << "Python 3 with matplotlib is not installed (Debian: python3-matplotlib)";
  TempFolder dir;
  ASSERT_EQ(run_dynaq("run -q -n 0,5,50 --seeds 6 --episodes 12 --out '" + dir / "run" + "'").exit_code, 0);
  auto r = run_dynaq("plot '" + dir / "run" + "' --preset figure-8.2 --out '" + dir / "book" + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string info = read_file(dir / "book.json");
  EXPECT_TRUE(contains(info, "\"skip_first\": 1")) << info;  // from episode 2, as the book
  EXPECT_TRUE(contains(info, "\"log_y\": false")) << info;
  r = run_dynaq("plot '" + dir / "run" + "' --band iqr --size 3.5x2.6 --xlim 2,10 --ylim 0, --skip-first 3 --out '" +
                dir / "small" + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(png_size(read_file(dir / "small.png")), std::make_pair(std::uint32_t{700}, std::uint32_t{520}));
  info = read_file(dir / "small.json");
  EXPECT_TRUE(contains(info, "\"band\": \"iqr\"")) << info;
  EXPECT_TRUE(contains(info, "\"skip_first\": 3")) << info;
  EXPECT_EQ(colours_drawn(python, dir / "small.png", "'#1f77b4' '#ff7f0e' '#2ca02c'"), 3);

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"--band mean", "--band: 'mean' is not one of"},
      {"--band agents", "run with --save-agent-metrics"},
      {"--preset figure-8.4", "give the folder of a run with --steps"},
      {"--preset figure-9", "is not one of: figure-8.2"},
      {"--size 3.5", "--size '3.5': write WIDTHxHEIGHT"},
      {"--xlim 5,2", "--xlim '5,2': write LOW,HIGH"},
      {"--ylim a,b", "--ylim 'a,b'"},
      {"--format png,gif", "--format 'png,gif'"},
  };
  for (std::size_t k = 0; k < bad.size(); ++k) {
    const std::string stem = dir / ("bad" + std::to_string(k));
    r = run_dynaq("plot '" + dir / "run" + "' " + bad[k].first + " --out '" + stem + "'");
    EXPECT_EQ(r.exit_code, 2) << bad[k].first;
    EXPECT_TRUE(contains(r.err, bad[k].second)) << bad[k].first << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(stem + ".png")) << bad[k].first;
  }
}

TEST(PlotCommand, SaysHowToGetMatplotlibWhenItIsMissing) {
  TempFolder dir;
  ASSERT_EQ(run_dynaq("run -q --seeds 2 --episodes 2 --out '" + dir / "run" + "'").exit_code, 0);
  const auto r = run_dynaq("plot '" + dir / "run" + "'", "DYNAQ_PYTHON=/nonexistent/python3");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "apt-get install python3-matplotlib")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "run/curves_steps.png"));
}

}  // namespace
}  // namespace dynaq
