// What the host knows about CUDA at run time, callable from code built without nvcc.
//
// "CUDA available" is a build property (DYNAQ_HAVE_CUDA: nvcc was found and the kernels were
// built). "GPU present" is a run-time property: any error from the device query means no GPU.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dynaq/engine.hpp"

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

// Runs a group on the GPU with the cuda engine's straightforward kernel version (global: one
// thread per agent, tables in global memory), without its self-check, and returns what the cpu
// engine would. Throws std::runtime_error (with file and line) on any CUDA error, or when there
// is no GPU. make_cuda_engine (engine.hpp) is the engine with every option.
void run_group_on_gpu(const AgentGroup& group, GroupResults& results);

}  // namespace dynaq
