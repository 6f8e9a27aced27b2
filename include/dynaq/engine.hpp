// Engines run groups of independent agents and hand back their metrics (and, on request, their
// final tables). Every engine computes the same bits for the same group (DESIGN.md section 3):
//   reference  plain, single-threaded, reads like the textbook: the oracle;
//   cpu        the shared per-agent core (agent_core.hpp) over all agents, with OpenMP;
//   cuda       the same core in CUDA kernels (when built with nvcc and a GPU is present).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dynaq/agent_params.hpp"
#include "dynaq/agent_tables.hpp"
#include "dynaq/environment.hpp"

namespace dynaq {

// Agents that share an environment: consecutive grid points of one environment, each with
// `seeds_per_point` agents. Local agent i belongs to point i / seeds_per_point and has the
// global index first_agent + i, which keys its random stream.
struct AgentGroup {
  const Environment* environment = nullptr;
  std::vector<AgentParams> points;
  std::uint32_t seeds_per_point = 0;
  std::uint32_t first_agent = 0;
  std::uint64_t sweep_seed = 0;
  RunBudget budget{};
  bool keep_tables = false;

  std::uint32_t n_agents() const { return static_cast<std::uint32_t>(points.size()) * seeds_per_point; }
  const AgentParams& params_of(std::uint32_t local_agent) const { return points[local_agent / seeds_per_point]; }

  // Whether some agent of the group reads the tables of this need (agent_tables.hpp): a batch
  // of the group carries them.
  bool needs(TableNeed need) const;
  std::uint32_t model_slots() const;  // 1, or the largest model_capacity of a counts model
  // Bytes of tables one agent needs while it runs (Q, model, lists, queue, counters).
  std::uint64_t table_bytes_per_agent() const;
  // Bytes agent_init writes for one agent (fresh tables, detail/fresh_tables.hpp): of the tables
  // counted above, those it writes whole (TableInit::kWhole, agent_tables.hpp), and the
  // counters, which it writes too and table_bytes_per_agent counts.
  std::uint64_t init_bytes_per_agent() const;

  // Checks what can only be checked against the environment, before anything runs: throws
  // InputError when prioritized sweeping is combined with a count-based model, or when a
  // counts model's capacity is below the number of distinct outcomes of some pair.
  void validate() const;
};

// The largest number of distinct outcomes (next state, reward, terminated) of any pair, over
// every phase of the environment, and one pair that has that many.
struct OutcomeNeed {
  std::uint32_t outcomes;
  std::uint32_t state;
  std::uint32_t action;
};
OutcomeNeed distinct_outcomes_needed(const Environment& environment);

// Per-agent results of a group, agent-major.
struct GroupResults {
  // One vector per metric of DYNAQ_AGENT_METRICS (agent_tables.hpp), [agent][episode or
  // bucket], empty when the budget does not record it.
#define DYNAQ_METRIC_VECTOR(name, type, recorded) std::vector<type> name;
  DYNAQ_AGENT_METRICS(DYNAQ_METRIC_VECTOR)
#undef DYNAQ_METRIC_VECTOR
  std::vector<std::uint64_t> total_steps;            // [agent] real steps taken
  std::vector<std::uint64_t> planning_updates;       // [agent] Q backups made by planning

  // Final tables, only when the group asked for them (keep_tables). observed_pairs lists each
  // agent's observed pairs in first-seen order, padded with kUnseen. Model tables have
  // group.model_slots() slots per pair; model_count is empty unless a counts model ran.
  std::vector<float> q;                              // [agent][pair]
  std::vector<std::uint32_t> model_next;             // [agent][pair][slot]
  std::vector<float> model_reward;                   // [agent][pair][slot]
  std::vector<std::uint32_t> model_count;            // [agent][pair][slot]
  std::vector<std::uint32_t> observed_pairs;         // [agent][pair]

  void allocate(const AgentGroup& group);
};

struct AgentRef;

// Copies one agent's final tables (host memory) into `results` at local index `local`.
void copy_final_tables(const AgentRef& agent, const AgentGroup& group, GroupResults& results, std::uint32_t local);
// Throws std::runtime_error when the agent stopped on an error (agent_core.hpp AgentError).
void check_agent(const AgentCounters& counters, const AgentGroup& group, std::uint32_t local);

// Called now and then from the thread that started the run, with agents finished so far.
using ProgressCallback = std::function<void(std::uint64_t agents_done)>;

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string name() const = 0;
  virtual std::string device() const = 0;  // e.g. the CPU model and thread count
  virtual void run(const AgentGroup& group, GroupResults& results,
                   const ProgressCallback& progress) = 0;
  // How many agents this engine would take in one run: a sweep hands it consecutive chunks
  // together, up to this many agents (0: one chunk at a time). A GPU needs far more agents than
  // a chunk holds to fill its multiprocessors; the cpu engine fills its cores from one chunk.
  virtual std::uint64_t preferred_group_agents() const { return 0; }
};

