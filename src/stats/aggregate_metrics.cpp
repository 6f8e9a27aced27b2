// The aggregate metrics of rliable and their stratified bootstrap (aggregate_metrics.hpp).
// Where rliable's NumPy code fixes an order of operations that decides the last bit (numpy's
// median and percentile interpolation), the same operations are used here; sums run in a
// fixed order, so the results are the same on every machine.
#include "dynaq/aggregate_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "dynaq/errors.hpp"
#include "dynaq/random.hpp"

namespace dynaq {

namespace {

std::vector<double> task_means(const ScoreMatrix& scores) {
  std::vector<double> means(scores.tasks, 0.0);
  for (std::uint32_t t = 0; t < scores.tasks; ++t) {
    double sum = 0.0;
    for (std::uint32_t r = 0; r < scores.runs; ++r) sum += scores.at(r, t);
    means[t] = sum / static_cast<double>(scores.runs);
  }
  return means;
}

double mean_of(const double* values, std::size_t count) {
  double sum = 0.0;
  for (std::size_t k = 0; k < count; ++k) sum += values[k];
  return sum / static_cast<double>(count);
}

void expect_scores(const ScoreMatrix& scores) {
  DYNAQ_EXPECTS(scores.runs > 0 && scores.tasks > 0 && scores.values.size() == std::size_t{scores.runs} * scores.tasks,
                "a score matrix needs runs x tasks values");
}

// numpy's linear interpolation between a and b (numpy.lib._function_base_impl._lerp).
double numpy_lerp(double a, double b, double t) {
  const double difference = b - a;
  return t >= 0.5 ? b - difference * (1.0 - t) : a + difference * t;
}

// numpy.percentile(sorted, 100 * p) with the default linear method, `sorted` ascending.
double numpy_quantile(const std::vector<double>& sorted, double p) {
  const double virtual_index = static_cast<double>(sorted.size() - 1) * p;
  const double below = std::floor(virtual_index);
  const std::size_t k = static_cast<std::size_t>(below);
  if (k + 1 >= sorted.size()) return sorted.back();
  return numpy_lerp(sorted[k], sorted[k + 1], virtual_index - below);
}

}  // namespace

double interquartile_mean(const ScoreMatrix& scores) {
  expect_scores(scores);
  std::vector<double> all = scores.values;
  const std::size_t cut = all.size() / 4;
  const std::size_t end = all.size() - cut;
  // Only which values form the middle half matters; sorting it fixes the order of the sum.
  std::nth_element(all.begin(), all.begin() + cut, all.end());
  std::nth_element(all.begin() + cut, all.begin() + (end - 1), all.end());
  std::sort(all.begin() + cut, all.begin() + end);
  return mean_of(all.data() + cut, end - cut);
}

double median_of_task_means(const ScoreMatrix& scores) {
  expect_scores(scores);
  std::vector<double> means = task_means(scores);
  std::sort(means.begin(), means.end());
  const std::size_t n = means.size();
  // numpy.median: the middle value, or the mean of the two middle values.
  return n % 2 == 1 ? means[n / 2] : (means[n / 2 - 1] + means[n / 2]) / 2.0;
}

double mean_of_task_means(const ScoreMatrix& scores) {
  expect_scores(scores);
  const std::vector<double> means = task_means(scores);
  return mean_of(means.data(), means.size());
}

double optimality_gap(const ScoreMatrix& scores, double threshold) {
  expect_scores(scores);
  double sum = 0.0;
  for (const double v : scores.values) sum += std::min(v, threshold);
  return threshold - sum / static_cast<double>(scores.values.size());
}

double probability_of_improvement(const ScoreMatrix& x, const ScoreMatrix& y) {
  expect_scores(x);
  expect_scores(y);
  DYNAQ_EXPECTS(x.tasks == y.tasks, "the probability of improvement needs the same tasks");
  double sum = 0.0;
  std::vector<double> xs(x.runs), ys(y.runs);
  for (std::uint32_t t = 0; t < x.tasks; ++t) {
    for (std::uint32_t r = 0; r < x.runs; ++r) xs[r] = x.at(r, t);
    for (std::uint32_t r = 0; r < y.runs; ++r) ys[r] = y.at(r, t);
    std::sort(ys.begin(), ys.end());
    // U = #(x > y) + #(x = y) / 2, counted as twice U so that it stays an integer.
    std::uint64_t twice_u = 0;
    for (const double v : xs) {
      const auto below = std::lower_bound(ys.begin(), ys.end(), v) - ys.begin();
      const auto not_above = std::upper_bound(ys.begin(), ys.end(), v) - ys.begin();
      twice_u += static_cast<std::uint64_t>(below) * 2 + static_cast<std::uint64_t>(not_above - below);
    }
    sum += static_cast<double>(twice_u) / 2.0 / (static_cast<double>(x.runs) * static_cast<double>(y.runs));
  }
  return sum / static_cast<double>(x.tasks);
}

double interquartile_mean_of_sorted(const std::vector<double>& sorted) {
  DYNAQ_EXPECTS(!sorted.empty(), "an interquartile mean needs scores");
  const std::size_t cut = sorted.size() / 4;
  return mean_of(sorted.data() + cut, sorted.size() - 2 * cut);
}

std::vector<double> performance_profile(const ScoreMatrix& scores, const std::vector<double>& thresholds) {
  expect_scores(scores);
  std::vector<double> sorted = scores.values;
  std::sort(sorted.begin(), sorted.end());
  return performance_profile_of_sorted(sorted, thresholds);
}

std::vector<double> performance_profile_of_sorted(const std::vector<double>& sorted, const std::vector<double>& thresholds) {
  std::vector<double> fractions;
  fractions.reserve(thresholds.size());
  for (const double tau : thresholds) {
    const auto above = sorted.end() - std::upper_bound(sorted.begin(), sorted.end(), tau);
    fractions.push_back(static_cast<double>(above) / static_cast<double>(sorted.size()));
  }
  return fractions;
}

std::vector<double> evenly_spaced(double low, double high, std::uint32_t count) {
  if (count == 0) return {};
  if (count == 1) return {low};
  // numpy.linspace: start + k * step, with the end point set exactly.
  const double step = (high - low) / static_cast<double>(count - 1);
  std::vector<double> values(count);
  for (std::uint32_t k = 0; k < count; ++k) values[k] = static_cast<double>(k) * step + low;
  values.back() = high;
  return values;
}

std::vector<std::uint32_t> resample_indices(std::uint64_t seed, std::uint32_t stream, std::uint32_t resample,
                                            std::uint32_t runs, std::uint32_t tasks) {
  const std::uint32_t key0 = static_cast<std::uint32_t>(seed), key1 = static_cast<std::uint32_t>(seed >> 32);
  const std::uint64_t cells = std::uint64_t{runs} * tasks;
  std::vector<std::uint32_t> indices(cells);
  for (std::uint64_t block = 0; block * 4 < cells; ++block) {
    const PhiloxBlock words =
        philox4x32_10(PhiloxBlock{{stream, resample, kPurposeBootstrap, static_cast<std::uint32_t>(block)}}, key0, key1);
    for (std::uint64_t w = 0; w < 4 && block * 4 + w < cells; ++w)
      indices[block * 4 + w] = uniform_index(words.word[w], runs);
  }
  return indices;
}

ScoreMatrix resampled(const ScoreMatrix& scores, const std::vector<std::uint32_t>& indices) {
  ScoreMatrix out{scores.runs, scores.tasks, std::vector<double>(scores.values.size())};
  for (std::uint32_t r = 0; r < scores.runs; ++r)
    for (std::uint32_t t = 0; t < scores.tasks; ++t)
      out.values[std::size_t{r} * scores.tasks + t] = scores.at(indices[std::size_t{r} * scores.tasks + t], t);
  return out;
}

Interval percentile_interval(std::vector<double>& estimates, double confidence) {
  DYNAQ_EXPECTS(!estimates.empty(), "a percentile interval needs estimates");
  std::sort(estimates.begin(), estimates.end());
  // arch's conf_int: percentiles 100 alpha and 100 (1 - alpha), which numpy divides by 100.
  const double alpha = (1.0 - confidence) / 2.0;
  return Interval{numpy_quantile(estimates, 100.0 * alpha / 100.0), numpy_quantile(estimates, 100.0 * (1.0 - alpha) / 100.0)};
}

std::vector<Interval> bootstrap_intervals(const std::vector<const ScoreMatrix*>& arguments,
                                          const std::vector<std::uint32_t>& streams, const Statistic& statistic,
                                          const BootstrapSettings& settings) {
  DYNAQ_EXPECTS(arguments.size() == streams.size(), "one bootstrap stream per argument");
  DYNAQ_EXPECTS(settings.resamples > 0, "a bootstrap needs resamples");
  std::vector<std::vector<double>> estimates;  // [number][resample]
  std::vector<ScoreMatrix> samples(arguments.size());
  std::vector<const ScoreMatrix*> views(arguments.size());
  for (std::uint32_t r = 0; r < settings.resamples; ++r) {
    for (std::size_t k = 0; k < arguments.size(); ++k) {
      const ScoreMatrix& a = *arguments[k];
      samples[k] = resampled(a, resample_indices(settings.seed, streams[k], r, a.runs, a.tasks));
      views[k] = &samples[k];
    }
    const std::vector<double> numbers = statistic(views);
    if (estimates.empty()) estimates.assign(numbers.size(), std::vector<double>(settings.resamples));
    for (std::size_t n = 0; n < numbers.size(); ++n) estimates[n][r] = numbers[n];
  }
  std::vector<Interval> intervals;
  for (std::vector<double>& e : estimates) intervals.push_back(percentile_interval(e, settings.confidence));
  return intervals;
}

std::string printed_estimate(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*g", kPrintedDigits, value);
  return buffer;
}

}  // namespace dynaq
