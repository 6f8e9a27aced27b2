// The arithmetic of the statistics over seeds, written once for the host and the GPU.
//
// summarize_sample (statistics.hpp) and the CUDA column statistics (cuda_statistics.hpp) both
// call these functions, so a column's summary has the same bits wherever it was computed: each
// sum runs in sample (seed) order, every operation is a single IEEE double operation (the CUDA
// build has --fmad=false, the host -ffp-contract=off), and sqrt and division are correctly
// rounded on both sides.
#pragma once

#include <cmath>
#include <cstdint>

#include "dynaq/platform.hpp"

namespace dynaq {

// The statistics of one sample (one grid point's seeds at one episode, say).
//  mean       sum / n, summed in sample order;
//  stderr_    sample standard deviation (n - 1 in the denominator) / sqrt(n); 0 when n = 1;
//  ci95_low,  mean -/+ t * stderr_, with t the 0.975 quantile of Student's t distribution
//  ci95_high  with n - 1 degrees of freedom (student_t_975); NaN when n = 1;
//  median,    quantiles 0.5, 0.25 and 0.75 by linear interpolation between order statistics:
//  q1, q3     with x_0 <= ... <= x_{n-1} and h = (n - 1) p, Q(p) = x_floor(h) +
//             (h - floor(h)) (x_floor(h)+1 - x_floor(h)), Hyndman and Fan's type 7, the default
//             of NumPy's quantile and R's quantile. A quantile that is zero is +0: -0 and +0
//             are equal in every order, so which of them a sort puts first is not part of the
//             result.
// An empty sample gives NaN everywhere, and a sample holding a NaN has NaN quantiles. Infinite
// values propagate as IEEE arithmetic says (a mean of +inf and finite values is +inf; its
// standard error is NaN).
struct SampleSummary {
  double mean;
  double stderr_;
  double ci95_low;
  double ci95_high;
  double median;
  double q1;
  double q3;
};

struct MeanStderr {
  double mean;
  double stderr_;
};

// `values[k * stride]` for k in [0, count), count >= 1.
DYNAQ_HD inline MeanStderr sample_mean_and_stderr(const double* values, std::uint64_t count, std::uint64_t stride) {
  double sum = 0.0;
  for (std::uint64_t i = 0; i < count; ++i) sum += values[i * stride];
  const double mean = sum / static_cast<double>(count);
  if (count == 1) return MeanStderr{mean, 0.0};
  double squares = 0.0;
  for (std::uint64_t i = 0; i < count; ++i) {
    const double d = values[i * stride] - mean;
    squares += d * d;
  }
  const double variance = squares / static_cast<double>(count - 1);
  return MeanStderr{mean, std::sqrt(variance / static_cast<double>(count))};
}

DYNAQ_HD inline bool sample_has_nan(const double* values, std::uint64_t count, std::uint64_t stride) {
  for (std::uint64_t i = 0; i < count; ++i)
    if (std::isnan(values[i * stride])) return true;
  return false;
}

// The summary's moments and interval from a sample of `count` >= 1 values, `t975` being
// student_t_975(count - 1); the quantiles are left NaN.
DYNAQ_HD inline SampleSummary summary_from_moments(MeanStderr m, std::uint64_t count, double t975) {
  const double nan = NAN;
  SampleSummary s{m.mean, m.stderr_, nan, nan, nan, nan, nan};
  if (count > 1) {
    const double half_width = t975 * m.stderr_;
    s.ci95_low = m.mean - half_width;
    s.ci95_high = m.mean + half_width;
  }
  return s;
}

// The type 7 quantile p in [0, 1] of `sorted` (`count` >= 1 values, ascending, no NaN).
DYNAQ_HD inline double sorted_sample_quantile(const double* sorted, std::uint64_t count, double p) {
  const double h = static_cast<double>(count - 1) * p;
  const std::uint64_t low = static_cast<std::uint64_t>(std::floor(h));
  double q;
  if (low + 1 >= count) {
    q = sorted[count - 1];
  } else {
    const double fraction = h - static_cast<double>(low);
    // Equal neighbours (infinite ones too, where the difference would be NaN) need no mixing.
    if (fraction == 0.0 || sorted[low] == sorted[low + 1])
      q = sorted[low];
    else
      q = sorted[low] + fraction * (sorted[low + 1] - sorted[low]);
  }
  return q == 0.0 ? 0.0 : q;  // +0 for -0 (see SampleSummary)
}

DYNAQ_HD inline void set_sorted_quantiles(SampleSummary& s, const double* sorted, std::uint64_t count) {
  s.median = sorted_sample_quantile(sorted, count, 0.5);
  s.q1 = sorted_sample_quantile(sorted, count, 0.25);
  s.q3 = sorted_sample_quantile(sorted, count, 0.75);
}

}  // namespace dynaq
