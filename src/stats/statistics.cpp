// Statistics over seeds, in a fixed order so that the same sample gives the same bits.
#include "dynaq/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dynaq {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// t_{0.975, df} for df = 1 .. 38, from scipy.stats.t.ppf(0.975, df).
constexpr double kStudentT975[] = {
    12.706204736432095, 4.3026527299112747, 3.1824463052842629, 2.7764451051977987,
    2.5705818366147395, 2.4469118487916806, 2.3646242510102993, 2.3060041350333704,
    2.2621571627409915, 2.2281388519649385, 2.2009851600829489, 2.1788128296634177,
    2.1603686564610127, 2.1447866879169273, 2.131449545559323,  2.1199052992210112,
    2.1098155778331806, 2.1009220402409601, 2.093024054408263,  2.0859634472658364,
    2.0796138447276622, 2.0738730679040147, 2.0686576104190406, 2.0638985616280205,
    2.0595385527532941, 2.0555294386428709, 2.0518305164802833, 2.0484071417952441,
    2.045229642132703,  2.0422724563012373, 2.0395134463964077, 2.0369333434601011,
    2.0345152974493383, 2.0322445093177182, 2.0301079282503425, 2.0280940009804502,
    2.0261924630291093, 2.0243941645751362};
constexpr std::uint64_t kTabulated = sizeof kStudentT975 / sizeof kStudentT975[0];

}  // namespace

double student_t_975(std::uint64_t df) {
  if (df == 0) return kNaN;
  if (df <= kTabulated) return kStudentT975[df - 1];
  // Cornish-Fisher: t = z + g1(z)/df + g2(z)/df^2 + g3(z)/df^3 + g4(z)/df^4 (Abramowitz and
  // Stegun 26.7.5), z the normal 0.975 quantile.
  const double z = 1.959963984540054;
  const double z2 = z * z, z3 = z2 * z, z5 = z3 * z2, z7 = z5 * z2, z9 = z7 * z2;
  const double n = static_cast<double>(df);
  const double g1 = (z3 + z) / 4.0;
  const double g2 = (5.0 * z5 + 16.0 * z3 + 3.0 * z) / 96.0;
  const double g3 = (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / 384.0;
  const double g4 = (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / 92160.0;
  return z + g1 / n + g2 / (n * n) + g3 / (n * n * n) + g4 / (n * n * n * n);
}

MeanStderr mean_and_stderr(const double* values, std::size_t count, std::size_t stride) {
  if (count == 0) return MeanStderr{kNaN, kNaN};
  return sample_mean_and_stderr(values, count, stride);
}

double sorted_quantile(const std::vector<double>& sorted, double p) {
  return sorted_sample_quantile(sorted.data(), sorted.size(), p);
}

SampleSummary summarize_sample(const double* values, std::size_t count, std::size_t stride) {
  if (count == 0) return SampleSummary{kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN};
  SampleSummary s = summary_from_moments(sample_mean_and_stderr(values, count, stride), count, student_t_975(count - 1));
  // NaN has no place in an order: a sample holding one has no quantiles.
  if (sample_has_nan(values, count, stride)) return s;
  std::vector<double> sorted(count);
  for (std::size_t i = 0; i < count; ++i) sorted[i] = values[i * stride];
  std::sort(sorted.begin(), sorted.end());
  set_sorted_quantiles(s, sorted.data(), count);
  return s;
}

std::vector<SampleSummary> summarize_columns(const double* values, std::uint64_t rows, std::uint64_t columns) {
  std::vector<SampleSummary> summaries(columns);
  for (std::uint64_t k = 0; k < columns; ++k) summaries[k] = summarize_sample(values + k, rows, columns);
  return summaries;
}

}  // namespace dynaq
