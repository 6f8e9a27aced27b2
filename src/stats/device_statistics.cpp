// The host side of statistics over seeds on a GPU: the kernels' algorithm emulated on the host
// (column_statistics_kernels.hpp), so that its index arithmetic is tested where there is no GPU,
// and the self-check that compares a device's columns with the host's.
#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "dynaq/cuda_runtime_checks.hpp"
#include "dynaq/cuda_statistics.hpp"
#include "dynaq/detail/column_statistics_kernels.hpp"
#include "dynaq/same_bits.hpp"
#include "dynaq/statistics.hpp"

namespace dynaq {

namespace {

// Device memory that nobody has written: every byte 0xA5, not a plausible double or flag.
template <typename T>
std::vector<T> garbage(std::uint64_t count) {
  std::vector<T> buffer(count);
  std::memset(static_cast<void*>(buffer.data()), 0xA5, count * sizeof(T));
  return buffer;
}

// The first statistic whose bits differ, or nullptr.
const char* first_difference(const SampleSummary& a, const SampleSummary& b) {
  if (!same_bits(a.mean, b.mean)) return "mean";
  if (!same_bits(a.stderr_, b.stderr_)) return "stderr";
  if (!same_bits(a.ci95_low, b.ci95_low)) return "ci95_low";
  if (!same_bits(a.ci95_high, b.ci95_high)) return "ci95_high";
  if (!same_bits(a.median, b.median)) return "median";
  if (!same_bits(a.q1, b.q1)) return "q1";
  if (!same_bits(a.q3, b.q3)) return "q3";
  return nullptr;
}

}  // namespace

ColumnSummarizer with_self_check(ColumnSummarizer device, std::string device_name) {
  return [device = std::move(device), device_name = std::move(device_name)](
             const double* values, std::uint64_t rows, std::uint64_t columns) {
    std::vector<SampleSummary> summaries = device(values, rows, columns);
    if (summaries.size() != columns)
      throw CudaSelfCheckError(device_name + " returned " + std::to_string(summaries.size()) + " column summaries for " +
                               std::to_string(columns) + " columns");
    for (const std::uint64_t k : {std::uint64_t{0}, columns - 1}) {
      if (columns == 0) break;
      const SampleSummary host = summarize_sample(values + k, rows, columns);
      if (const char* statistic = first_difference(summaries[k], host)) {
        std::ostringstream message;
        message.precision(17);
        message << "self-check failed: the " << statistic << " of column " << k << " (" << rows << " rows) computed on "
                << device_name << " differs from the host's (mean " << summaries[k].mean << " vs " << host.mean
                << ", median " << summaries[k].median << " vs " << host.median
                << "); statistics from this device cannot be trusted";
        throw CudaSelfCheckError(message.str());
      }
    }
    return summaries;
  };
}

ColumnSummarizer with_host_fallback(ColumnSummarizer device, std::function<void(const std::string&)> on_failure) {
  auto failed = std::make_shared<bool>(false);
  return [device = std::move(device), on_failure = std::move(on_failure), failed](
             const double* values, std::uint64_t rows, std::uint64_t columns) {
    if (!*failed) {
      try {
        return device(values, rows, columns);
      } catch (const std::exception& e) {
        *failed = true;
        if (on_failure) on_failure(e.what());
      }
    }
    return summarize_columns(values, rows, columns);
  };
}

ColumnSummarizer make_cuda_column_summarizer() {
  return with_self_check(
      [](const double* values, std::uint64_t rows, std::uint64_t columns) {
        return summarize_columns_cuda(values, rows, columns);
      },
      "the GPU");
}

std::vector<SampleSummary> summarize_columns_emulated(const double* values, std::uint64_t rows, std::uint64_t columns,
                                                      std::uint64_t max_batch_items) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<SampleSummary> result(columns, SampleSummary{nan, nan, nan, nan, nan, nan, nan});
  if (rows == 0 || columns == 0) return result;
  if (max_batch_items < rows) throw std::invalid_argument("a batch must hold at least one column");
  const std::uint64_t per_batch = columns_per_batch(rows, columns, max_batch_items);
  const double t975 = student_t_975(rows - 1);

  for (std::uint64_t first = 0; first < columns; first += per_batch) {
    const ColumnBatch batch{rows, first, std::min(per_batch, columns - first)};
    // Buffers sized for a full batch, as the device's are allocated once.
    std::vector<double> device_values = garbage<double>(rows * per_batch);
    std::vector<double> transposed = garbage<double>(rows * per_batch);
    std::vector<SampleSummary> summaries = garbage<SampleSummary>(per_batch);
    std::vector<std::uint8_t> has_nan = garbage<std::uint8_t>(per_batch);

    // Step 1: the 2D copy of the batch's columns (cudaMemcpy2D).
    for (std::uint64_t r = 0; r < rows; ++r)
      std::memcpy(&device_values[r * batch.batch_columns], values + r * columns + batch.first_column,
                  batch.batch_columns * sizeof(double));
    // Step 2.
    for (std::uint64_t k = batch.batch_columns; k-- > 0;)
      column_moments_body(batch, device_values.data(), t975, k, summaries.data(), has_nan.data());
    // Step 3: transpose, then sort each segment into a fresh buffer.
    for (std::uint64_t i = batch.items(); i-- > 0;) transpose_body(batch, device_values.data(), i, transposed.data());
    std::vector<double> sorted = garbage<double>(rows * per_batch);
    for (std::uint64_t k = 0; k < batch.batch_columns; ++k) {
      const std::uint64_t begin = segment_offset(batch, k), end = segment_offset(batch, k + 1);
      std::copy(transposed.begin() + begin, transposed.begin() + end, sorted.begin() + begin);
      // The radix sort orders NaN by its bits; std::stable_sort would need a strict weak order.
      // Quantiles of a column with a NaN are never read, so its order does not matter.
      if (!has_nan[k]) std::stable_sort(sorted.begin() + begin, sorted.begin() + end);
    }
    // Step 4.
    for (std::uint64_t k = batch.batch_columns; k-- > 0;)
      column_quantiles_body(batch, sorted.data(), has_nan.data(), k, summaries.data());
    std::copy(summaries.begin(), summaries.begin() + batch.batch_columns, result.begin() + batch.first_column);
  }
  return result;
}

}  // namespace dynaq
