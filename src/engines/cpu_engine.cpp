// The cpu engine: the shared per-agent core (agent_core.hpp) over all agents with OpenMP.
//
// Agents run in batches whose tables are laid out exactly as the CUDA engine holds them on the
// device (agent-major tables, AgentTablesView). Within a batch each agent runs its whole budget
// on one thread through advance_agent; or, when the options ask for lanes (CpuEngineOptions),
// consecutive agents form lane groups (cpu_lanes.hpp: 16 agents with AVX-512, 8 with AVX2) that
// run their budgets in lockstep on one thread, their plain Dyna-Q planning in SIMD lanes. Agents
// never share data, so the thread count, the schedule, the batch size and the lane width cannot
// change a bit of the result.
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "dynaq/detail/agent_core.hpp"
#include "dynaq/detail/cpu_engine_evidence.hpp"
#include "dynaq/detail/cpu_lanes.hpp"
#include "dynaq/engine.hpp"

namespace dynaq {
namespace {

constexpr std::uint64_t kDefaultBatchBytes = std::uint64_t{1} << 30;  // 1 GiB of tables

std::string cpu_model_name() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown CPU";
}

// Host memory for a table, left uninitialized: agent_init writes every entry an agent reads,
// from the thread that runs the agent, so the pages are first touched in parallel (the CUDA
// emulation runs the same code on garbage-filled memory and matches the reference). It only
// grows, so an engine running chunk after chunk pays for its page faults once, and a later agent
// in the same place needs only the previous agent's changes undone (agent_reset).
template <typename T>
class TableBuffer {
 public:
  // Whether the memory is new (its old contents are then gone).
  bool reserve(std::uint64_t length) {
    if (length <= capacity_) return false;
    data_.reset();  // give the old pages back before taking new ones
    data_.reset(new T[length]);  // default-initialised: trivial types stay untouched
    capacity_ = length;
    return true;
  }
  T* data() const { return data_.get(); }

 private:
  std::unique_ptr<T[]> data_;
  std::uint64_t capacity_ = 0;
};

// How a batch's agents lie in the buffers: the environment shape and model slots place each
// agent's slice, and the tables carried say which slices exist at all.
struct BatchLayout {
  std::uint32_t n_states = 0, n_actions = 0, model_slots = 0;
  std::uint32_t carried_tables = 0;  // bit table_id::<name> set when that table is carried

  bool operator==(const BatchLayout& other) const {
    return n_states == other.n_states && n_actions == other.n_actions && model_slots == other.model_slots &&
           carried_tables == other.carried_tables;
  }
};

std::uint32_t float_bits(float value) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

// One batch's tables, one buffer per table of DYNAQ_AGENT_TABLES, reused from batch to batch
// and from run to run, with the agents that ran in them last. Those agent_reset can undo instead
// of agent_init writing every entry anew, but only under the same layout: a table the previous
// batch did not carry holds nothing agent_init wrote, one it carried but the new batch does not
// would be left out of the reset and then be stale, and another shape moves every slice.
struct BatchTables {
#define DYNAQ_TABLE_BUFFER(name, type, per, need, init) TableBuffer<type> name;
  DYNAQ_AGENT_TABLES(DYNAQ_TABLE_BUFFER)
#undef DYNAQ_TABLE_BUFFER
  TableBuffer<AgentCounters> counters;
  BatchLayout layout;                          // of the batch allocated last
  std::vector<std::uint32_t> occupant_q_init;  // by place: the q_init bits of the agent that ran there, under `layout`

  AgentTablesView allocate(std::uint32_t agents, const AgentGroup& group) {
    AgentTablesView view{};
    view.n_states = group.environment->n_states();
    view.n_actions = group.environment->n_actions();
    view.model_slots = group.model_slots();
    const TableLengths lengths = view.lengths();
    bool memory_renewed = false;
    BatchLayout allocated{view.n_states, view.n_actions, view.model_slots, 0};
    for_each_table(view, *this, [&](std::uint32_t id, TablePer per, TableNeed need, auto*& table, auto& buffer) {
      table = nullptr;
      if (!group.needs(need)) return;
      memory_renewed |= buffer.reserve(agents * lengths.of(per));
      table = buffer.data();
      allocated.carried_tables |= 1u << id;
    });
    memory_renewed |= counters.reserve(agents);
    view.counters = counters.data();
    // Renewed memory holds no agent, and under another layout the old agents cannot be found
    // (record() keeps the places of each batch once it has run).
    if (memory_renewed || !(allocated == layout)) occupant_q_init.clear();
    layout = allocated;
    return view;
  }

  // Makes fresh tables for a new agent in place `slot`: agent_reset when an agent of this batch's
  // layout ran there last, agent_init otherwise. Returns whether it was the reset.
  bool prepare(const AgentRef& agent, const AgentTablesView& view, std::uint32_t slot, float q_init) const {
    if (slot >= occupant_q_init.size()) {
      agent_init(agent, view.n_states, view.n_actions, q_init);
      return false;
    }
    agent_reset(agent, view.n_states, view.n_actions, q_init, occupant_q_init[slot] == float_bits(q_init));
    return true;
  }

  // After a batch of `count` agents has run: its places hold them.
  void record(const AgentGroup& group, std::uint32_t first, std::uint32_t count) {
    occupant_q_init.resize(count);
    for (std::uint32_t k = 0; k < count; ++k) occupant_q_init[k] = float_bits(group.params_of(first + k).q_init);
  }
};

class CpuEngine final : public Engine {
 public:
  explicit CpuEngine(const CpuEngineOptions& options) : options_(options) {
    threads_ = options.threads > 0 ? options.threads : omp_get_max_threads();
    lanes_ = options.lanes > 0 ? options.lanes : kWidestLanes;
    if (!lane_width_supported(lanes_))
      throw std::invalid_argument("cpu engine: lane groups of " + std::to_string(lanes_) +
                                  " agents are not built here (1, or up to " + std::to_string(kWidestLanes) + ")");
  }

