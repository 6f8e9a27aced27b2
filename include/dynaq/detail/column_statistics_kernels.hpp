// Statistics over seeds on the GPU: the bodies of its kernels and their index arithmetic,
// written once for kernels/statistics_kernels.cu and for the host emulation that tests them
// without a GPU (summarize_columns_emulated).
//
// A point's curve is a row-major seeds x columns matrix (one row per agent, as the chunk files
// hold it). The columns are done in batches that fit the device, each in four steps:
//  1. copy the batch's columns to the device, row-major with `batch_columns` per row;
//  2. moments: one thread per column walks down its rows in seed order (consecutive threads read
//     consecutive addresses) and writes mean, stderr, interval and whether the column has a NaN;
//  3. transpose to column-major, so that each column is a contiguous segment, and sort every
//     segment (cub::DeviceSegmentedRadixSort, which orders doubles as the host does);
//  4. quantiles: one thread per column reads its sorted segment.
// Steps 2 and 4 call statistics_core.hpp, the very functions summarize_sample calls, so every
// bit matches the host's.
#pragma once

#include <cstdint>
#include <vector>

#include "dynaq/detail/statistics_core.hpp"
#include "dynaq/platform.hpp"

namespace dynaq {

// One batch of columns [first_column, first_column + batch_columns) of a rows x columns matrix.
struct ColumnBatch {
  std::uint64_t rows;
  std::uint64_t first_column;
  std::uint64_t batch_columns;
  DYNAQ_HD std::uint64_t items() const { return rows * batch_columns; }
};

// Columns per batch when a batch may hold at most `max_items` values (>= rows >= 1): as many as
// fit.
inline std::uint64_t columns_per_batch(std::uint64_t rows, std::uint64_t columns, std::uint64_t max_items) {
  const std::uint64_t fit = max_items / rows;
  return fit < columns ? fit : columns;
}

// Step 2, thread `column` in [0, batch_columns): `values` is the batch, row-major. `t975` is
// student_t_975(rows - 1), the same for every column.
DYNAQ_HD inline void column_moments_body(const ColumnBatch& batch, const double* values, double t975,
                                         std::uint64_t column, SampleSummary* summaries, std::uint8_t* has_nan) {
  const double* first = values + column;
  summaries[column] = summary_from_moments(sample_mean_and_stderr(first, batch.rows, batch.batch_columns),
                                           batch.rows, t975);
  has_nan[column] = sample_has_nan(first, batch.rows, batch.batch_columns) ? 1 : 0;
}

// Step 3's transpose, thread `index` in [0, items): reads row-major, writes column-major.
DYNAQ_HD inline void transpose_body(const ColumnBatch& batch, const double* row_major, std::uint64_t index,
                                    double* column_major) {
  const std::uint64_t row = index / batch.batch_columns;
  const std::uint64_t column = index % batch.batch_columns;
  column_major[column * batch.rows + row] = row_major[index];
}

// Where sorted segment k begins (k in [0, batch_columns]; entry batch_columns is the end).
DYNAQ_HD inline std::uint64_t segment_offset(const ColumnBatch& batch, std::uint64_t k) { return k * batch.rows; }

// Step 4, thread `column` in [0, batch_columns).
DYNAQ_HD inline void column_quantiles_body(const ColumnBatch& batch, const double* sorted, const std::uint8_t* has_nan,
                                           std::uint64_t column, SampleSummary* summaries) {
  if (has_nan[column]) return;  // NaN has no place in an order: no quantiles
  set_sorted_quantiles(summaries[column], sorted + segment_offset(batch, column), batch.rows);
}

// The GPU's algorithm run on the host: the same batches and bodies, each step over all of its
// threads from last to first, device buffers filled with garbage before use, and each segment
// sorted with a stable sort (as the radix sort is). `max_batch_items` >= rows.
std::vector<SampleSummary> summarize_columns_emulated(const double* values, std::uint64_t rows, std::uint64_t columns,
                                                      std::uint64_t max_batch_items);

}  // namespace dynaq
