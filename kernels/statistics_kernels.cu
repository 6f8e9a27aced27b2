// Statistics over seeds on the GPU: the four steps of column_statistics_kernels.hpp, batch by
// batch, with cub::DeviceSegmentedRadixSort for the order statistics.
//
// Why one thread per column for the moments, not a tree reduction over seeds: the mean's bits
// depend on the order of the additions, and the host adds in seed order; a thread walking down
// its column keeps that order, and the threads of a warp read 32 consecutive doubles of a row at
// each step. A point has as many columns as episodes or buckets (50 to a few thousand), so a
// batch is a few blocks of work per multiprocessor; the sort dominates, as on the host.
#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <cub/device/device_segmented_radix_sort.cuh>
#include <limits>
#include <vector>

#include "cuda_check.cuh"
#include "dynaq/cuda_runtime_checks.hpp"
#include "dynaq/cuda_statistics.hpp"
#include "dynaq/detail/column_statistics_kernels.hpp"

namespace dynaq {

namespace {

constexpr unsigned kThreads = 256;

unsigned blocks_for(std::uint64_t threads) { return static_cast<unsigned>((threads + kThreads - 1) / kThreads); }

__global__ void column_moments_kernel(ColumnBatch batch, const double* values, double t975, SampleSummary* summaries,
                                      std::uint8_t* has_nan) {
  const std::uint64_t column = std::uint64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (column < batch.batch_columns) column_moments_body(batch, values, t975, column, summaries, has_nan);
}

__global__ void transpose_kernel(ColumnBatch batch, const double* row_major, double* column_major) {
  const std::uint64_t index = std::uint64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (index < batch.items()) transpose_body(batch, row_major, index, column_major);
}

__global__ void segment_offsets_kernel(ColumnBatch batch, int* offsets) {
  const std::uint64_t k = std::uint64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (k <= batch.batch_columns) offsets[k] = static_cast<int>(segment_offset(batch, k));
}

__global__ void column_quantiles_kernel(ColumnBatch batch, const double* sorted, const std::uint8_t* has_nan,
                                        SampleSummary* summaries) {
  const std::uint64_t column = std::uint64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (column < batch.batch_columns) column_quantiles_body(batch, sorted, has_nan, column, summaries);
}

}  // namespace

std::vector<SampleSummary> summarize_columns_cuda(const double* values, std::uint64_t rows, std::uint64_t columns,
                                                  std::uint64_t max_batch_items) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<SampleSummary> result(columns, SampleSummary{nan, nan, nan, nan, nan, nan, nan});
  if (rows == 0 || columns == 0) return result;
  const GpuStatus gpu = query_gpu();
  if (!gpu.present) throw std::runtime_error("no usable GPU: " + gpu.reason);

  // The radix sort counts items in int; three batch-sized buffers share the free memory.
  std::size_t free_bytes = 0, total_bytes = 0;
  DYNAQ_CUDA_TRY(cudaMemGetInfo(&free_bytes, &total_bytes));
  std::uint64_t max_items = std::min<std::uint64_t>(max_batch_items, INT_MAX);
  max_items = std::min<std::uint64_t>(max_items, free_bytes / 2 / (3 * sizeof(double)));
  if (max_items < rows)
    throw std::runtime_error("statistics over " + std::to_string(rows) + " seeds on the GPU need " +
                             std::to_string(rows * 3 * sizeof(double) * 2) + " bytes of device memory; " + gpu.name +
                             " has " + std::to_string(free_bytes) + " free");
  const std::uint64_t per_batch = columns_per_batch(rows, columns, max_items);
  const double t975 = student_t_975(rows - 1);

  DeviceBuffer<double> batch_values(rows * per_batch), transposed(rows * per_batch), sorted(rows * per_batch);
  DeviceBuffer<SampleSummary> summaries(per_batch);
  DeviceBuffer<std::uint8_t> has_nan(per_batch);
  DeviceBuffer<int> offsets(per_batch + 1);
  std::size_t temp_bytes = 0;
  DYNAQ_CUDA_TRY(cub::DeviceSegmentedRadixSort::SortKeys(nullptr, temp_bytes, transposed.data(), sorted.data(),
                                                         static_cast<int>(rows * per_batch), static_cast<int>(per_batch),
                                                         offsets.data(), offsets.data() + 1));
  // Never a null pointer: CUB takes a null temporary storage as a request for its size alone.
  DeviceBuffer<unsigned char> temp(std::max<std::size_t>(temp_bytes, 16));

  for (std::uint64_t first = 0; first < columns; first += per_batch) {
    const ColumnBatch batch{rows, first, std::min(per_batch, columns - first)};
    DYNAQ_CUDA_TRY(cudaMemcpy2D(batch_values.data(), batch.batch_columns * sizeof(double), values + first,
                                columns * sizeof(double), batch.batch_columns * sizeof(double), rows,
                                cudaMemcpyHostToDevice));
    column_moments_kernel<<<blocks_for(batch.batch_columns), kThreads>>>(batch, batch_values.data(), t975,
                                                                          summaries.data(), has_nan.data());
    DYNAQ_CUDA_TRY(cudaGetLastError());
    transpose_kernel<<<blocks_for(batch.items()), kThreads>>>(batch, batch_values.data(), transposed.data());
    DYNAQ_CUDA_TRY(cudaGetLastError());
    segment_offsets_kernel<<<blocks_for(batch.batch_columns + 1), kThreads>>>(batch, offsets.data());
    DYNAQ_CUDA_TRY(cudaGetLastError());
    std::size_t bytes = temp.size();
    DYNAQ_CUDA_TRY(cub::DeviceSegmentedRadixSort::SortKeys(
        temp.data(), bytes, transposed.data(), sorted.data(), static_cast<int>(batch.items()),
        static_cast<int>(batch.batch_columns), offsets.data(), offsets.data() + 1));
    column_quantiles_kernel<<<blocks_for(batch.batch_columns), kThreads>>>(batch, sorted.data(), has_nan.data(),
                                                                            summaries.data());
    DYNAQ_CUDA_TRY(cudaGetLastError());
    summaries.download(result.data() + first, batch.batch_columns);
  }
  return result;
}

}  // namespace dynaq
