// The aggregate metrics and their bootstrap intervals against rliable: tests/data/rliable/
// aggregates.txt holds rliable's estimates on small score matrices, its intervals computed on the
// resamples dynaq draws (scripts/make_rliable_fixtures.py made it). Every number must print as
// rliable's does (the digits `dynaq compare` shows) and agree to within a few ulps.
#include "dynaq/aggregate_metrics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace dynaq {
namespace {

struct Fixture {
  BootstrapSettings bootstrap;
  std::map<std::string, ScoreMatrix> scores;
  std::map<std::string, std::uint32_t> stream;
  std::vector<std::vector<std::string>> lines;  // the other lines, split into words
};

Fixture read_fixture() {
  const std::string path = std::string(DYNAQ_TEST_DATA_DIR) + "/rliable/aggregates.txt";
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot read " << path;
  Fixture f;
  std::string line, last_algorithm;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string word; words >> word;) w.push_back(word);
    if (w[0] == "seed") f.bootstrap.seed = std::stoull(w[1]);
    else if (w[0] == "resamples") f.bootstrap.resamples = static_cast<std::uint32_t>(std::stoul(w[1]));
    else if (w[0] == "confidence") f.bootstrap.confidence = std::stod(w[1]);
    else if (w[0] == "algorithm") {
      last_algorithm = w[1];
      f.stream[w[1]] = static_cast<std::uint32_t>(std::stoul(w[2]));
      f.scores[w[1]] = ScoreMatrix{static_cast<std::uint32_t>(std::stoul(w[3])),
                                   static_cast<std::uint32_t>(std::stoul(w[4])), {}};
    } else if (w[0] == "scores") {
      for (std::size_t k = 1; k < w.size(); ++k) f.scores[last_algorithm].values.push_back(std::stod(w[k]));
    } else {
      f.lines.push_back(w);
    }
  }
  return f;
}

std::vector<double> numbers(const std::vector<std::string>& words, std::size_t first) {
  std::vector<double> out;
  for (std::size_t k = first; k < words.size(); ++k) out.push_back(std::stod(words[k]));
  return out;
}

// rliable's value and dynaq's print alike and differ by rounding only.
void expect_same(double rliable, double dynaq, const std::string& what) {
  EXPECT_EQ(printed_estimate(rliable), printed_estimate(dynaq)) << what;
  EXPECT_NEAR(rliable, dynaq, 1e-13 * std::max(1.0, std::fabs(rliable))) << what;
}

TEST(AggregateMetrics, ResampleIndicesAreThoseTheFixtureUsed) {
  const Fixture f = read_fixture();
  int checked = 0;
  for (const auto& w : f.lines) {
    if (w[0] != "indices") continue;
    const auto stream = static_cast<std::uint32_t>(std::stoul(w[1])), resample = static_cast<std::uint32_t>(std::stoul(w[2]));
    const std::vector<std::uint32_t> indices = resample_indices(
        f.bootstrap.seed, stream, resample, static_cast<std::uint32_t>(std::stoul(w[3])), static_cast<std::uint32_t>(std::stoul(w[4])));
    ASSERT_EQ(indices.size(), w.size() - 5);
    for (std::size_t k = 0; k < indices.size(); ++k) EXPECT_EQ(indices[k], std::stoul(w[5 + k])) << "cell " << k;
    ++checked;
  }
  EXPECT_EQ(checked, 2);
}

TEST(AggregateMetrics, PointEstimatesAndIntervalsMatchRliable) {
  const Fixture f = read_fixture();
  const std::map<std::string, double (*)(const ScoreMatrix&)> aggregates = {
      {"iqm", interquartile_mean},
      {"median", median_of_task_means},
      {"mean", mean_of_task_means},
      {"optimality_gap", [](const ScoreMatrix& s) { return optimality_gap(s); }}};
  int checked = 0;
  for (const auto& w : f.lines) {
    if (w[0] != "estimate") continue;
    const auto aggregate = aggregates.at(w[1]);
    const ScoreMatrix& scores = f.scores.at(w[2]);
    const std::vector<double> expected = numbers(w, 3);
    const std::string what = w[1] + " of " + w[2];
    expect_same(expected[0], aggregate(scores), what);
    if (w[1] == "iqm") {
      std::vector<double> sorted = scores.values;
      std::sort(sorted.begin(), sorted.end());
      EXPECT_EQ(interquartile_mean_of_sorted(sorted), interquartile_mean(scores)) << what << " from a sorted copy";
    }
    const std::vector<Interval> interval = bootstrap_intervals(
        {&scores}, {f.stream.at(w[2])},
        [&](const std::vector<const ScoreMatrix*>& s) { return std::vector<double>{aggregate(*s[0])}; }, f.bootstrap);
    expect_same(expected[1], interval.at(0).low, what + ", low end");
    expect_same(expected[2], interval.at(0).high, what + ", high end");
    ++checked;
  }
  EXPECT_EQ(checked, 12);
}

