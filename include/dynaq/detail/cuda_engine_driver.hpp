// The host half of the cuda engine, written once for the real GPU and for its host emulation.
//
// The driver (run_agents_on_device) plans a group (which kernel version, agents per block, how
// many agents fit device memory at once), lays every table of a chunk of agents out in one
// device allocation (the arena), launches the kernels a bounded number of steps at a time, and
// gathers the results into GroupResults exactly as the cpu engine does. It talks to the device
// through AgentDevice: kernels/agent_kernels.cu implements it with CUDA, and
// src/engines/cuda_emulation.cpp implements it on the host, running the kernel bodies of
// agent_kernels.hpp block by block and phase by phase. Everything here but the CUDA calls is
// therefore tested without a GPU.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "dynaq/detail/agent_kernels.hpp"
#include "dynaq/engine.hpp"

namespace dynaq {

// What a device offers one run.
struct DeviceLimits {
  std::uint64_t free_bytes = 0;              // free device memory now
  std::uint32_t multiprocessors = 1;
  std::uint32_t shared_bytes_per_block = 0;  // the opt-in maximum of dynamic shared memory per block
  std::uint32_t max_threads_global = 1024;   // per block, as the global kernel's registers allow
  std::uint32_t max_threads_shared = 1024;   // per block, as the shared kernel's registers allow
};

// An H100's or H200's limits (sm_90: 132 multiprocessors, 227 KiB of opt-in shared memory and
// 1024 threads per block, before registers lower the threads) with `free_bytes` of memory free:
// the device that the host emulation stands in for.
inline DeviceLimits hopper_limits(std::uint64_t free_bytes) {
  DeviceLimits l;
  l.free_bytes = free_bytes;
  l.multiprocessors = 132;
  l.shared_bytes_per_block = 232448;
  return l;
}

// A device allocation holding tables at byte offsets. kNoOffset: a table the group does not use.
constexpr std::uint64_t kNoOffset = ~std::uint64_t{0};

// Every table, counter and metric of `agents` agents in one allocation, each array aligned to
// 256 bytes (a whole number of 32-byte sectors), tables agent-major as AgentTablesView expects.
struct ArenaLayout {
  std::uint32_t agents = 0;
  std::uint32_t n_states = 0, n_actions = 0, model_slots = 1;
  std::uint64_t table[kTableCount];    // by table_id
  std::uint64_t counters = 0;
  std::uint64_t metric[kMetricCount];  // by metric_id
  std::uint64_t metrics_per_agent = 0;  // episodes or buckets
  std::uint64_t unfinished = 0;         // one uint32: agents not finished after a launch
  std::uint64_t bytes = 0;

  AgentTablesView tables(unsigned char* base) const;
  DeviceMetrics metrics(unsigned char* base) const;
  std::uint32_t* unfinished_counter(unsigned char* base) const {
    return reinterpret_cast<std::uint32_t*>(base + unfinished);
  }
};
ArenaLayout arena_layout(const AgentGroup& group, std::uint32_t agents);
// Bytes of metrics one agent writes (episodes or buckets).
std::uint64_t metric_bytes_per_agent(const RunBudget& budget);
// An upper bound of what arena_layout adds to agents * per-agent bytes (alignment padding).
constexpr std::uint64_t kArenaOverheadBytes = 256 * (kTableCount + kMetricCount + 2);

// Every phase's tables of an environment in one allocation.
struct EnvironmentLayout {
  struct Phase {
    std::uint64_t pair_begin, next_state, reward, terminated, probability, outcome_threshold, start_state,
        start_threshold;
  };
  std::uint32_t n_phases = 0;
  Phase phase[kMaxPhases];
  std::uint64_t bytes = 0;
};
EnvironmentLayout environment_layout(const Environment& environment);

// Whether every agent of the group plans from a last-outcome model that is bound to equal its
// environment's own tables: plain Dyna-Q (plans_plain_dyna_q) on an environment of one phase (no
// schedule: nothing changes during the run) whose every pair has a single outcome. Every entry
// such an agent records is the outcome of its pair (transition_for), so planning may read the
// environment's tables, which all agents share, instead of its own: the same entries, the same
// bits (AgentRef::model_is_environment).
bool model_is_environment(const AgentGroup& group);

// The layout of one block's shared memory with `agents_per_block` agents, the environment staged
// or not; with `model_from_environment` the model tables are left in global memory.
SharedLayout shared_layout(const AgentGroup& group, std::uint32_t agents_per_block, bool stage_environment,
                           bool model_from_environment = false);

// What a group runs with on a device.
struct KernelPlan {
  CudaKernel kernel = CudaKernel::kGlobal;  // global or shared, never auto
  std::string why;                          // how auto chose, or the option that forced it
  std::uint32_t threads_per_block = 128;
  std::uint32_t agents_per_block = 128;     // global: one per thread
  SharedLayout shared{};                    // shared only
  bool model_from_environment = false;      // planning reads the environment (model_is_environment)
  std::uint32_t chunk_agents = 0;           // agents on the device at once
  std::uint64_t steps_per_launch = 1;
  ArenaLayout arena;                        // for chunk_agents agents
  EnvironmentLayout environment;
  std::uint64_t device_bytes = 0;           // arena + environment + grid points

