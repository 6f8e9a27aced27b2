// `dynaq run` as a user runs it: files and their columns, identical bytes across engines,
// threads and batch sizes, and every bad input refused with exit code 2 and nothing written.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "cli_test_support.hpp"

namespace dynaq {
namespace {

using testing_support::contains;
using testing_support::read_file;
using testing_support::run_dynaq;
using testing_support::TempFolder;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(RunCommand, WritesCurvesSummaryAndTables) {
  TempFolder dir;
  const auto r = run_dynaq("run --env dyna-maze,frozen-lake-4x4-deterministic -n 0,5 --alpha 0.1,0.5 --seeds 3 "
                           "--episodes 4 --out '" + dir / "out" + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto curves = lines_of(read_file(dir / "out/curves.csv"));
  ASSERT_EQ(curves.size(), 1u + 2 * 2 * 2 * 4);  // header + envs x n x alpha points x episodes
  EXPECT_EQ(curves[0],
            "point,env,alpha,gamma,epsilon,planning_steps,q_init,planning_draw,max_episode_steps,episode,"
            "mean_steps,stderr_steps,mean_return,stderr_return,seeds");
  EXPECT_EQ(curves[1].rfind("0,dyna-maze,0.1,0.95,0.1,0,0,pairs,0,1,", 0), 0u) << curves[1];
  EXPECT_TRUE(contains(curves.back(), "7,frozen-lake-4x4-deterministic,0.5,0.95,0.1,5,0,pairs,100,4,"));
  EXPECT_TRUE(contains(read_file(dir / "out/summary.json"), "\"planning_updates\""));
  EXPECT_TRUE(contains(r.out, "results in"));
}

TEST(RunCommand, SaveTablesNeedsOneShape) {
  TempFolder dir;
  const auto r = run_dynaq("run --env dyna-maze,taxi --seeds 2 --episodes 1 --save-tables --out '" + dir / "out" + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--save-tables")) << r.err;
}

TEST(RunCommand, QTablesAreAgentsByStatesByActions) {
  TempFolder dir;
  const auto r = run_dynaq("run --env dyna-maze -n 0,5 --seeds 3 --episodes 2 --save-tables --out '" + dir / "out" + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string npy = read_file(dir / "out/q.npy");
  EXPECT_TRUE(contains(npy.substr(0, 128), "'shape': (6, 54, 4)")) << npy.substr(0, 128);
  EXPECT_EQ(npy.size(), 128u + 6 * 54 * 4 * 4);
}

TEST(RunCommand, StepsBudgetReportsCumulativeRewardPerBucket) {
  TempFolder dir;
  const auto r = run_dynaq("run --env blocking-maze --steps 3000 --bucket 100 --seeds 4 --out '" + dir / "out" + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto curves = lines_of(read_file(dir / "out/curves.csv"));
  ASSERT_EQ(curves.size(), 1u + 30);
  EXPECT_TRUE(contains(curves[0], ",step,mean_cumulative_reward,stderr_cumulative_reward,mean_episodes,"));
  EXPECT_TRUE(contains(curves[30], ",3000,"));
}

TEST(RunCommand, CurvesAreByteIdenticalAcrossEnginesThreadsAndBatches) {
  TempFolder dir;
  const std::string grid = "run --env frozen-lake-4x4,dyna-maze -n 0,3 --planning-draw pairs,states --seeds 5 "
                           "--episodes 6 --seed 11 --quiet --save-tables ";
  // frozen-lake and dyna-maze differ in shape: tables only for one environment.
  const std::string one_env = "run --env frozen-lake-4x4 -n 0,3 --planning-draw pairs,states --seeds 5 "
                              "--episodes 6 --seed 11 --quiet --save-tables ";
  const std::vector<std::string> variants = {"--backend reference", "--backend cpu --threads 1",
                                             "--backend cpu --threads 2 --batch 3", "--backend cpu --batch 1"};
  std::string first_curves, first_q;
  for (std::size_t k = 0; k < variants.size(); ++k) {
    const std::string out = dir / ("out" + std::to_string(k));
    ASSERT_EQ(run_dynaq(one_env + variants[k] + " --out '" + out + "'").exit_code, 0) << variants[k];
    const std::string curves = read_file(out + "/curves.csv"), q = read_file(out + "/q.npy");
    if (k == 0) {
      first_curves = curves;
      first_q = q;
    }
    EXPECT_EQ(curves, first_curves) << variants[k];
    EXPECT_EQ(q, first_q) << variants[k];
  }
  const std::string a = dir / "a", b = dir / "b";
  ASSERT_EQ(run_dynaq(grid.substr(0, grid.size() - 14) + " --backend reference --out '" + a + "'").exit_code, 0);
  ASSERT_EQ(run_dynaq(grid.substr(0, grid.size() - 14) + " --backend cpu --out '" + b + "'").exit_code, 0);
  EXPECT_EQ(read_file(a + "/curves.csv"), read_file(b + "/curves.csv"));
}

TEST(RunCommand, AnotherSeedGivesOtherCurves) {
  TempFolder dir;
  ASSERT_EQ(run_dynaq("run --seeds 4 --episodes 3 --seed 1 -q --out '" + dir / "a" + "'").exit_code, 0);
  ASSERT_EQ(run_dynaq("run --seeds 4 --episodes 3 --seed 2 -q --out '" + dir / "b" + "'").exit_code, 0);
  ASSERT_EQ(run_dynaq("run --seeds 4 --episodes 3 --seed 1 -q --out '" + dir / "c" + "'").exit_code, 0);
  EXPECT_NE(read_file(dir / "a/curves.csv"), read_file(dir / "b/curves.csv"));
  EXPECT_EQ(read_file(dir / "a/curves.csv"), read_file(dir / "c/curves.csv"));
}

TEST(RunCommand, RefusesToOverwriteResultsUnlessAsked) {
  TempFolder dir;
  const std::string args = "run --seeds 2 --episodes 2 -q --out '" + dir / "out" + "'";
  ASSERT_EQ(run_dynaq(args).exit_code, 0);
  const auto again = run_dynaq(args);
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_TRUE(contains(again.err, "already holds results")) << again.err;
  EXPECT_EQ(run_dynaq(args + " --overwrite").exit_code, 0);
}

// Each bad input: exit code 2, a message naming the option or file, and no result folder.
struct BadInput {
  std::string args;
  std::string message;
};

TEST(RunCommand, BadInputIsRefusedWithItsOptionNamedAndNothingWritten) {
  TempFolder dir;
  std::ofstream(dir / "ragged.txt") << "S...\n..\n...G\n";
  std::ofstream(dir / "bad.json") << "{\"name\": \"x\", \"n_states\": 2,\n \"n_actions\": }";
  const std::vector<BadInput> cases = {
      {"--alpha 0", "--alpha 0 is outside (0, 1]"},
      {"--alpha 0.1,1.5", "--alpha 1.5 is outside (0, 1]"},
      {"--gamma=-0.1", "--gamma -0.1 is outside [0, 1]"},
      {"--gamma 1.01", "--gamma 1.01 is outside [0, 1]"},
      {"--epsilon 2", "--epsilon 2 is outside [0, 1]"},
      {"--epsilon abc", "--epsilon: 'abc' is not a number"},
      {"--planning-steps=-1", "--planning-steps: '-1' is negative"},
      {"--seeds=-3", "--seeds: '-3' is negative"},
      {"--seeds 0", "--seeds must be between 1"},
      {"--episodes 0", "--episodes must be at least 1"},
      {"--episodes 5 --steps 100", "--episodes and --steps are alternatives"},
      {"--planning-draw random", "--planning-draw: 'random' is not one of: pairs, states"},
      {"--max-episode-steps lots", "--max-episode-steps: 'lots' is not a non-negative integer"},
      {"--env dyna-maz", "unknown environment 'dyna-maz'"},
      {"--env '" + dir / "ragged.txt" + "'", "ragged.txt:2:3: row 2 has 2 cells, but row 1 has 4"},
      {"--env '" + dir / "bad.json" + "'", "bad.json:2:15:"},
      {"--backend cuda", "--backend cuda"},
      {"--backend gpu", "--backend: 'gpu' is not one of"},
      {"--env garnet:10:2:2:1 --max-episode-steps none", "episodes would never end"},
      {"--seeds 4000000000 --episodes 1000", "of memory"},
      {"--q-init nan", "--q-init: 'nan' is not a finite number"},
  };
  for (std::size_t k = 0; k < cases.size(); ++k) {
    const BadInput& c = cases[k];
    const std::string out = dir / ("out" + std::to_string(k));
    const auto r = run_dynaq("run " + c.args + " --out '" + out + "'");
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.err;
    EXPECT_TRUE(contains(r.err, c.message)) << c.args << "\nstderr: " << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << c.args;
  }
}

TEST(RunCommand, HelpExplainsEveryOptionWithItsDefault) {
  const auto r = run_dynaq("run --help");
  ASSERT_EQ(r.exit_code, 0);
  for (const char* option : {"--env", "--alpha", "--gamma", "--epsilon", "--planning-steps", "--q-init",
                             "--planning-draw", "--max-episode-steps", "--seeds", "--seed", "--episodes", "--steps",
                             "--backend", "--out", "--save-tables"})
    EXPECT_TRUE(contains(r.out, option)) << option;
  EXPECT_TRUE(contains(r.out, "dyna-maze")) << "default of --env";
  EXPECT_TRUE(contains(r.out, "0.95")) << "default of --gamma";
}

}  // namespace
}  // namespace dynaq
