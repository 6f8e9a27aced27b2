// Statistics over seeds on the GPU (column_statistics_kernels.hpp): its algorithm run through the
// host emulation everywhere, the device itself when there is one, and the self-check, all bit for
// bit against summarize_sample.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "dynaq/cuda_runtime_checks.hpp"
#include "dynaq/cuda_statistics.hpp"
#include "dynaq/detail/column_statistics_kernels.hpp"
#include "dynaq/engine.hpp"
#include "dynaq/same_bits.hpp"
#include "dynaq/statistics.hpp"

namespace dynaq {
namespace {

struct Matrix {
  std::uint64_t rows, columns;
  std::vector<double> values;  // row-major
};

// Columns of every kind a curve can hold: episode lengths with many ties, returns of both
// signs with -0 and +0, a column of one repeated value, infinities, a NaN, and plain noise.
Matrix awkward_matrix(std::uint64_t rows, std::uint64_t columns, std::uint32_t seed) {
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<int> small(0, 6);
  std::normal_distribution<double> noise(0.0, 1e3);
  const double inf = std::numeric_limits<double>::infinity();
  Matrix m{rows, columns, std::vector<double>(rows * columns)};
  for (std::uint64_t r = 0; r < rows; ++r)
    for (std::uint64_t k = 0; k < columns; ++k) {
      double v = 0.0;
      switch (k % 7) {
        case 0: v = 14.0 + small(random); break;
        case 1: v = (small(random) - 3) * 0.0; break;  // -0 and +0
        case 2: v = small(random) - 3.0; break;
        case 3: v = 0.1; break;
        case 4: v = small(random) == 0 ? inf : small(random) == 1 ? -inf : 1.0; break;
        case 5: v = (r == rows / 2 && k % 2 == 1) ? std::nan("") : noise(random); break;
        default: v = noise(random) * 1e-300; break;
      }
      m.values[r * columns + k] = v;
    }
  return m;
}

std::string bits_of(double x) {
  std::uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  char text[64];
  std::snprintf(text, sizeof text, "%.17g (0x%016llx)", x, static_cast<unsigned long long>(b));
  return text;
}

void expect_same_bits(double expected, double actual, const std::string& what) {
  EXPECT_TRUE(same_bits(expected, actual))
      << what << ": host " << bits_of(expected) << ", device " << bits_of(actual);
}

void expect_host_bits(const Matrix& m, const std::vector<SampleSummary>& actual) {
  ASSERT_EQ(actual.size(), m.columns);
  for (std::uint64_t k = 0; k < m.columns; ++k) {
    const SampleSummary e = summarize_sample(m.values.data() + k, m.rows, m.columns);
    const std::string where = "column " + std::to_string(k) + " of " + std::to_string(m.rows) + "x" +
                              std::to_string(m.columns);
    expect_same_bits(e.mean, actual[k].mean, where + " mean");
    expect_same_bits(e.stderr_, actual[k].stderr_, where + " stderr");
    expect_same_bits(e.ci95_low, actual[k].ci95_low, where + " ci95_low");
    expect_same_bits(e.ci95_high, actual[k].ci95_high, where + " ci95_high");
    expect_same_bits(e.median, actual[k].median, where + " median");
    expect_same_bits(e.q1, actual[k].q1, where + " q1");
    expect_same_bits(e.q3, actual[k].q3, where + " q3");
  }
}

TEST(ColumnStatistics, TheHostFunctionSummarisesEachColumn) {
  const Matrix m = awkward_matrix(5, 9, 1);
  expect_host_bits(m, summarize_columns(m.values.data(), m.rows, m.columns));
}

TEST(ColumnStatistics, AZeroQuantileIsPositiveWhateverTheSignsOfTheZeros) {
  for (const std::vector<double>& sample : {std::vector<double>{-0.0, -0.0, -0.0}, std::vector<double>{0.0, -0.0, 1.0},
                                            std::vector<double>{-0.0, 0.0, -1.0, 2.0}}) {
    const SampleSummary s = summarize_sample(sample);
    EXPECT_EQ(s.median, 0.0);
    EXPECT_FALSE(std::signbit(s.median));
  }
}

TEST(ColumnStatisticsEmulation, EveryShapeAndBatchSizeHasTheHostsBits) {
  for (const std::uint64_t rows : {1u, 2u, 3u, 10u, 101u})
    for (const std::uint64_t columns : {1u, 7u, 50u, 333u}) {
      const Matrix m = awkward_matrix(rows, columns, static_cast<std::uint32_t>(rows * 1000 + columns));
      // One column per batch, a few, a ragged last batch, and everything at once.
      for (const std::uint64_t batch : {rows, rows * 3, rows * 7 + rows / 2, rows * columns, rows * columns * 4}) {
        SCOPED_TRACE("batches of " + std::to_string(batch) + " items");
        expect_host_bits(m, summarize_columns_emulated(m.values.data(), rows, columns, batch));
      }
    }
}

TEST(ColumnStatisticsEmulation, NoSeedsGiveNaNAndNoColumnsNothing) {
  EXPECT_TRUE(summarize_columns_emulated(nullptr, 3, 0, 100).empty());
  const std::vector<SampleSummary> none = summarize_columns_emulated(nullptr, 0, 4, 100);
  ASSERT_EQ(none.size(), 4u);
  EXPECT_TRUE(std::isnan(none[3].mean) && std::isnan(none[3].median));
}

TEST(ColumnStatisticsSelfCheck, ADeviceThatDiffersInOneBitIsCaught) {
  const Matrix m = awkward_matrix(20, 12, 7);
  const ColumnSummarizer honest = with_self_check(summarize_columns, "an honest device");
  expect_host_bits(m, honest(m.values.data(), m.rows, m.columns));

  const ColumnSummarizer off_by_one_ulp = with_self_check(
      [](const double* values, std::uint64_t rows, std::uint64_t columns) {
        std::vector<SampleSummary> s = summarize_columns(values, rows, columns);
        s.back().q3 = std::nextafter(s.back().q3, INFINITY);
        return s;
      },
      "a faulty device");
  try {
    off_by_one_ulp(m.values.data(), m.rows, m.columns);
    FAIL() << "the self-check let a wrong q3 through";
  } catch (const CudaSelfCheckError& e) {
    EXPECT_NE(std::string(e.what()).find("the q3 of column 11 (20 rows) computed on a faulty device differs"),
              std::string::npos)
        << e.what();
  }
}

// A GPU makes its NaNs with another sign and payload than x86 (same_bits.hpp): not a difference.
TEST(ColumnStatisticsSelfCheck, NaNsOfAnotherFormAreNotADifference) {
  Matrix m = awkward_matrix(20, 12, 7);
  m.values[m.columns - 1] = std::numeric_limits<double>::infinity();  // last column: inf and -inf,
  m.values[2 * m.columns - 1] = -std::numeric_limits<double>::infinity();  // so a NaN mean
  const ColumnSummarizer gpu_like = with_self_check(
      [](const double* values, std::uint64_t rows, std::uint64_t columns) {
        std::vector<SampleSummary> s = summarize_columns(values, rows, columns);
        const std::uint64_t gpu_nan_bits = 0x7FFFFFFFFFFFFFFFull;
        double gpu_nan;
        std::memcpy(&gpu_nan, &gpu_nan_bits, sizeof gpu_nan);
        for (SampleSummary& summary : s)
          for (double* x : {&summary.mean, &summary.stderr_, &summary.ci95_low, &summary.ci95_high, &summary.median,
                            &summary.q1, &summary.q3})
            if (std::isnan(*x)) *x = gpu_nan;
        return s;
      },
      "a GPU");
  const std::vector<SampleSummary> s = gpu_like(m.values.data(), m.rows, m.columns);
  ASSERT_TRUE(std::isnan(s.back().mean)) << "the last column should have a NaN mean";
  expect_host_bits(m, s);
}

// --backend auto on a GPU: a device that fails hands this call and every later one to the host,
// once, with the same bits.
TEST(ColumnStatisticsFallback, AFailingDeviceHandsEveryLaterCallToTheHost) {
  int device_calls = 0;
  std::vector<std::string> failures;
  const ColumnSummarizer summarize = with_host_fallback(
      [&device_calls](const double* values, std::uint64_t rows, std::uint64_t columns) {
        if (++device_calls == 2) throw std::runtime_error("the device fell over");
        return summarize_columns(values, rows, columns);
      },
      [&failures](const std::string& failure) { failures.push_back(failure); });
  for (int call = 0; call < 4; ++call) {
    const Matrix m = awkward_matrix(9, 5, 100 + call);
    expect_host_bits(m, summarize(m.values.data(), m.rows, m.columns));
  }
  EXPECT_EQ(device_calls, 2) << "the device is not asked again after it failed";
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0], "the device fell over");
}

