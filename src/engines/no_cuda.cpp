// The CUDA entry points in a build without nvcc: no GPU can be used, and they say why.
#include <stdexcept>

#include "dynaq/cuda_runtime_checks.hpp"

namespace dynaq {

GpuStatus query_gpu() {
  GpuStatus status;
  status.reason = "this build of dynaq has no CUDA support (nvcc was not found when it was built)";
  return status;
}

void run_group_on_gpu(const AgentGroup&, GroupResults&) { throw std::runtime_error(query_gpu().reason); }

}  // namespace dynaq
