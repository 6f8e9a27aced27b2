// The CUDA entry points in a build without nvcc: no GPU can be used, and they say why.
#include <stdexcept>

#include "dynaq/cuda_runtime_checks.hpp"
#include "dynaq/cuda_statistics.hpp"
#include "dynaq/cuda_value_iteration.hpp"
#include "dynaq/engine.hpp"

namespace dynaq {

GpuStatus query_gpu() {
  GpuStatus status;
  status.reason = "this build of dynaq has no CUDA support (nvcc was not found when it was built)";
  return status;
}

void run_group_on_gpu(const AgentGroup&, GroupResults&) { throw std::runtime_error(query_gpu().reason); }

std::unique_ptr<Engine> make_cuda_engine(const CudaEngineOptions&) {
  throw std::runtime_error("no usable GPU: " + query_gpu().reason);
}

ValueIterationResult value_iteration_cuda(const TabularMdp&, const ValueIterationOptions&,
                                          const CudaValueIterationOptions&) {
  throw std::runtime_error("no usable GPU: " + query_gpu().reason);
}

std::vector<SampleSummary> summarize_columns_cuda(const double*, std::uint64_t, std::uint64_t, std::uint64_t) {
  throw std::runtime_error("no usable GPU: " + query_gpu().reason);
}

}  // namespace dynaq
