// What the host knows about CUDA at run time, callable from code built without nvcc: the GPU
// query and the error every GPU self-check throws. The lowest layer of the GPU side: the engines,
// the solver and the statistics each use it, and it uses none of them.
//
// "CUDA available" is a build property (DYNAQ_HAVE_CUDA: nvcc was found and the kernels were
// built). "GPU present" is a run-time property: any error from the device query means no GPU.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace dynaq {

struct GpuStatus {
  bool present = false;
  std::string reason;  // why not, when not present (for skipped tests and --backend errors)
  std::string name;    // e.g. "NVIDIA H100 80GB HBM3"
  int compute_major = 0;
  int compute_minor = 0;
  std::uint64_t memory_bytes = 0;
};

GpuStatus query_gpu();

// A GPU's self-check found a difference from the host: its results cannot be trusted on this
// machine (what() names the first difference). Thrown by the cuda engine, device value iteration
// and the device statistics.
class CudaSelfCheckError : public std::runtime_error {
 public:
  explicit CudaSelfCheckError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace dynaq
