// Statistics over seeds computed on the GPU, with the host's bits (column_statistics_kernels.hpp
// says how). `dynaq run --backend cuda` summarises its curves this way.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dynaq/statistics.hpp"

namespace dynaq {

// summarize_columns(values, rows, columns) on the GPU. Batches of columns are sized to the
// device's free memory (and to at most `max_batch_items` values, for tests). Throws
// std::runtime_error (with the reason) when no GPU is usable or a CUDA call fails.
std::vector<SampleSummary> summarize_columns_cuda(const double* values, std::uint64_t rows, std::uint64_t columns,
                                                  std::uint64_t max_batch_items = std::uint64_t{1} << 26);

// summarize_columns_cuda that checks itself: the first and last columns of every call are also
// summarised on the host and compared bit for bit; a difference throws CudaSelfCheckError.
ColumnSummarizer make_cuda_column_summarizer();

// `device` with that self-check; the error names `device_name`.
ColumnSummarizer with_self_check(ColumnSummarizer device, std::string device_name);

// `device` until a call of it throws; then `on_failure` (with what it threw) once, and the host's
// summarize_columns for that call and every later one, which gives the same bits. What
// `dynaq run --backend auto` summarises with on a GPU.
ColumnSummarizer with_host_fallback(ColumnSummarizer device, std::function<void(const std::string&)> on_failure);

}  // namespace dynaq