TEST(AggregateMetrics, ProbabilityOfImprovementMatchesRliable) {
  const Fixture f = read_fixture();
  int checked = 0;
  for (const auto& w : f.lines) {
    if (w[0] != "improvement") continue;
    const ScoreMatrix& x = f.scores.at(w[1]);
    const ScoreMatrix& y = f.scores.at(w[2]);
    const std::vector<double> expected = numbers(w, 3);
    const std::string what = "P(" + w[1] + " > " + w[2] + ")";
    expect_same(expected[0], probability_of_improvement(x, y), what);
    const std::vector<Interval> interval = bootstrap_intervals(
        {&x, &y}, {f.stream.at(w[1]), f.stream.at(w[2])},
        [](const std::vector<const ScoreMatrix*>& s) {
          return std::vector<double>{probability_of_improvement(*s[0], *s[1])};
        },
        f.bootstrap);
    expect_same(expected[1], interval.at(0).low, what + ", low end");
    expect_same(expected[2], interval.at(0).high, what + ", high end");
    ++checked;
  }
  EXPECT_EQ(checked, 5);
}

TEST(AggregateMetrics, PerformanceProfilesMatchRliable) {
  const Fixture f = read_fixture();
  std::vector<double> thresholds;
  double low = INFINITY, high = -INFINITY;
  for (const auto& [name, s] : f.scores)
    for (const double v : s.values) low = std::min(low, v), high = std::max(high, v);
  for (const auto& w : f.lines)
    if (w[0] == "thresholds") thresholds = numbers(w, 1);
  ASSERT_EQ(thresholds.size(), 11u);
  const std::vector<double> spaced = evenly_spaced(low, high, 11);
  for (std::size_t k = 0; k < thresholds.size(); ++k) EXPECT_EQ(spaced[k], thresholds[k]) << "threshold " << k;

  int checked = 0;
  for (const auto& w : f.lines) {
    if (w[0] != "profile" && w[0] != "profile_low" && w[0] != "profile_high") continue;
    const ScoreMatrix& scores = f.scores.at(w[1]);
    const std::vector<double> expected = numbers(w, 2);
    std::vector<double> got;
    if (w[0] == "profile") {
      got = performance_profile(scores, thresholds);
    } else {
      const std::vector<Interval> bands = bootstrap_intervals(
          {&scores}, {f.stream.at(w[1])},
          [&](const std::vector<const ScoreMatrix*>& s) { return performance_profile(*s[0], thresholds); }, f.bootstrap);
      for (const Interval& i : bands) got.push_back(w[0] == "profile_low" ? i.low : i.high);
    }
    ASSERT_EQ(got.size(), expected.size());
    for (std::size_t k = 0; k < got.size(); ++k)
      expect_same(expected[k], got[k], w[0] + " of " + w[1] + " at threshold " + std::to_string(k));
    ++checked;
  }
  EXPECT_EQ(checked, 9);
}

TEST(AggregateMetrics, ResamplesDependOnSeedStreamAndResample) {
  const auto base = resample_indices(1, 0, 0, 1000, 2);
  EXPECT_EQ(base, resample_indices(1, 0, 0, 1000, 2));
  EXPECT_NE(base, resample_indices(2, 0, 0, 1000, 2));
  EXPECT_NE(base, resample_indices(1, 1, 0, 1000, 2));
  EXPECT_NE(base, resample_indices(1, 0, 1, 1000, 2));
  for (const std::uint32_t i : base) EXPECT_LT(i, 1000u);
}

TEST(AggregateMetrics, PrintsFourSignificantDigits) {
  EXPECT_EQ(printed_estimate(0.61824976), "0.6182");
  EXPECT_EQ(printed_estimate(868.72), "868.7");
  EXPECT_EQ(printed_estimate(0.5), "0.5");
  EXPECT_EQ(printed_estimate(INFINITY), "inf");
  EXPECT_EQ(printed_estimate(NAN), "nan");
}

}  // namespace
}  // namespace dynaq
