// The run-time GPU query: any error from the CUDA runtime means "no GPU".
#include <cuda_runtime.h>

#include "dynaq/cuda_runtime_checks.hpp"

namespace dynaq {

GpuStatus query_gpu() {
  GpuStatus status;
  int count = 0;
  const cudaError_t error = cudaGetDeviceCount(&count);
  if (error != cudaSuccess) {
    status.reason = std::string("the CUDA runtime reports no usable GPU (") + cudaGetErrorString(error) + ")";
    cudaGetLastError();  // clear the sticky error so later queries start clean
    return status;
  }
  if (count == 0) {
    status.reason = "no CUDA device is present";
    return status;
  }
  cudaDeviceProp properties{};
  if (cudaGetDeviceProperties(&properties, 0) != cudaSuccess) {
    status.reason = "the CUDA runtime could not describe device 0";
    return status;
  }
  status.present = true;
  status.name = properties.name;
  status.compute_major = properties.major;
  status.compute_minor = properties.minor;
  status.memory_bytes = properties.totalGlobalMem;
  return status;
}

}  // namespace dynaq
