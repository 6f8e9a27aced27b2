// The device properties that the GPU napkin math needs. Implemented by gpu_properties.cu (nvcc,
// CUDA runtime) in CUDA builds and by gpu_properties_none.cpp otherwise; host-only declarations,
// so that the rest of dynaq-bench never includes a CUDA header.
#pragma once

#include <cstdint>
#include <string>

namespace dynaq::bench {

struct GpuProperties {
  bool present = false;
  bool emulated = false;        // the cuda engine's host emulation (--engines cuda-emulated), no GPU
  std::string reason;           // why not, when not present
  std::string name;
  int compute_major = 0, compute_minor = 0;
  int sm_count = 0;
  double sm_clock_hz = 0;       // peak SM clock (cudaDevAttrClockRate)
  double memory_bandwidth = 0;  // bytes/s
  std::string bandwidth_source; // how memory_bandwidth was obtained
  std::uint64_t memory_bytes = 0;
  std::uint64_t l2_bytes = 0;
  int runtime_version = 0, driver_version = 0;
  int fp32_lanes_per_sm = 0;    // FP32 results per clock per SM
  int int32_lanes_per_sm = 0;   // 32-bit integer multiply-add / logic results per clock per SM
};
GpuProperties gpu_properties();
std::string cuda_build_version();  // e.g. "13.0"; empty without CUDA

}  // namespace dynaq::bench