  std::uint32_t blocks(std::uint32_t agents) const { return (agents + agents_per_block - 1) / agents_per_block; }
};

// Plans a group with at least one agent. Throws InputError when an option asks for what cannot
// be (the shared kernel, or that many agents per block, when they do not fit), and
// std::runtime_error when not even one agent fits the device's free memory.
KernelPlan plan_kernels(const AgentGroup& group, const CudaEngineOptions& options, const DeviceLimits& limits);

// ---- The device, as the driver sees it --------------------------------------------------------

class DeviceMemory {
 public:
  virtual ~DeviceMemory() = default;
  virtual unsigned char* data() const = 0;
};

// Every method throws std::runtime_error, with the file and line of the failing call, on a device
// error.
class AgentDevice {
 public:
  virtual ~AgentDevice() = default;
  virtual std::string describe() const = 0;  // e.g. "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)"
  virtual DeviceLimits limits() = 0;
  virtual std::unique_ptr<DeviceMemory> allocate(std::uint64_t bytes) = 0;
  virtual void upload(void* device, const void* host, std::uint64_t bytes) = 0;
  virtual void download(void* host, const void* device, std::uint64_t bytes) = 0;
  virtual void zero(void* device, std::uint64_t bytes) = 0;
  // Readies the kernels for `plan` (e.g. opts in to its shared memory) and checks that they can
  // launch with it.
  virtual void prepare(const KernelPlan& plan) = 0;
  virtual void init_agents(const ChunkArgs& chunk) = 0;
  // One launch: every agent of the chunk advances by at most args.steps real steps; the number of
  // unfinished agents is written to `unfinished` (device memory, zeroed by the driver).
  virtual void advance_agents(const AdvanceArgs& args, const KernelPlan& plan, std::uint32_t* unfinished) = 0;
};

// Runs a group on a device, as Engine::run does: validates it, plans, splits it into chunks that
// fit, and fills `results` only when every agent has finished without error (on any exception
// `results` is left as it was).
void run_agents_on_device(AgentDevice& device, const AgentGroup& group, const CudaEngineOptions& options,
                          GroupResults& results, const ProgressCallback& progress);

// An Engine over a device ("cuda" for the GPU, "cuda-emulated" for the host emulation), with the
// self-check of CudaEngineOptions.
std::unique_ptr<Engine> make_device_engine(std::unique_ptr<AgentDevice> device, const CudaEngineOptions& options,
                                           std::string name);

// The first difference between two results of the same group, or "" when every bit agrees.
std::string first_difference(const GroupResults& expected, const GroupResults& actual);

// The cuda engine's device on the host: host memory as device memory, and each launch run block
// by block, each phase of a block thread by thread, calling the kernel bodies of
// agent_kernels.hpp. `limits` plays the device (free memory, shared memory, multiprocessors).
// Device memory and each block's shared memory start filled with a garbage pattern, so that a
// result depending on memory never written shows.
struct EmulationOptions {
  DeviceLimits limits;
  bool reverse_threads = true;  // run a phase's threads last to first: no phase may rely on thread order
  // Tests only: alters the shared layout a launch receives, to show that the tests catch a wrong
  // stride or offset.
  std::function<void(SharedLayout&)> tamper_shared_layout;
};
std::unique_ptr<AgentDevice> make_emulated_device(const EmulationOptions& options);

}  // namespace dynaq
