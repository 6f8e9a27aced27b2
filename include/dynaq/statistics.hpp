// Statistics over seeds: the numbers that go into a paper, computed so that the same sample
// gives the same bits on every machine and engine (DESIGN.md section 3).
//
// Every function reads its sample in the order given (seed order) and sums left to right, so
// the result is a pure function of the sample. Order statistics work on a sorted copy, and an
// order statistic does not depend on how the copy was sorted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dynaq {

// The statistics of one sample (one grid point's seeds at one episode, say).
//  mean       sum / n, summed in sample order;
//  stderr_    sample standard deviation (n - 1 in the denominator) / sqrt(n); 0 when n = 1;
//  ci95_low,  mean -/+ t * stderr_, with t the 0.975 quantile of Student's t distribution
//  ci95_high  with n - 1 degrees of freedom (student_t_975); NaN when n = 1;
//  median,    quantiles 0.5, 0.25 and 0.75 by linear interpolation between order statistics:
//  q1, q3     with x_0 <= ... <= x_{n-1} and h = (n - 1) p, Q(p) = x_floor(h) +
//             (h - floor(h)) (x_floor(h)+1 - x_floor(h)), Hyndman and Fan's type 7, the default
//             of NumPy's quantile and R's quantile.
// An empty sample gives NaN everywhere. Infinite values propagate as IEEE arithmetic says
// (a mean of +inf and finite values is +inf; its standard error is NaN).
struct SampleSummary {
  double mean;
  double stderr_;
  double ci95_low;
  double ci95_high;
  double median;
  double q1;
  double q3;
};

// `values[k * stride]` for k in [0, count).
SampleSummary summarize_sample(const double* values, std::size_t count, std::size_t stride = 1);
inline SampleSummary summarize_sample(const std::vector<double>& values) {
  return summarize_sample(values.data(), values.size());
}

struct MeanStderr {
  double mean;
  double stderr_;
};
MeanStderr mean_and_stderr(const double* values, std::size_t count, std::size_t stride = 1);

// The type 7 quantile p in [0, 1] of `sorted` (ascending, not empty).
double sorted_quantile(const std::vector<double>& sorted, double p);

// The 0.975 quantile of Student's t distribution with `degrees_of_freedom` >= 1: tabulated
// (from SciPy's scipy.stats.t.ppf, 17 significant digits) up to 38 degrees of freedom, and
// beyond that the Cornish-Fisher expansion about the normal quantile with four correction
// terms, whose relative error is below 1e-8 at 39 degrees of freedom and falls as df^-5.
// Zero degrees of freedom gives NaN.
double student_t_975(std::uint64_t degrees_of_freedom);

}  // namespace dynaq
