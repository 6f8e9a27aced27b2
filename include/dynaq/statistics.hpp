// Statistics over seeds: the numbers that go into a paper, computed so that the same sample
// gives the same bits on every machine and engine (DESIGN.md section 3).
//
// Every function reads its sample in the order given (seed order) and sums left to right, so
// the result is a pure function of the sample. Order statistics work on a sorted copy, and do
// not depend on how the copy was sorted. What each statistic is: SampleSummary in
// statistics_core.hpp, whose functions the GPU runs too (cuda_statistics.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "dynaq/detail/statistics_core.hpp"

namespace dynaq {

// `values[k * stride]` for k in [0, count).
SampleSummary summarize_sample(const double* values, std::size_t count, std::size_t stride = 1);
inline SampleSummary summarize_sample(const std::vector<double>& values) {
  return summarize_sample(values.data(), values.size());
}

MeanStderr mean_and_stderr(const double* values, std::size_t count, std::size_t stride = 1);

// The type 7 quantile p in [0, 1] of `sorted` (ascending, not empty, no NaN).
double sorted_quantile(const std::vector<double>& sorted, double p);

// The 0.975 quantile of Student's t distribution with `degrees_of_freedom` >= 1: tabulated
// (from SciPy's scipy.stats.t.ppf, 17 significant digits) up to 38 degrees of freedom, and
// beyond that the Cornish-Fisher expansion about the normal quantile with four correction
// terms, whose relative error is below 1e-8 at 39 degrees of freedom and falls as df^-5.
// Zero degrees of freedom gives NaN.
double student_t_975(std::uint64_t degrees_of_freedom);

// The summary of every column of a row-major `rows` x `columns` matrix: one sample per column,
// its rows in order (seeds, with a curve's episodes or buckets as columns). Element [k] of the
// result is summarize_sample(values + k, rows, columns).
std::vector<SampleSummary> summarize_columns(const double* values, std::uint64_t rows, std::uint64_t columns);

// Something that computes summarize_columns' result: the host function itself, or the GPU
// (cuda_statistics.hpp), whose results have the same bits.
using ColumnSummarizer = std::function<std::vector<SampleSummary>(const double* values, std::uint64_t rows,
                                                                  std::uint64_t columns)>;

}  // namespace dynaq
