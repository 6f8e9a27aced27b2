// The CUDA agent kernels and the cuda engine's device (AgentDevice over the CUDA runtime).
//
// The kernels are thin: index, bounds, a call into agent_kernels.hpp (where the bodies live, as
// host/device functions that src/engines/cuda_emulation.cpp also runs on the host), and a count
// of unfinished agents. The host side (planning, chunks, results) is
// src/engines/cuda_engine_driver.cpp.
//
// Versions (CudaEngineOptions::kernel; every version is validated against the reference by
// tests/cuda_engine_test.cpp):
//   global  one thread per agent; its tables stay in global memory, agent-major. The layout is
//           AgentTablesView's: agent i's Q-table is one run of n_states * n_actions floats, so the
//           Q row of a state (4 floats in a maze) sits in one 32-byte sector and a max over it
//           costs one sector. An agent-interleaved layout would coalesce only accesses where a
//           warp's agents touch the same element, which stops after their first steps (agents
//           diverge), and would spread each row over n_actions sectors.
//   shared  one thread per agent; the block's agents' tables, and the environment's stepping
//           tables when they fit beside a warp of agents, are staged into shared memory at the
//           start of a launch and written back at its end (agent_kernels.hpp: three phases
//           between __syncthreads). Per-agent slices have an odd stride in words: lockstep
//           accesses of a warp hit 32 distinct banks.
//   auto    shared when a block's shared memory holds the tables of at least a warp of agents
//           (or of all of them, for fewer), else global.
//
// Napkin math, H100 SXM (132 SMs; 227 KiB of shared memory per block at most, 228 KiB per SM;
// 50 MB of L2; 3.35 TB/s of HBM3), Dyna maze (54 states x 4 actions = 216 pairs), Dyna-Q with the
// last-outcome model:
//   tables per agent  Q 864 B + model next 864 B + model reward 864 B + observed pairs 864 B
//                     + counters 72 B = 3528 B (AgentGroup::table_bytes_per_agent()).
//   one planning update touches about 5 sectors of 32 B (observed pair, model next and reward,
//   the Q row of the next state, Q of the pair) and a quarter of a Philox4x32-10 block: plain
//   Dyna-Q's updates 4k..4k+3 use the four words of block k (random.hpp), so the block's ~45
//   integer instructions (10 rounds of 2 multiplies, 2 XORs and the key schedule) cost ~11 per
//   update instead of ~45 when each update made its own block.
//   Expected gain of that layout: the straightforward path was counted at 153 SASS instructions
//   per update (benchmarks/report.cpp), so ~34 fewer is ~119, 1.3x on the issue bound; the shared
//   version is latency-bound, and the Philox chain (~10 dependent multiply rounds, ~90 cycles)
//   now overlaps four updates instead of preceding each, ~70 of its ~450 cycles per update: ~1.2x.
//   No gain where the global version is DRAM-bound (the bytes per update do not change).
// Model from the environment (CudaEngineOptions::model_from_environment, on by default): where
// every agent is plain Dyna-Q on one fixed phase with one outcome per pair (the Dyna maze, every
// maze without a schedule, deterministic toy-text), each model entry it records is its pair's
// outcome, so planning reads the environment's next state, reward and termination flag, shared by
// all agents (in L1, or staged in shared memory), instead of the agent's model tables, which
// still record every entry in global memory. Same bits; 8 fewer per-agent bytes per pair to hold
// close, and two fewer per-agent sectors per update.
//   global   100 000 agents hold 353 MB, far beyond L2: an update reads the observed pair, the Q
//            row of the next state and Q of the pair from HBM, about 3 sectors (96 B) with the
//            model from the environment (5, 160 B, from the model tables), so at most ~3.5e10
//            updates/s (~2e10). Below ~14 000 agents the tables fit L2 and the bound is L2's.
//            128 threads per block; ptxas: 96 registers, no stack, so at most 672 threads
//            (21 warps) per SM: latency is hidden by 21 warps, not by 64.
//   shared   per agent Q and observed pairs, 2 x 217 words (odd stride), + 72 B of counters =
//            1808 B (3544 B with the model tables, 4 x 217 words); the staged environment 4540 B
//            (thresholds 1728, pair_begin 868, next states 864, rewards 864, termination flags
//            216) and the schedule 712 B. (232448 - 4540 - 712) / 1808 = 125 agents per block
//            (64 with the model tables), one block per SM (ptxas: 96 registers, no stack): 4
//            warps per SM (2), so an update is latency-bound: about 100 dependent instructions
//            and 5 shared loads (~30 cycles each), ~450 cycles; 132 SMs x 125 agents x 1.755 GHz /
//            450 cycles ~ 6e10 updates/s (3e10 with 64 agents), if throughput grows with the
//            resident warps, and no dependence on how many agents run. Staging costs 2 x 1.8 KB
//            per agent per launch, against ~65 000 updates per agent per launch.
//   Both bounds are of the same order on paper; scripts/gpu_check.sh measures them, with and
//   without the model from the environment (CudaTiming.*).
// Larger mazes (random-maze:100x100:1 has 40 000 pairs: 640 KB of tables per agent) never fit
// shared memory and run the global version.
#include <cuda_runtime.h>

