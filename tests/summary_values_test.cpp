// Summary values that must not mislead: a near-optimal episode only where the threshold means
// something, how many greedy policies reach a terminal state beside their mean length, and
// example 8.4's spread and its agents that never got there.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "cli_test_support.hpp"
#include "dynaq/engine.hpp"
#include "dynaq/experiments.hpp"
#include "dynaq/statistics.hpp"

namespace dynaq {
namespace {

using testing_support::contains;
using testing_support::read_file;
using testing_support::run_dynaq;
using testing_support::TempFolder;

// points.csv as one map of column -> field per row (no field of these runs holds a comma).
std::vector<std::map<std::string, std::string>> read_points(const std::string& path) {
  std::istringstream in(read_file(path));
  std::string line;
  std::getline(in, line);
  const auto split = [](const std::string& text) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t comma; (comma = text.find(',', start)) != std::string::npos; start = comma + 1)
      fields.push_back(text.substr(start, comma - start));
    fields.push_back(text.substr(start));
    return fields;
  };
  const std::vector<std::string> header = split(line);
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    const std::vector<std::string> fields = split(line);
    std::map<std::string, std::string> row;
    for (std::size_t k = 0; k < header.size() && k < fields.size(); ++k) row[header[k]] = fields[k];
    rows.push_back(row);
  }
  return rows;
}

TEST(SummaryValues, NoNearOptimalEpisodeWhereShortEpisodesMeanFailing) {
  TempFolder dir;
  const auto r = run_dynaq("run -q --env frozen-lake-8x8,frozen-lake-4x4,dyna-maze --seeds 4 --episodes 20 -n 5 --out '" +
                           dir / "r" + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = read_points(dir / "r/points.csv");
  ASSERT_EQ(rows.size(), 3u);
  // FrozenLake: a random walk falls into a hole sooner than the best policy reaches the goal.
  for (std::size_t p : {0u, 1u}) {
    EXPECT_EQ(rows[p].at("near_optimal_threshold"), "") << rows[p].at("env");
    EXPECT_EQ(rows[p].at("episodes_to_near_optimal"), "") << rows[p].at("env");
  }
  // The Dyna maze: a random walk of 868.7 steps, near-optimal at about 20.
  EXPECT_NE(rows[2].at("near_optimal_threshold"), "");
  EXPECT_LT(std::stod(rows[2].at("near_optimal_threshold")), 30.0);
  EXPECT_NE(rows[2].at("episodes_to_near_optimal"), "");
  // A threshold the user gives is the user's: it is kept.
  ASSERT_EQ(run_dynaq("run -q --env frozen-lake-8x8 --seeds 2 --episodes 3 --near-optimal-steps 100 --out '" + dir / "u" + "'")
                .exit_code,
            0);
  EXPECT_EQ(read_points(dir / "u/points.csv").at(0).at("near_optimal_threshold"), "100");
}

TEST(SummaryValues, TheShareOfGreedyPoliciesThatTerminateStandsBesideTheirLength) {
  TempFolder dir;
  // After one episode without planning most greedy policies walk into a wall for ever; after
  // thirty with n = 50, every one reaches the goal.
  ASSERT_EQ(run_dynaq("run -q --env dyna-maze --max-episode-steps none -n 0 --seeds 8 --episodes 1 --out '" + dir / "a" + "'")
                .exit_code,
            0);
  ASSERT_EQ(run_dynaq("run -q --env dyna-maze --max-episode-steps none -n 50 --seeds 8 --episodes 30 --out '" + dir / "b" + "'")
                .exit_code,
            0);
  const auto early = read_points(dir / "a/points.csv").at(0), late = read_points(dir / "b/points.csv").at(0);
  EXPECT_EQ(early.at("mean_greedy_steps"), "inf");
  const double share = std::stod(early.at("mean_greedy_terminates"));
  EXPECT_LT(share, 1.0);
  EXPECT_GE(share, 0.0);
  EXPECT_DOUBLE_EQ(share * 8, std::round(share * 8)) << "a count of agents over 8";
  EXPECT_EQ(late.at("mean_greedy_terminates"), "1");
  EXPECT_NE(late.at("mean_greedy_steps"), "inf");
  EXPECT_TRUE(contains(read_file(dir / "a/summary.json"), "\"mean_greedy_terminates\": ")) << read_file(dir / "a/summary.json");
}

TEST(SummaryValues, Example84ReportsQuartilesAndTheAgentsThatNeverGotThere) {
  Example84Options options;
  options.max_resolution = 1;
  options.seeds = 9;
  options.max_episodes = 4;  // too few for some agents
  auto engine = make_cpu_engine(CpuEngineOptions{});
  const auto rows = run_example_8_4(options, *engine);
  bool some_never = false;
  for (const Example84Algorithm& a : rows.at(0).algorithms) {
    std::vector<double> sorted = a.updates;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(a.q1_updates, sorted_quantile(sorted, 0.25));
    EXPECT_EQ(a.q3_updates, sorted_quantile(sorted, 0.75));
    EXPECT_LE(a.q1_updates, a.median_updates);
    EXPECT_LE(a.median_updates, a.q3_updates);
    EXPECT_EQ(a.reached, std::count_if(a.updates.begin(), a.updates.end(), [](double u) { return std::isfinite(u); }));
    some_never = some_never || a.reached < options.seeds;
  }
  EXPECT_TRUE(some_never) << "the case this test is for";
  TempFolder dir;
  const auto r = run_dynaq("experiment example-8.4 --max-resolution 1 --seeds 9 --max-episodes 4 --threads 1 --out '" +
                           dir.path() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "q1")) << r.out;
  EXPECT_TRUE(contains(r.out, "never")) << r.out;
  EXPECT_TRUE(contains(r.out, "/9")) << r.out;
  const std::string csv = read_file(dir / "example-8.4.csv");
  EXPECT_TRUE(contains(csv, ",never,median_updates,q1_updates,q3_updates\n")) << csv;
}

}  // namespace
}  // namespace dynaq
