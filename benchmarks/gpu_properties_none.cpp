// Device properties in a build without nvcc: there is no GPU to describe.
#include "gpu_properties.hpp"

namespace dynaq::bench {

std::string cuda_build_version() { return ""; }

GpuProperties gpu_properties() {
  GpuProperties p;
  p.reason = "this build has no CUDA support (nvcc was not found when it was built)";
  return p;
}

}  // namespace dynaq::bench