#include <string>
#include <stdexcept>

#include "cuda_check.cuh"
#include "dynaq/cuda_runtime_checks.hpp"
#include "dynaq/detail/agent_kernels.hpp"
#include "dynaq/detail/cuda_engine_driver.hpp"
#include "dynaq/messages.hpp"

namespace dynaq {

namespace {

constexpr unsigned kInitThreads = 128;

__global__ void init_agents_kernel(ChunkArgs chunk) { init_agent_thread(chunk, blockIdx.x * blockDim.x + threadIdx.x); }

__global__ void advance_global_kernel(AdvanceArgs args, std::uint32_t* unfinished) {
  if (advance_global_thread(args, blockIdx.x * blockDim.x + threadIdx.x) != 0) atomicAdd(unfinished, 1u);
}

__global__ void advance_shared_kernel(AdvanceArgs args, SharedLayout layout, std::uint32_t* unfinished) {
  extern __shared__ __align__(16) unsigned char smem[];
  std::uint32_t mine = 0;
  for (std::uint32_t phase = 0; phase < kSharedPhases; ++phase) {
    mine += shared_block_phase(phase, args, layout, smem, blockIdx.x, threadIdx.x, blockDim.x);
    __syncthreads();
  }
  if (mine != 0) atomicAdd(unfinished, 1u);
}

class CudaMemory final : public DeviceMemory {
 public:
  explicit CudaMemory(std::uint64_t bytes) : buffer_(bytes) {
    // Zeroed, so that staging copies of slots not yet used read initialized memory (initcheck).
    if (bytes > 0) DYNAQ_CUDA_TRY(cudaMemset(buffer_.data(), 0, bytes));
  }
  unsigned char* data() const override { return buffer_.data(); }

 private:
  DeviceBuffer<unsigned char> buffer_;
};

std::uint32_t max_threads_of(const void* kernel) {
  cudaFuncAttributes attributes{};
  DYNAQ_CUDA_TRY(cudaFuncGetAttributes(&attributes, kernel));
  return static_cast<std::uint32_t>(attributes.maxThreadsPerBlock);
}

// Launch errors show at once; errors while the kernel runs (an illegal address) show at the
// synchronization, here, rather than at some later copy.
#define DYNAQ_CUDA_LAUNCHED()                        \
  do {                                               \
    DYNAQ_CUDA_TRY(cudaGetLastError());              \
    DYNAQ_CUDA_TRY(cudaDeviceSynchronize());         \
  } while (0)

class CudaAgentDevice final : public AgentDevice {
 public:
  explicit CudaAgentDevice(GpuStatus gpu) : gpu_(std::move(gpu)) {}

  std::string describe() const override {
    return gpu_.name + " (sm_" + std::to_string(gpu_.compute_major) + std::to_string(gpu_.compute_minor) + ", " +
           format_bytes(gpu_.memory_bytes) + ")";
  }