TEST(CudaColumnStatistics, TheGpuHasTheHostsBitsInOneBatchAndInMany) {
  const GpuStatus gpu = query_gpu();
  if (!gpu.present) {
    // Without a GPU the entry point says why instead of computing anything.
    EXPECT_THROW(summarize_columns_cuda(nullptr, 2, 2), std::runtime_error);
    GTEST_SKIP() << "no GPU: " << gpu.reason;
  }
  for (const std::uint64_t rows : {1u, 2u, 1000u, 10000u})
    for (const std::uint64_t columns : {1u, 50u, 1001u}) {
      const Matrix m = awkward_matrix(rows, columns, static_cast<std::uint32_t>(rows + columns));
      expect_host_bits(m, summarize_columns_cuda(m.values.data(), rows, columns));
      expect_host_bits(m, summarize_columns_cuda(m.values.data(), rows, columns, rows * 3));
    }
  const Matrix m = awkward_matrix(300, 40, 3);
  expect_host_bits(m, make_cuda_column_summarizer()(m.values.data(), m.rows, m.columns));
}

// Small enough for compute-sanitizer (scripts/gpu_check.sh runs CudaSanitizer.* under memcheck,
// racecheck and synccheck): two batches, a ragged last one.
TEST(CudaSanitizer, ColumnStatisticsInBatches) {
  const GpuStatus gpu = query_gpu();
  if (!gpu.present) GTEST_SKIP() << "no GPU: " << gpu.reason;
  const Matrix m = awkward_matrix(33, 19, 5);
  expect_host_bits(m, summarize_columns_cuda(m.values.data(), m.rows, m.columns, m.rows * 10));
}

}  // namespace
}  // namespace dynaq