  std::string name() const override { return "cpu"; }
  // Results record this (summary.json): the default scalar path keeps the words it always had.
  std::string device() const override {
    const std::string lanes = lanes_ == 1 ? "" : ", " + std::to_string(lanes_) + " SIMD lanes";
    return cpu_model_name() + ", " + std::to_string(threads_) + " thread" + (threads_ == 1 ? "" : "s") + lanes;
  }

  std::uint64_t lane_planned_updates() const { return lane_planned_updates_; }
  std::uint64_t sparse_resets() const { return sparse_resets_; }

  void run(const AgentGroup& group, GroupResults& results, const ProgressCallback& progress) override {
    group.validate();
    results.allocate(group);
    const ScheduleView schedule = schedule_view(*group.environment);
    const RunBudget budget = group.budget;
    const std::uint32_t batch = batch_size(group);
    std::atomic<std::uint64_t> agents_done{0};
    BatchTables& tables = tables_;

    for (std::uint32_t first = 0; first < group.n_agents(); first += batch) {
      const std::uint32_t count = std::min(batch, group.n_agents() - first);
      const AgentTablesView view = tables.allocate(count, group);
      const std::uint32_t lanes = lanes_;
      const std::int64_t lane_groups = (count + lanes - 1) / lanes;
      std::uint64_t lane_planned = 0, resets = 0;
#pragma omp parallel for num_threads(threads_) schedule(dynamic, 1) reduction(+ : lane_planned, resets)
      for (std::int64_t g = 0; g < lane_groups; ++g) {
        const std::uint32_t first_in_batch = static_cast<std::uint32_t>(g) * lanes;
        const std::uint32_t members = std::min(lanes, count - first_in_batch);
        LaneAgent agents[kWidestLanes];
        for (std::uint32_t m = 0; m < members; ++m) {
          const std::uint32_t local = first + first_in_batch + m;
          const AgentRef agent = view.agent(first_in_batch + m);
          const AgentParams& params = group.params_of(local);
          resets += tables.prepare(agent, view, first_in_batch + m, params.q_init) ? 1 : 0;
          agents[m] = LaneAgent{agent, &params, AgentRandom::make(group.sweep_seed, group.first_agent + local),
                                metrics_of(results, budget, local)};
        }
        if (lanes == 1)
          advance_agent(agents[0].agent, schedule, *agents[0].params, agents[0].rng, budget, agents[0].metrics,
                        ~std::uint64_t{0});
        else
          lane_planned += run_lane_group(agents, members, lanes, schedule, budget);
        for (std::uint32_t m = 0; m < members; ++m) {
          const std::uint32_t local = first + first_in_batch + m;
          const AgentRef& agent = agents[m].agent;
          results.total_steps[local] = agent.counters->t;
          results.planning_updates[local] = agent.counters->planning_updates;
          if (group.keep_tables) copy_final_tables(agent, group, results, local);
        }
        agents_done.fetch_add(members, std::memory_order_relaxed);
        if (progress && omp_get_thread_num() == 0) progress(agents_done.load(std::memory_order_relaxed));
      }
      lane_planned_updates_ += lane_planned;
      sparse_resets_ += resets;
      tables.record(group, first, count);
      for (std::uint32_t k = 0; k < count; ++k) check_agent(view.counters[k], group, first + k);
    }
    if (progress) progress(group.n_agents());
  }

 private:
  std::uint32_t batch_size(const AgentGroup& group) const {
    if (options_.batch_agents > 0) return options_.batch_agents;
    const std::uint64_t budget_bytes = options_.memory_budget > 0 ? options_.memory_budget : kDefaultBatchBytes;
    const std::uint64_t fit = std::max<std::uint64_t>(1, budget_bytes / group.table_bytes_per_agent());
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(fit, group.n_agents()));
  }

  static AgentMetricsRef metrics_of(GroupResults& results, const RunBudget& budget, std::uint32_t agent) {
    const std::uint64_t at = std::uint64_t{agent} * metric_entries_per_agent(budget);
    AgentMetricsRef r{};
    for_each_metric(r, results, [&](std::uint32_t, MetricRecorded recorded, auto*& mine, auto& all) {
      mine = metric_recorded(budget, recorded) ? all.data() + at : nullptr;
    });
    return r;
  }

  CpuEngineOptions options_;
  int threads_;
  std::uint32_t lanes_;                      // agents per lane group; 1: each agent alone
  std::uint64_t lane_planned_updates_ = 0;  // over every run so far
  std::uint64_t sparse_resets_ = 0;         // agents given tables by agent_reset, over every run so far
  BatchTables tables_;
};

}  // namespace

std::unique_ptr<Engine> make_cpu_engine(const CpuEngineOptions& options) {
  return std::make_unique<CpuEngine>(options);
}

std::uint64_t cpu_lane_planned_updates(const Engine& engine) {
  const auto* cpu = dynamic_cast<const CpuEngine*>(&engine);
  return cpu != nullptr ? cpu->lane_planned_updates() : 0;
}

std::uint64_t cpu_sparse_resets(const Engine& engine) {
  const auto* cpu = dynamic_cast<const CpuEngine*>(&engine);
  return cpu != nullptr ? cpu->sparse_resets() : 0;
}

}  // namespace dynaq
