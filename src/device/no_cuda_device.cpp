// The GPU query in a build without nvcc: there is no GPU to use, and it says why.
#include "dynaq/cuda_runtime_checks.hpp"

namespace dynaq {

GpuStatus query_gpu() {
  GpuStatus status;
  status.reason = "this build of dynaq has no CUDA support (nvcc was not found when it was built)";
  return status;
}

}  // namespace dynaq
