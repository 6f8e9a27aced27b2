// `dynaq compare` and the reading of runs' scores behind it (src/io/run_scores.cpp): scores land in
// the right cells, the tables and files say what the estimators give, the bootstrap is
// reproducible, and bad input is refused before anything is written. The estimators themselves
// are checked against rliable in aggregate_metrics_test.cpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cli_test_support.hpp"
#include "dynaq/aggregate_metrics.hpp"
#include "dynaq/run_scores.hpp"

namespace dynaq {
namespace {

using testing_support::BadInput;
using testing_support::contains;
using testing_support::expect_each_refused;
using testing_support::read_file;
using testing_support::run_dynaq;
using testing_support::run_shell;
using testing_support::TempFolder;

// Two environments x n in {0, 5}, 12 seeds, with per-agent arrays.
void make_run(const std::string& folder, const std::string& extra = "") {
  const auto r = run_dynaq("run -q --env dyna-maze,frozen-lake-4x4-deterministic -n 0,5 --seeds 12 --episodes 6 "
                           "--save-agent-metrics " + extra + " --out '" + folder + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

TEST(RunScores, ScoresAreTheAgentsValuesBySeedAndEnvironment) {
  TempFolder dir;
  make_run(dir / "run");
  const RunScores s = read_run_scores({{dir / "run"}, "final_steps", Normalization::kNone});
  ASSERT_EQ(s.algorithms.size(), 2u);
  EXPECT_EQ(s.tasks, (std::vector<std::string>{"dyna-maze", "frozen-lake-4x4-deterministic"}));
  EXPECT_EQ(s.varying, std::vector<std::string>{"planning_steps"});
  EXPECT_EQ(s.algorithms[1].label, "n = 5");
  EXPECT_TRUE(s.lower_is_better);
  std::vector<std::uint64_t> shape;
  const std::vector<double> steps = read_npy_float64(dir / "run/agent_steps.npy", shape);
  ASSERT_EQ(shape, (std::vector<std::uint64_t>{48, 6}));
  // Points: 0 maze n=0, 1 maze n=5, 2 lake n=0, 3 lake n=5; agent = point * 12 + seed.
  for (std::uint32_t seed = 0; seed < 12; ++seed) {
    EXPECT_EQ(s.algorithms[1].scores.at(seed, 0), steps[(1 * 12 + seed) * 6 + 5]) << seed;
    EXPECT_EQ(s.algorithms[0].scores.at(seed, 1), steps[(2 * 12 + seed) * 6 + 5]) << seed;
  }
  // Normalised: the optimal length over the agent's.
  const RunScores n = read_run_scores({{dir / "run"}, "final_steps", Normalization::kOptimal});
  EXPECT_FALSE(n.lower_is_better);
  EXPECT_DOUBLE_EQ(n.algorithms[1].scores.at(3, 0), 14.0 / steps[(1 * 12 + 3) * 6 + 5]);
}

TEST(CompareCommand, PrintsAndWritesTheEstimatesReproducibly) {
  TempFolder dir;
  make_run(dir / "run");
  const auto first = run_dynaq("compare '" + dir / "run" + "' --metric final_steps --resamples 300 --thresholds 5 --out '" +
                               dir / "cmp" + "'");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_TRUE(contains(first.out, "metric final_steps (lower is better), over 2 environments")) << first.out;
  EXPECT_TRUE(contains(first.out, "300 resamples, seed 0")) << first.out;
  EXPECT_TRUE(contains(first.out, "P(0 < 1) = ")) << first.out;
  // The table's IQM is the estimator's on the same scores.
  const RunScores s = read_run_scores({{dir / "run"}, "final_steps", Normalization::kNone});
  EXPECT_TRUE(contains(first.out, "n = 5" + std::string(10, ' ') + "12  " + printed_estimate(interquartile_mean(s.algorithms[1].scores)) + " ["))
      << first.out;
  const std::string csv = read_file(dir / "cmp/compare.csv");
  EXPECT_EQ(csv.rfind("statistic,algorithm,label,versus,threshold,estimate,ci_low,ci_high\n", 0), 0u);
  std::size_t rows = 0;
  for (const char c : csv) rows += c == '\n';
  EXPECT_EQ(rows, 1u + 2 * 3 + 1 + 2 * 5);  // header, 3 aggregates x 2, 1 pair, 5 thresholds x 2
  const std::string json = read_file(dir / "cmp/compare.json");
  EXPECT_TRUE(contains(json, "\"lower_is_better\": true")) << json;
  EXPECT_TRUE(contains(json, "\"parameters\": {\"planning_steps\": \"5\"}")) << json;
  EXPECT_FALSE(contains(json, "optimality_gap")) << "an optimality gap needs normalised scores";

  // The same run and seed give the same bytes; another seed other intervals, the same estimates.
  const auto again = run_dynaq("compare '" + dir / "run" + "' --metric final_steps --resamples 300 --thresholds 5");
  EXPECT_EQ(again.out, first.out.substr(0, first.out.find("\nwrote ")));
  const auto reseeded =
      run_dynaq("compare '" + dir / "run" + "' --metric final_steps --resamples 300 --thresholds 5 --seed 9");
  EXPECT_NE(reseeded.out, again.out);
  EXPECT_TRUE(contains(reseeded.out, "seed 9")) << reseeded.out;
  // A second write needs --overwrite.
  const auto refused = run_dynaq("compare '" + dir / "run" + "' --out '" + dir / "cmp" + "'");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_TRUE(contains(refused.err, "holds compare.csv already; give --overwrite")) << refused.err;
  EXPECT_EQ(read_file(dir / "cmp/compare.csv"), csv);
}

TEST(CompareCommand, ComparesRunsOverTheSameEnvironmentsWithNormalisedScores) {
  TempFolder dir;
  make_run(dir / "a");
  make_run(dir / "b", "--alpha 0.5");
  const auto r = run_dynaq("compare '" + dir / "a" + "' '" + dir / "b" +
                           "' --normalize optimal --resamples 200 --improvement 3,0 --out '" + dir / "cmp" + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "normalised by the optimal return (higher is better)")) << r.out;
  EXPECT_TRUE(contains(r.out, "b: alpha = 0.5, n = 5")) << r.out;
  EXPECT_TRUE(contains(r.out, "P(3 > 0) = ")) << r.out;
  EXPECT_FALSE(contains(r.out, "P(0 > 1)")) << "--improvement chooses the pairs";
  EXPECT_TRUE(contains(read_file(dir / "cmp/compare.json"), "\"optimality_gap\": {\"estimate\": ")) << r.out;
}

TEST(CompareCommand, DrawsIntervalsAndProfiles) {
  if (run_shell("python3 -c 'import matplotlib' || /usr/bin/python3 -c 'import matplotlib'").exit_code != 0)
    GTEST_SKIP() << "Python 3 with matplotlib is not installed (Debian: python3-matplotlib)";
  TempFolder dir;
  make_run(dir / "run");
  const auto r = run_dynaq("compare '" + dir / "run" + "' --normalize optimal --resamples 100 --out '" + dir / "cmp" +
                           "' --plot");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"intervals.png", "profile.png"})
    EXPECT_EQ(read_file(dir / ("cmp/" + std::string(name))).compare(0, 8, "\x89PNG\r\n\x1a\n"), 0) << name;
  for (const char* name : {"intervals.pdf", "profile.pdf"})
    EXPECT_EQ(read_file(dir / ("cmp/" + std::string(name))).compare(0, 5, "%PDF-"), 0) << name;
}

TEST(CompareCommand, RefusesBadInputBeforeWritingAnything) {
  TempFolder dir;
  make_run(dir / "run");
  ASSERT_EQ(run_dynaq("run -q --seeds 12 --episodes 3 --out '" + dir / "no_arrays" + "'").exit_code, 0);
  ASSERT_EQ(run_dynaq("run -q --seeds 1 --episodes 3 --save-agent-metrics --out '" + dir / "one_seed" + "'").exit_code, 0);
  ASSERT_EQ(run_dynaq("run -q --env cliff-walking --seeds 12 --episodes 3 --save-agent-metrics --out '" + dir / "cliff" +
                      "'").exit_code, 0);
  ASSERT_EQ(run_dynaq("run -q --env blocking-maze --steps 1200 --seeds 12 --save-agent-metrics --out '" + dir / "steps" +
                      "'").exit_code, 0);
  // Arrays of another run beside this run's points.csv.
  ASSERT_EQ(run_dynaq("run -q --env dyna-maze,frozen-lake-4x4-deterministic -n 0,5 --seeds 12 --episodes 6 --seed 3 "
                      "--save-agent-metrics --out '" + dir / "mixed" + "'").exit_code, 0);
  std::filesystem::copy_file(dir / "run/agent_steps.npy", dir / "mixed/agent_steps.npy",
                             std::filesystem::copy_options::overwrite_existing);
  const std::string run = "'" + dir / "run" + "'";
  expect_each_refused("compare", {
      {"'" + dir / "nowhere" + "'", "no such folder"},
      {"'" + dir.path() + "'", "holds no finished run"},
      {run + " --metric final_cumulative_reward", "has no such per-agent value (it has final_steps"},
      {"'" + dir / "no_arrays" + "'", "has no agent_greedy_return.npy, which greedy_return needs; run it with "
                                      "--save-agent-metrics"},
      {"'" + dir / "one_seed" + "'", "has 1 seed per point; a bootstrap needs at least 2"},
      {run + " '" + dir / "cliff" + "'", "compare runs over the same environments"},
      {run + " '" + dir / "steps" + "' --metric greedy_steps", "compare runs over the same environments"},
      {run + " '" + dir / "steps" + "' --metric final_steps", "has no such per-agent value"},
      {"'" + dir / "mixed" + "' --metric final_steps", "the agent arrays do not match points.csv"},
      {run + " --metric auc_steps --normalize optimal", "auc_steps has no optimal value"},
      {run + " --normalize best", "--normalize: 'best' is not one of: none, optimal"},
      {run + " --improvement 0,7", "the algorithms are numbered 0 to 1"},
      {run + " --improvement 1", "write X,Y"},
      {run + " --confidence 1", "--confidence 1 is outside (0, 1)"},
      {run + " --thresholds 1", "--thresholds: at least 2"},
  }, dir.path());
  const auto plot_alone = run_dynaq("compare " + run + " --plot");
  EXPECT_EQ(plot_alone.exit_code, 2);
  EXPECT_TRUE(contains(plot_alone.err, "--plot draws the files of --out DIR")) << plot_alone.err;
  const auto into_run = run_dynaq("compare " + run + " --out " + run);
  EXPECT_EQ(into_run.exit_code, 2);
  EXPECT_TRUE(contains(into_run.err, "the folder of a dynaq run")) << into_run.err;
}

}  // namespace
}  // namespace dynaq
