// Device statistics in a build without nvcc: no GPU can be used, and it says why.
#include <stdexcept>

#include "dynaq/cuda_runtime_checks.hpp"
#include "dynaq/cuda_statistics.hpp"

namespace dynaq {

std::vector<SampleSummary> summarize_columns_cuda(const double*, std::uint64_t, std::uint64_t, std::uint64_t) {
  throw std::runtime_error("no usable GPU: " + query_gpu().reason);
}

}  // namespace dynaq
