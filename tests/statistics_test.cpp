// Statistics over seeds against values computed by hand (and checked with NumPy and SciPy).
#include "dynaq/statistics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace dynaq {
namespace {

TEST(Statistics, MeanStandardErrorAndConfidenceIntervalOfASmallSample) {
  // mean 5; squared deviations 9+1+1+1+0+0+4+16 = 32; variance 32/7; stderr sqrt(32/7/8).
  const std::vector<double> x = {2, 4, 4, 4, 5, 5, 7, 9};
  const SampleSummary s = summarize_sample(x);
  EXPECT_EQ(s.mean, 5.0);
  EXPECT_DOUBLE_EQ(s.stderr_, std::sqrt(4.0 / 7.0));
  const double half = 2.3646242510102993 * std::sqrt(4.0 / 7.0);  // t(0.975, 7 df)
  EXPECT_DOUBLE_EQ(s.ci95_low, 5.0 - half);
  EXPECT_DOUBLE_EQ(s.ci95_high, 5.0 + half);
  // Type 7: h = (n - 1) p over the sorted sample; numpy.quantile(x, [.25, .5, .75]) = 4, 4.5, 5.5.
  EXPECT_EQ(s.q1, 4.0);
  EXPECT_EQ(s.median, 4.5);
  EXPECT_EQ(s.q3, 5.5);
}

TEST(Statistics, QuantilesInterpolateBetweenOrderStatisticsWhateverTheOrderGiven) {
  const SampleSummary s = summarize_sample(std::vector<double>{4, 1, 3, 2});
  EXPECT_EQ(s.q1, 1.75);
  EXPECT_EQ(s.median, 2.5);
  EXPECT_EQ(s.q3, 3.25);
  EXPECT_EQ(sorted_quantile({1, 2, 3, 4}, 0.0), 1.0);
  EXPECT_EQ(sorted_quantile({1, 2, 3, 4}, 1.0), 4.0);
}

TEST(Statistics, StrideReadsEveryKthValue) {
  // Three agents x two episodes, agent-major: episode 2 is {20, 40, 60}.
  const std::vector<double> table = {10, 20, 30, 40, 50, 60};
  const SampleSummary s = summarize_sample(table.data() + 1, 3, 2);
  EXPECT_EQ(s.mean, 40.0);
  EXPECT_EQ(s.median, 40.0);
  EXPECT_DOUBLE_EQ(s.stderr_, std::sqrt(400.0 / 3.0));
}

TEST(Statistics, OneSeedHasNoSpreadAndNoInterval) {
  const SampleSummary s = summarize_sample(std::vector<double>{3.5});
  EXPECT_EQ(s.mean, 3.5);
  EXPECT_EQ(s.stderr_, 0.0);
  EXPECT_TRUE(std::isnan(s.ci95_low));
  EXPECT_TRUE(std::isnan(s.ci95_high));
  EXPECT_EQ(s.median, 3.5);
  EXPECT_EQ(s.q1, 3.5);
}

TEST(Statistics, EmptySamplesAndNaNsGiveNaNQuantiles) {
  const SampleSummary empty = summarize_sample(std::vector<double>{});
  EXPECT_TRUE(std::isnan(empty.mean));
  EXPECT_TRUE(std::isnan(empty.median));
  const SampleSummary with_nan = summarize_sample(std::vector<double>{1, std::nan(""), 3});
  EXPECT_TRUE(std::isnan(with_nan.mean));
  EXPECT_TRUE(std::isnan(with_nan.median));
}

TEST(Statistics, InfiniteValuesKeepTheirOrder) {
  // A greedy policy that never reaches the goal takes infinitely many steps.
  const double inf = std::numeric_limits<double>::infinity();
  const SampleSummary s = summarize_sample(std::vector<double>{14, inf, inf, 16});
  EXPECT_EQ(s.mean, inf);
  EXPECT_EQ(s.q1, 15.5);
  EXPECT_EQ(s.median, inf);
  EXPECT_EQ(s.q3, inf);
}

TEST(Statistics, StudentTQuantileMatchesScipy) {
  // scipy.stats.t.ppf(0.975, df)
  EXPECT_TRUE(std::isnan(student_t_975(0)));
  EXPECT_EQ(student_t_975(1), 12.706204736432095);
  EXPECT_EQ(student_t_975(9), 2.2621571627409915);
  EXPECT_EQ(student_t_975(38), 2.0243941645751362);
  EXPECT_NEAR(student_t_975(39), 2.022690911734728, 1e-15);
  EXPECT_NEAR(student_t_975(999), 1.9623414611334487, 1e-15);
  EXPECT_NEAR(student_t_975(9999), 1.9602012636213575, 1e-15);
  EXPECT_NEAR(student_t_975(1000000000), 1.9599639869123251, 1e-15);
}

TEST(Statistics, TheSameSampleGivesTheSameBits) {
  std::vector<double> x;
  for (int k = 0; k < 1001; ++k) x.push_back(std::sin(k) * 1000.0 + k * 0.1);
  const SampleSummary a = summarize_sample(x), b = summarize_sample(x);
  EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0);
}

}  // namespace
}  // namespace dynaq