std::unique_ptr<Engine> make_reference_engine();

struct CpuEngineOptions {
  int threads = 0;                   // 0: all the cores OpenMP sees
  std::uint32_t batch_agents = 0;    // agents allocated at once; 0: as many as fit the budget
  std::uint64_t memory_budget = 0;   // bytes of tables per batch; 0: a default
  // Agents stepped together in SIMD lanes on one thread (cpu_lanes.hpp): 1 each agent alone (the
  // scalar path), 8 or 16 where built for AVX2 or AVX-512, 0 the widest this build has. The scalar
  // path is the default because it is the faster on the Zen 4 core measured (benchmarks/RESULTS.md,
  // 2026-12-06: gathers cost as much per element as scalar loads there).
  std::uint32_t lanes = 1;
};
// Throws std::invalid_argument for a lane width this build does not have.
std::unique_ptr<Engine> make_cpu_engine(const CpuEngineOptions& options);

// Which CUDA kernel version runs the agents (kernels/agent_kernels.cu describes each).
enum class CudaKernel : std::uint32_t {
  kAuto = 0,    // shared when a block holds at least a warp of agents in shared memory, else global
  kGlobal = 1,  // one thread per agent, tables in global memory
  kShared = 2,  // one thread per agent, the block's agents' tables (and the environment) staged in shared memory
};
CudaKernel parse_cuda_kernel(const std::string& name);  // "auto", "global", "shared"; else InputError
std::string cuda_kernel_name(CudaKernel kernel);

struct CudaEngineOptions {
  CudaKernel kernel = CudaKernel::kAuto;
  std::uint32_t agents_per_block = 0;   // shared kernel: 0 = as many as spread the agents over the GPU and fit
  std::uint32_t threads_per_block = 0;  // global kernel: 0 = 128
  std::uint32_t max_chunk_agents = 0;   // agents on the device at once; 0 = as many as fit device memory
  std::uint64_t steps_per_launch = 0;   // real steps per agent per launch; 0 = about 65536 Q backups
  double memory_fraction = 0.9;         // of the device's free memory that one run may take
  // Where a group's model is bound to equal its environment (plain Dyna-Q on one fixed phase with
  // one outcome per pair), plan from the environment's tables, shared by all agents, rather than
  // each agent's model tables (the shared kernel then stages neither model table, and fits about
  // twice the agents per block): the same bits. false reads the model tables, to measure the gain.
  bool model_from_environment = true;
  // Before each group: run its grid points (one agent each, a short budget) on both the GPU and the
  // cpu engine and throw CudaSelfCheckError on any difference in any bit.
  bool self_check = true;
};
// Throws std::runtime_error, saying why, when no usable GPU is present (no device, driver too old,
// a build without CUDA, a device this build has no kernels for).
std::unique_ptr<Engine> make_cuda_engine(const CudaEngineOptions& options);

// Runs a group on the GPU with the cuda engine's straightforward kernel version (global: one
// thread per agent, tables in global memory), without its self-check, and returns what the cpu
// engine would. Throws std::runtime_error (with file and line) on any CUDA error, or when there
// is no GPU. make_cuda_engine is the engine with every option.
void run_group_on_gpu(const AgentGroup& group, GroupResults& results);

// Called with a sentence for the user (a warning), from the thread that started the run.
using EngineWarning = std::function<void(const std::string&)>;

// Runs every group on `primary` until a group fails there with anything but an InputError (a
// CUDA error, device memory, a failed self-check), then runs that group and every later one on
// `fallback`, after one `warn` saying what failed. Both engines must give the same bits, so the
// results do not show which ran; name() and device() do: the primary's until it fails, then the
// fallback's, with the failure, which is what summary.json records. `dynaq run --backend auto`
// is the cuda engine falling back to the cpu engine.
std::unique_ptr<Engine> make_fallback_engine(std::unique_ptr<Engine> primary, std::unique_ptr<Engine> fallback,
                                             EngineWarning warn);

// The schedule as kernels see it. Throws InputError past kMaxPhases phases.
ScheduleView schedule_view(const Environment& environment);

}  // namespace dynaq
