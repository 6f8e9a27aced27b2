// Device properties for the napkin math, from the CUDA runtime.
//
// CUDA 13 removed clockRate and memoryClockRate from cudaDeviceProp; the same figures remain
// available as device attributes (cudaDevAttrClockRate, cudaDevAttrMemoryClockRate, in kHz).
// When the memory clock is not reported, the bandwidth falls back to the published peak of the
// H100 and H200 models, and says so.
#include <cuda_runtime.h>

#include <string>

#include "dynaq/cuda_runtime_checks.hpp"
#include "gpu_properties.hpp"

namespace dynaq::bench {

namespace {

int attribute(cudaDeviceAttr which, int device) {
  int value = 0;
  if (cudaDeviceGetAttribute(&value, which, device) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return value;
}

// Results per clock per SM (CUDA C++ Programming Guide, "Arithmetic Instructions" table).
int fp32_lanes(int major, int minor) {
  if (major == 6 && minor == 0) return 64;
  if (major == 7 || (major == 8 && minor == 0)) return 64;
  return 128;
}
int int32_lanes(int major) { return major >= 7 ? 64 : 128; }

}  // namespace

std::string cuda_build_version() {
  return std::to_string(CUDART_VERSION / 1000) + "." + std::to_string(CUDART_VERSION % 1000 / 10);
}

GpuProperties gpu_properties() {
  GpuProperties p;
  // Whether there is a device, and what every part of dynaq says when there is none: query_gpu.
  const GpuStatus gpu = query_gpu();
  if (!gpu.present) {
    p.reason = gpu.reason;
    return p;
  }
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
    cudaGetLastError();
    p.reason = "the CUDA runtime could not describe device 0";
    return p;
  }
  p.present = true;
  p.name = gpu.name;
  p.compute_major = gpu.compute_major;
  p.compute_minor = gpu.compute_minor;
  p.memory_bytes = gpu.memory_bytes;
  p.sm_count = prop.multiProcessorCount;
  p.l2_bytes = static_cast<std::uint64_t>(prop.l2CacheSize);
  p.sm_clock_hz = 1e3 * attribute(cudaDevAttrClockRate, 0);
  const double memory_clock_hz = 1e3 * attribute(cudaDevAttrMemoryClockRate, 0);
  const int bus_bits = prop.memoryBusWidth > 0 ? prop.memoryBusWidth : attribute(cudaDevAttrGlobalMemoryBusWidth, 0);
  if (memory_clock_hz > 0 && bus_bits > 0) {
    // Double data rate: two transfers per clock.
    p.memory_bandwidth = 2.0 * memory_clock_hz * bus_bits / 8.0;
    p.bandwidth_source = "2 x memory clock x bus width (cudaDevAttrMemoryClockRate, memoryBusWidth)";
  } else {
    const std::string name = p.name;
    if (name.find("H200") != std::string::npos) p.memory_bandwidth = 4.8e12;
    else if (name.find("H100") != std::string::npos && name.find("PCIe") != std::string::npos) p.memory_bandwidth = 2.0e12;
    else if (name.find("H100") != std::string::npos) p.memory_bandwidth = 3.35e12;
    p.bandwidth_source = p.memory_bandwidth > 0 ? "published peak for this model (the runtime reports no memory clock)"
                                                : "unknown (the runtime reports no memory clock)";
  }
  cudaRuntimeGetVersion(&p.runtime_version);
  cudaDriverGetVersion(&p.driver_version);
  cudaGetLastError();
  p.fp32_lanes_per_sm = fp32_lanes(p.compute_major, p.compute_minor);
  p.int32_lanes_per_sm = int32_lanes(p.compute_major);
  return p;
}

}  // namespace dynaq::bench