  DeviceLimits limits() override {
    int device = 0, shared_optin = 0, multiprocessors = 0;
    std::size_t free_bytes = 0, total_bytes = 0;
    DYNAQ_CUDA_TRY(cudaGetDevice(&device));
    DYNAQ_CUDA_TRY(cudaMemGetInfo(&free_bytes, &total_bytes));
    DYNAQ_CUDA_TRY(cudaDeviceGetAttribute(&shared_optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
    DYNAQ_CUDA_TRY(cudaDeviceGetAttribute(&multiprocessors, cudaDevAttrMultiProcessorCount, device));
    DeviceLimits l;
    l.free_bytes = free_bytes;
    l.multiprocessors = static_cast<std::uint32_t>(multiprocessors);
    l.shared_bytes_per_block = static_cast<std::uint32_t>(shared_optin);
    l.max_threads_global = max_threads_of(reinterpret_cast<const void*>(advance_global_kernel));
    l.max_threads_shared = max_threads_of(reinterpret_cast<const void*>(advance_shared_kernel));
    return l;
  }

  std::unique_ptr<DeviceMemory> allocate(std::uint64_t bytes) override { return std::make_unique<CudaMemory>(bytes); }
  void upload(void* device, const void* host, std::uint64_t bytes) override {
    if (bytes > 0) DYNAQ_CUDA_TRY(cudaMemcpy(device, host, bytes, cudaMemcpyHostToDevice));
  }
  void download(void* host, const void* device, std::uint64_t bytes) override {
    if (bytes > 0) DYNAQ_CUDA_TRY(cudaMemcpy(host, device, bytes, cudaMemcpyDeviceToHost));
  }
  void zero(void* device, std::uint64_t bytes) override {
    if (bytes > 0) DYNAQ_CUDA_TRY(cudaMemset(device, 0, bytes));
  }

  void prepare(const KernelPlan& plan) override {
    const bool shared = plan.kernel == CudaKernel::kShared;
    const void* kernel = shared ? reinterpret_cast<const void*>(advance_shared_kernel)
                                : reinterpret_cast<const void*>(advance_global_kernel);
    const int shared_bytes = shared ? static_cast<int>(plan.shared.bytes) : 0;
    // Above 48 KiB of dynamic shared memory a kernel must opt in.
    if (shared)
      DYNAQ_CUDA_TRY(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, shared_bytes));
    int blocks = 0;
    DYNAQ_CUDA_TRY(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, kernel, static_cast<int>(plan.threads_per_block),
                                                                 static_cast<std::size_t>(shared_bytes)));
    if (blocks == 0)
      throw std::runtime_error("the " + cuda_kernel_name(plan.kernel) + " kernel cannot run " +
                               std::to_string(plan.threads_per_block) + " threads per block with " +
                               std::to_string(shared_bytes) + " bytes of shared memory on " + describe());
  }

  void init_agents(const ChunkArgs& chunk) override {
    init_agents_kernel<<<(chunk.n_agents + kInitThreads - 1) / kInitThreads, kInitThreads>>>(chunk);
    DYNAQ_CUDA_LAUNCHED();
  }

  void advance_agents(const AdvanceArgs& args, const KernelPlan& plan, std::uint32_t* unfinished) override {
    const unsigned blocks = plan.blocks(args.chunk.n_agents), threads = plan.threads_per_block;
    if (plan.kernel == CudaKernel::kShared)
      advance_shared_kernel<<<blocks, threads, plan.shared.bytes>>>(args, plan.shared, unfinished);
    else
      advance_global_kernel<<<blocks, threads>>>(args, unfinished);
    DYNAQ_CUDA_LAUNCHED();
  }

 private:
  GpuStatus gpu_;
};

}  // namespace

std::unique_ptr<Engine> make_cuda_engine(const CudaEngineOptions& options) {
  const GpuStatus gpu = query_gpu();
  if (!gpu.present) throw std::runtime_error("no usable GPU: " + gpu.reason);
  // A device this build has no code for fails here, not at the first launch.
  cudaFuncAttributes attributes{};
  const cudaError_t status = cudaFuncGetAttributes(&attributes, reinterpret_cast<const void*>(advance_global_kernel));
  if (status != cudaSuccess) {
    cudaGetLastError();  // clear it: the message below says what it means
    throw std::runtime_error("this build of dynaq has no CUDA kernels for " + gpu.name + " (compute capability " +
                             std::to_string(gpu.compute_major) + "." + std::to_string(gpu.compute_minor) +
                             "): rebuild with -DCMAKE_CUDA_ARCHITECTURES=" + std::to_string(gpu.compute_major) +
                             std::to_string(gpu.compute_minor) + " (" + cudaGetErrorString(status) + ")");
  }
  return make_device_engine(std::make_unique<CudaAgentDevice>(gpu), options, "cuda");
}

void run_group_on_gpu(const AgentGroup& group, GroupResults& results) {
  CudaEngineOptions options;
  options.kernel = CudaKernel::kGlobal;
  options.self_check = false;
  make_cuda_engine(options)->run(group, results, nullptr);
}

}  // namespace dynaq
