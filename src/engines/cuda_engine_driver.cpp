// The host half of the cuda engine: planning, the device arena, the launch loop, gathering the
// results, and the self-check (cuda_engine_driver.hpp). Built in every configuration, with or
// without nvcc, so that the host emulation tests all of it.
#include "dynaq/detail/cuda_engine_driver.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "dynaq/cuda_runtime_checks.hpp"
#include "dynaq/detail/agent_core.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/format.hpp"
#include "dynaq/messages.hpp"
#include "dynaq/same_bits.hpp"

namespace dynaq {

namespace {

constexpr std::uint64_t kArenaAlignment = 256;  // a whole number of 32-byte sectors per array
constexpr std::uint32_t kWarp = 32;
constexpr std::uint32_t kDefaultThreadsPerBlock = 128;
// Q backups (direct and planning) per agent per launch when the steps per launch are not given:
// a few milliseconds of work for a thread, so that no launch runs long (display watchdogs, and a
// progress report every launch) while launches stay long next to their start-up cost.
constexpr std::uint64_t kBackupsPerLaunch = 1u << 16;
// The self-check runs at most this many grid points, one agent each, for a short budget.
constexpr std::size_t kSelfCheckPoints = 64;
constexpr std::uint32_t kSelfCheckEpisodes = 2;
constexpr std::uint32_t kSelfCheckEpisodeSteps = 500;
constexpr std::uint64_t kSelfCheckSteps = 2000;

std::uint64_t align_up(std::uint64_t x, std::uint64_t alignment) { return (x + alignment - 1) / alignment * alignment; }

TableLengths lengths_of(const AgentGroup& group) {
  return table_lengths(group.environment->n_states(), group.environment->n_actions(), group.model_slots());
}

template <typename T>
T* at_offset(unsigned char* base, std::uint64_t offset) {
  return offset == kNoOffset ? nullptr : reinterpret_cast<T*>(base + offset);
}

}  // namespace

CudaKernel parse_cuda_kernel(const std::string& name) {
  if (name == "auto") return CudaKernel::kAuto;
  if (name == "global") return CudaKernel::kGlobal;
  if (name == "shared") return CudaKernel::kShared;
  throw InputError("CUDA kernel '" + name + "' is not one of: auto, global, shared");
}

std::string cuda_kernel_name(CudaKernel kernel) {
  switch (kernel) {
    case CudaKernel::kGlobal: return "global";
    case CudaKernel::kShared: return "shared";
    default: return "auto";
  }
}

// ---- Layouts ----------------------------------------------------------------------------------

std::uint64_t metric_bytes_per_agent(const RunBudget& budget) {
  std::uint64_t bytes = 0;
  for (std::uint32_t id = 0; id < kMetricCount; ++id)
    if (metric_recorded(budget, metric_recorded_when(id))) bytes += metric_element_bytes(id);
  return metric_entries_per_agent(budget) * bytes;
}

ArenaLayout arena_layout(const AgentGroup& group, std::uint32_t agents) {
  ArenaLayout l;
  l.agents = agents;
  l.n_states = group.environment->n_states();
  l.n_actions = group.environment->n_actions();
  l.model_slots = group.model_slots();
  std::uint64_t at = 0;
  const auto place = [&](std::uint64_t bytes) {
    const std::uint64_t offset = at;
    at = align_up(at + bytes, kArenaAlignment);
    return offset;
  };
  const TableLengths lengths = lengths_of(group);
  for (std::uint32_t id = 0; id < kTableCount; ++id)
    l.table[id] = group.needs(table_need(id)) ? place(agents * lengths.of(table_per(id)) * table_element_bytes(id))
                                              : kNoOffset;
  l.counters = place(std::uint64_t{agents} * sizeof(AgentCounters));
  l.metrics_per_agent = metric_entries_per_agent(group.budget);
  for (std::uint32_t id = 0; id < kMetricCount; ++id)
    l.metric[id] = metric_recorded(group.budget, metric_recorded_when(id))
                       ? place(agents * l.metrics_per_agent * metric_element_bytes(id))
                       : kNoOffset;
  l.unfinished = place(sizeof(std::uint32_t));
  l.bytes = at;
  return l;
}

AgentTablesView ArenaLayout::tables(unsigned char* base) const {
  AgentTablesView v{};
  v.n_states = n_states;
  v.n_actions = n_actions;
  v.model_slots = model_slots;
  for_each_table(v, v, [&](std::uint32_t id, TablePer, TableNeed, auto*& field, auto*&) {
    field = at_offset<std::remove_pointer_t<std::remove_reference_t<decltype(field)>>>(base, table[id]);
  });
  v.counters = reinterpret_cast<AgentCounters*>(base + counters);
  return v;
}

DeviceMetrics ArenaLayout::metrics(unsigned char* base) const {
  DeviceMetrics m{};
  for_each_metric(m, m, [&](std::uint32_t id, MetricRecorded, auto*& field, auto*&) {
    field = at_offset<std::remove_pointer_t<std::remove_reference_t<decltype(field)>>>(base, metric[id]);
  });
  m.per_agent = metrics_per_agent;
  return m;
}

EnvironmentLayout environment_layout(const Environment& environment) {
  EnvironmentLayout l;
  l.n_phases = static_cast<std::uint32_t>(std::min<std::size_t>(environment.phases.size(), kMaxPhases));
  std::uint64_t at = 0;
  const auto place = [&](std::uint64_t bytes) {
    const std::uint64_t offset = at;
    at = align_up(at + bytes, kArenaAlignment);
    return offset;
  };
  for (std::uint32_t p = 0; p < l.n_phases; ++p) {
    const TabularMdp& m = *environment.phases[p].mdp;
    const std::uint64_t outcomes = m.next_state.size(), starts = m.start_state.size();
    l.phase[p] = EnvironmentLayout::Phase{place(m.pair_begin.size() * 4), place(outcomes * 4), place(outcomes * 4),
                                          place(outcomes),                 place(outcomes * 8), place(outcomes * 8),
                                          place(starts * 4),               place(starts * 8)};
  }
  l.bytes = std::max<std::uint64_t>(at, kArenaAlignment);
  return l;
}

bool model_is_environment(const AgentGroup& group) {
  const Environment& env = *group.environment;
  if (env.phases.size() != 1 || group.model_slots() != 1) return false;
  const TabularMdp& mdp = *env.phases.front().mdp;
  for (std::size_t pair = 0; pair < mdp.pair_begin.size(); ++pair)  // one outcome per pair: outcome p is pair p's
    if (mdp.pair_begin[pair] != pair) return false;
  return std::all_of(group.points.begin(), group.points.end(),
                     [](const AgentParams& p) { return plans_plain_dyna_q(p); });
}

SharedLayout shared_layout(const AgentGroup& group, std::uint32_t agents_per_block, bool stage_environment,
                           bool model_from_environment) {
  SharedLayout l{};
  l.agents_per_block = agents_per_block;
  const TableLengths lengths = lengths_of(group);
  const auto padded = [](std::uint64_t length) {  // (too long to fit anyway past 2^32 words)
    return odd_stride(static_cast<std::uint32_t>(std::min<std::uint64_t>(length, 0xFFFFFFFEu)));
  };
  l.strides = TableStrides{padded(lengths.pairs), padded(lengths.slots), padded(lengths.states)};
  std::uint64_t at = 0;
  const auto place = [&](std::uint64_t bytes, std::uint64_t alignment) {
    at = align_up(at, alignment);
    const std::uint64_t offset = at;
    at += bytes;
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(offset, 0xFFFFFFFFu));
  };
  const Environment& env = *group.environment;
  l.stage_environment = stage_environment ? 1u : 0u;
  l.n_phases = static_cast<std::uint32_t>(std::min<std::size_t>(env.phases.size(), kMaxPhases));
  for (std::uint32_t p = 0; p < l.n_phases; ++p)
    l.phase[p] = SharedPhaseLayout{env.phases[p].mdp->n_outcomes(), kNoRegion, kNoRegion, kNoRegion, kNoRegion, kNoRegion};
  // 8-byte elements first, then 4-byte, then bytes: no padding between regions.
  l.schedule = place(sizeof(ScheduleView), alignof(ScheduleView));
  l.counters = place(std::uint64_t{agents_per_block} * sizeof(AgentCounters), alignof(AgentCounters));
  if (stage_environment)
    for (std::uint32_t p = 0; p < l.n_phases; ++p) l.phase[p].outcome_threshold = place(l.phase[p].n_outcomes * 8ull, 8);
  // A model read from the environment stays in global memory, where the real steps record it.
  const auto staged = [&](std::uint32_t id) {
    return group.needs(table_need(id)) &&
           !(model_from_environment && (id == table_id::model_next || id == table_id::model_reward));
  };
  for (std::uint32_t id = 0; id < kTableCount; ++id)
    l.table[id] = staged(id)
                      ? place(std::uint64_t{agents_per_block} * l.strides.of(table_per(id)) * table_element_bytes(id), 4)
                      : kNoRegion;
  if (stage_environment)
    for (std::uint32_t p = 0; p < l.n_phases; ++p) {
      const std::uint64_t outcomes = l.phase[p].n_outcomes;
      l.phase[p].pair_begin = place((lengths.pairs + 1) * 4, 4);
      l.phase[p].next_state = place(outcomes * 4, 4);
      l.phase[p].reward = place(outcomes * 4, 4);
      l.phase[p].terminated = place(outcomes, 1);
    }
  l.bytes = static_cast<std::uint32_t>(std::min<std::uint64_t>(align_up(at, 16), 0xFFFFFFFFu));
  return l;
}

// ---- Planning ---------------------------------------------------------------------------------

namespace {

// The most agents per block, up to `cap`, whose shared layout fits `limit` bytes (0: none).
std::uint32_t shared_fit(const AgentGroup& group, bool stage_environment, bool model_from_environment,
                         std::uint32_t cap, std::uint32_t limit) {
  const auto bytes = [&](std::uint32_t agents) {
    return shared_layout(group, agents, stage_environment, model_from_environment).bytes;
  };
  if (bytes(1) > limit) return 0;
  std::uint32_t lo = 1, hi = cap;  // layout bytes grow with the agents: the largest that fits
  while (lo < hi) {
    const std::uint32_t mid = lo + (hi - lo + 1) / 2;
    if (bytes(mid) <= limit) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

std::uint32_t round_down_to_warp(std::uint32_t threads) { return threads >= kWarp ? threads / kWarp * kWarp : threads; }

// Real steps per launch: the option, or about kBackupsPerLaunch Q backups for the agent that
// plans most.
std::uint64_t steps_per_launch(const AgentGroup& group, const CudaEngineOptions& options) {
  std::uint32_t most_planning = 0;
  for (const AgentParams& p : group.points) most_planning = std::max(most_planning, p.planning_steps);
  return options.steps_per_launch > 0
             ? options.steps_per_launch
             : std::max<std::uint64_t>(1, kBackupsPerLaunch / (1 + std::uint64_t{most_planning}));
}

// Device memory: the environment, the grid points, and as many agents as fit beside them
// (plan.environment, chunk_agents, arena, device_bytes).
void plan_device_memory(const AgentGroup& group, const CudaEngineOptions& options, const DeviceLimits& limits,
                        KernelPlan& plan) {
  plan.environment = environment_layout(*group.environment);
  const std::uint64_t params_bytes = align_up(group.points.size() * sizeof(AgentParams), kArenaAlignment);
  const std::uint64_t budget = static_cast<std::uint64_t>(std::floor(double(limits.free_bytes) * options.memory_fraction));
  const std::uint64_t per_agent = group.table_bytes_per_agent() + metric_bytes_per_agent(group.budget);
  const std::uint64_t fixed = plan.environment.bytes + params_bytes + kArenaOverheadBytes;
  if (budget < fixed + per_agent)
    throw std::runtime_error("not even one agent fits the GPU's memory: an agent of --env " + group.environment->name +
                             " needs " + format_bytes(per_agent) + " (tables and metrics), the environment and settings " +
                             format_bytes(fixed) + ", and " + format_bytes(budget) + " of the device's " +
                             format_bytes(limits.free_bytes) + " free may be used");
  std::uint64_t chunk = std::min<std::uint64_t>(group.n_agents(), (budget - fixed) / per_agent);
  if (options.max_chunk_agents > 0) chunk = std::min<std::uint64_t>(chunk, options.max_chunk_agents);
  plan.chunk_agents = static_cast<std::uint32_t>(chunk);
  plan.arena = arena_layout(group, plan.chunk_agents);
  plan.device_bytes = plan.arena.bytes + plan.environment.bytes + params_bytes;
  DYNAQ_EXPECTS(plan.device_bytes <= budget, "the device arena outgrew AgentGroup::table_bytes_per_agent()");
}

// How many agents' tables a block's shared memory holds, alone and with the environment staged
// beside them, against the fewest worth a shared block.
struct SharedFit {
  std::uint32_t limit;             // shared bytes per block
  std::uint32_t floor_agents;      // a warp, or the whole chunk when it is smaller
  std::uint32_t tables;            // agents whose tables fit
  std::uint32_t with_environment;  // agents whose tables fit beside the staged environment
};

SharedFit measure_shared_fit(const AgentGroup& group, const DeviceLimits& limits, const KernelPlan& plan) {
  const std::uint32_t cap = std::max(1u, round_down_to_warp(std::min(limits.max_threads_shared, 1024u)));
  const std::uint32_t limit = limits.shared_bytes_per_block;
  const bool model = plan.model_from_environment;
  return {limit, std::min(kWarp, plan.chunk_agents), shared_fit(group, false, model, cap, limit),
          shared_fit(group, true, model, cap, limit)};
}

// The kernel version, and why (plan.kernel, why): auto takes the shared kernel when a warp of
// agents' tables fits a block.
void choose_kernel(const CudaEngineOptions& options, const SharedFit& fit, KernelPlan& plan) {
  CudaKernel kernel = options.kernel;
  if (kernel == CudaKernel::kAuto) {
    if (fit.tables >= fit.floor_agents) {
      kernel = CudaKernel::kShared;
      plan.why = "auto: the tables of " + std::to_string(fit.tables) + " agents fit a block's shared memory";
    } else {
      kernel = CudaKernel::kGlobal;
      plan.why = "auto: a block's shared memory (" + format_bytes(fit.limit) + ") holds the tables of " +
                 std::to_string(fit.tables) + " agents, fewer than " + std::to_string(fit.floor_agents);
    }
  } else {
    plan.why = "asked for";
  }
  plan.kernel = kernel;
}

// The global kernel's blocks: one agent per thread.
void plan_global_blocks(const CudaEngineOptions& options, const DeviceLimits& limits, KernelPlan& plan) {
  const std::uint32_t most = std::max(1u, round_down_to_warp(std::min(limits.max_threads_global, 1024u)));
  std::uint32_t threads = options.threads_per_block > 0 ? options.threads_per_block : kDefaultThreadsPerBlock;
  if (threads > most) {
    if (options.threads_per_block > 0)
      throw InputError("CUDA threads per block " + std::to_string(threads) + ": the global kernel launches at most " +
                       std::to_string(most) + " on this device");
    threads = most;
  }
  plan.threads_per_block = plan.agents_per_block = threads;
}

// The shared kernel's blocks: the agents per block and the shared layout, with the environment
// staged when it fits beside them.
void plan_shared_blocks(const AgentGroup& group, const CudaEngineOptions& options, const DeviceLimits& limits,
                        const SharedFit& fit, KernelPlan& plan) {
  if (fit.tables == 0)
    throw InputError("CUDA kernel shared: the tables of one agent of --env " + group.environment->name + " need " +
                     format_bytes(shared_layout(group, 1, false, plan.model_from_environment).bytes) +
                     " of shared memory, and a block has at most " +
                     format_bytes(fit.limit) + "; use the global or auto kernel");
  std::uint32_t agents = 0;
  if (options.agents_per_block > 0) {
    agents = options.agents_per_block;
    if (agents > fit.tables)
      throw InputError("CUDA agents per block " + std::to_string(agents) + ": at most " + std::to_string(fit.tables) +
                       " agents' tables of --env " + group.environment->name + " fit a block's shared memory (" +
                       format_bytes(fit.limit) + ")");
  } else {
    // Spread the agents over every multiprocessor, as many per block as fit (with the
    // environment staged as long as a warp of agents still fits beside it).
    const std::uint32_t spread = (plan.chunk_agents + limits.multiprocessors - 1) / std::max(1u, limits.multiprocessors);
    agents = std::max(1u, std::min(spread, fit.with_environment >= fit.floor_agents ? fit.with_environment : fit.tables));
  }
  const bool stage_environment = shared_layout(group, agents, true, plan.model_from_environment).bytes <= fit.limit;
  plan.shared = shared_layout(group, agents, stage_environment, plan.model_from_environment);
  plan.agents_per_block = agents;
  plan.threads_per_block = (agents + kWarp - 1) / kWarp * kWarp;
}

}  // namespace

KernelPlan plan_kernels(const AgentGroup& group, const CudaEngineOptions& options, const DeviceLimits& limits) {
  DYNAQ_EXPECTS(group.n_agents() > 0, "plan_kernels: a group without agents");
  if (!(options.memory_fraction > 0.0 && options.memory_fraction <= 1.0))
    throw InputError("CUDA memory fraction " + format_double(options.memory_fraction) + " is not in (0, 1]");
  KernelPlan plan;
  plan.steps_per_launch = steps_per_launch(group, options);
  plan_device_memory(group, options, limits, plan);
  plan.model_from_environment = options.model_from_environment && model_is_environment(group);
  const SharedFit fit = measure_shared_fit(group, limits, plan);
  choose_kernel(options, fit, plan);
  if (plan.kernel == CudaKernel::kGlobal)
    plan_global_blocks(options, limits, plan);
  else
    plan_shared_blocks(group, options, limits, fit, plan);
  return plan;
}

// ---- The driver -------------------------------------------------------------------------------

namespace {

// The environment's tables on the device, and the schedule pointing at them.
ScheduleView upload_environment(AgentDevice& device, const EnvironmentLayout& layout, const Environment& environment,
                                unsigned char* base) {
  ScheduleView view = schedule_view(environment);
  for (std::uint32_t p = 0; p < layout.n_phases; ++p) {
    const TabularMdp& m = *environment.phases[p].mdp;
    const EnvironmentLayout::Phase& at = layout.phase[p];
    const auto put = [&](std::uint64_t offset, const auto& host) {
      using T = typename std::decay_t<decltype(host)>::value_type;
      device.upload(base + offset, host.data(), host.size() * sizeof(T));
      return reinterpret_cast<const T*>(base + offset);
    };
    MdpView& v = view.phase[p];
    v.pair_begin = put(at.pair_begin, m.pair_begin);
    v.next_state = put(at.next_state, m.next_state);
    v.reward = put(at.reward, m.reward);
    v.terminated = put(at.terminated, m.terminated);
    v.probability = put(at.probability, m.probability);
    v.outcome_threshold = put(at.outcome_threshold, m.outcome_threshold);
    v.start_state = put(at.start_state, m.start_state);
    v.start_threshold = put(at.start_threshold, m.start_threshold);
  }
  return view;
}

template <typename T>
void download_metric(AgentDevice& device, std::vector<T>& host, const T* device_array, std::uint64_t first,
                     std::uint64_t count, std::uint64_t per_agent) {
  if (device_array != nullptr && count * per_agent > 0)
    device.download(host.data() + first * per_agent, device_array, count * per_agent * sizeof(T));
}

// A chunk's results, as the cpu engine gathers them: metrics straight into place, then per agent
// its counters and (when kept) its final tables through copy_final_tables.
void gather_chunk(AgentDevice& device, const KernelPlan& plan, const AgentGroup& group, unsigned char* base,
                  std::uint32_t first, std::uint32_t count, GroupResults& out) {
  const ArenaLayout& arena = plan.arena;
  const DeviceMetrics metrics = arena.metrics(base);
  const std::uint64_t per = arena.metrics_per_agent;
  for_each_metric(out, metrics, [&](std::uint32_t, MetricRecorded, auto& host, auto* on_device) {
    download_metric(device, host, on_device, first, count, per);
  });

  const AgentTablesView on_device = arena.tables(base);
  std::vector<AgentCounters> counters(count);
  device.download(counters.data(), on_device.counters, count * sizeof(AgentCounters));
  AgentTablesView host{};
  host.n_states = on_device.n_states;
  host.n_actions = on_device.n_actions;
  host.model_slots = on_device.model_slots;
  host.counters = counters.data();
  std::vector<float> q, model_reward;
  std::vector<std::uint32_t> model_next, model_count, observed_pairs;
  if (group.keep_tables) {
    const TableLengths lengths = on_device.lengths();
    const auto fetch = [&](auto& vec, const auto* table, std::uint64_t length) {
      using T = typename std::decay_t<decltype(vec)>::value_type;
      if (table == nullptr) return static_cast<T*>(nullptr);
      vec.resize(std::uint64_t{count} * length);
      device.download(vec.data(), table, vec.size() * sizeof(T));
      return vec.data();
    };
    host.q = fetch(q, on_device.q, lengths.pairs);
    host.model_next = fetch(model_next, on_device.model_next, lengths.slots);
    host.model_reward = fetch(model_reward, on_device.model_reward, lengths.slots);
    host.model_count = fetch(model_count, on_device.model_count, lengths.slots);
    host.observed_pairs = fetch(observed_pairs, on_device.observed_pairs, lengths.pairs);
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    const AgentRef agent = host.agent(i);
    out.total_steps[first + i] = agent.counters->t;
    out.planning_updates[first + i] = agent.counters->planning_updates;
    if (group.keep_tables) copy_final_tables(agent, group, out, first + i);
  }
  for (std::uint32_t i = 0; i < count; ++i) check_agent(counters[i], group, first + i);
}

// The most launches a chunk can need when the budget bounds every agent's steps (each launch
// takes every unfinished agent steps_per_launch steps further, or to its end), else 0. A device
// that computes wrong counters then fails with an error instead of launching forever.
std::uint64_t launch_bound(const AgentGroup& group, std::uint64_t steps_per_launch) {
  std::uint64_t most_steps = 0;
  const RunBudget& b = group.budget;
  if (b.kind == BudgetKind::kSteps) {
    most_steps = b.steps;
  } else {
    for (const AgentParams& p : group.points) {
      if (p.max_episode_steps == 0) return 0;  // an episode may last any number of steps
      most_steps = std::max(most_steps, std::uint64_t{b.episodes} * p.max_episode_steps);
    }
  }
  return most_steps / steps_per_launch + 1;
}

}  // namespace

void run_agents_on_device(AgentDevice& device, const AgentGroup& group, const CudaEngineOptions& options,
                          GroupResults& results, const ProgressCallback& progress) {
  group.validate();
  const Environment& env = *group.environment;
  schedule_view(env);  // refuses too many phases before anything is allocated
  GroupResults out;
  out.allocate(group);
  const std::uint32_t n = group.n_agents();
  if (n == 0) {
    results = std::move(out);
    return;
  }
  const KernelPlan plan = plan_kernels(group, options, device.limits());
  device.prepare(plan);

  const std::unique_ptr<DeviceMemory> env_memory = device.allocate(plan.environment.bytes);
  const std::unique_ptr<DeviceMemory> params = device.allocate(group.points.size() * sizeof(AgentParams));
  device.upload(params->data(), group.points.data(), group.points.size() * sizeof(AgentParams));
  const std::unique_ptr<DeviceMemory> arena = device.allocate(plan.arena.bytes);
  unsigned char* base = arena->data();

  AdvanceArgs args{};
  args.chunk.tables = plan.arena.tables(base);
  args.chunk.params = reinterpret_cast<const AgentParams*>(params->data());
  args.chunk.seeds_per_point = group.seeds_per_point;
  args.chunk.first_agent = group.first_agent;
  args.chunk.sweep_seed = group.sweep_seed;
  args.schedule = upload_environment(device, plan.environment, env, env_memory->data());
  args.budget = group.budget;
  args.metrics = plan.arena.metrics(base);
  args.steps = plan.steps_per_launch;
  args.chunk.tables.model_is_environment = plan.model_from_environment;
  std::uint32_t* unfinished = plan.arena.unfinished_counter(base);
  const std::uint64_t bound = launch_bound(group, plan.steps_per_launch);

  for (std::uint32_t first = 0; first < n; first += plan.chunk_agents) {
    const std::uint32_t count = std::min(plan.chunk_agents, n - first);
    args.chunk.n_agents = count;
    args.chunk.chunk_first = first;
    device.init_agents(args.chunk);
    // Every launch takes each unfinished agent at least one real step further, so the loop ends
    // when the budget does.
    std::uint64_t launches = 0;
    for (std::uint32_t left = count; left > 0;) {
      device.zero(unfinished, sizeof(std::uint32_t));
      device.advance_agents(args, plan, unfinished);
      device.download(&left, unfinished, sizeof(std::uint32_t));
      ++launches;
      if (left > count || (left > 0 && bound > 0 && launches >= bound))
        throw std::runtime_error("the cuda engine went wrong: " + std::to_string(left) + " of " +
                                 std::to_string(count) + " agents unfinished after " + std::to_string(launches) +
                                 " launches of " + std::to_string(plan.steps_per_launch) +
                                 " steps, beyond what their budget allows (please report this)");
      if (progress) progress(first + count - left);
    }
    gather_chunk(device, plan, group, base, first, count, out);
  }
  results = std::move(out);
}

// ---- Comparing results ------------------------------------------------------------------------

namespace {

template <typename T>
std::string differ(const char* name, const std::vector<T>& expected, const std::vector<T>& actual) {
  if (expected.size() != actual.size())
    return std::string(name) + " has " + std::to_string(actual.size()) + " entries, expected " +
           std::to_string(expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (same_bits(expected[i], actual[i])) continue;
    std::ostringstream out;
    out.precision(17);
    out << name << "[" << i << "] is " << +actual[i] << ", expected " << +expected[i];
    return out.str();
  }
  return "";
}

std::string first_metric_difference(const GroupResults& e, const GroupResults& a) {
  std::string found;
  for_each_metric(e, a, [&](std::uint32_t id, MetricRecorded, const auto& expected, const auto& actual) {
    if (found.empty()) found = differ(metric_name(id), expected, actual);
  });
  return found;
}

}  // namespace

std::string first_difference(const GroupResults& e, const GroupResults& a) {
  for (const std::string& d :
       {first_metric_difference(e, a),
        differ("total_steps", e.total_steps, a.total_steps),
        differ("planning_updates", e.planning_updates, a.planning_updates), differ("q", e.q, a.q),
        differ("model_next", e.model_next, a.model_next), differ("model_reward", e.model_reward, a.model_reward),
        differ("model_count", e.model_count, a.model_count), differ("observed_pairs", e.observed_pairs, a.observed_pairs)})
    if (!d.empty()) return d;
  return "";
}

// ---- The engine -------------------------------------------------------------------------------

namespace {

// A short version of `group` that the self-check runs on both engines: each grid point once
// (up to kSelfCheckPoints of them), with its tables kept, for a short budget that still crosses
// the environment's first switch.
AgentGroup self_check_group(const AgentGroup& group) {
  AgentGroup check = group;
  if (check.points.size() > kSelfCheckPoints) check.points.resize(kSelfCheckPoints);
  check.seeds_per_point = 1;
  check.keep_tables = true;
  RunBudget& b = check.budget;
  if (b.kind == BudgetKind::kEpisodes) {
    b.episodes = std::min(b.episodes, kSelfCheckEpisodes);
    for (AgentParams& p : check.points)
      p.max_episode_steps = p.max_episode_steps == 0 ? kSelfCheckEpisodeSteps
                                                     : std::min(p.max_episode_steps, kSelfCheckEpisodeSteps);
  } else {
    const std::uint64_t switch_step = group.environment->phases.size() > 1 ? group.environment->phases[1].start_step : 0;
    b.steps = std::min(b.steps, std::max(kSelfCheckSteps, switch_step + kSelfCheckSteps / 2));
    b.n_buckets = static_cast<std::uint32_t>((b.steps + b.bucket_steps - 1) / b.bucket_steps);
  }
  return check;
}

class DeviceEngine final : public Engine {
 public:
  DeviceEngine(std::unique_ptr<AgentDevice> device, const CudaEngineOptions& options, std::string name)
      : device_(std::move(device)), options_(options), name_(std::move(name)) {}

  std::string name() const override { return name_; }
  std::string device() const override { return device_->describe(); }
  // Enough agents for many waves of blocks on an H100 (132 multiprocessors x 2048 threads is
  // 270,336): the device splits a group that does not fit its memory into chunks itself.
  std::uint64_t preferred_group_agents() const override { return std::uint64_t{1} << 20; }

  void run(const AgentGroup& group, GroupResults& results, const ProgressCallback& progress) override {
    if (options_.self_check && group.n_agents() > 0) self_check(group);
    run_agents_on_device(*device_, group, options_, results, progress);
  }

 private:
  // The group's grid points, on this device with the kernel the group will run, and on the cpu
  // engine: every bit must agree.
  void self_check(const AgentGroup& group) {
    group.validate();
    const KernelPlan plan = plan_kernels(group, options_, device_->limits());
    CudaEngineOptions same = options_;
    same.self_check = false;
    same.kernel = plan.kernel;
    same.agents_per_block = plan.kernel == CudaKernel::kShared ? plan.agents_per_block : 0;
    same.threads_per_block = plan.kernel == CudaKernel::kGlobal ? plan.threads_per_block : 0;
    same.steps_per_launch = plan.steps_per_launch;
    const AgentGroup check = self_check_group(group);
    GroupResults on_device, on_cpu;
    run_agents_on_device(*device_, check, same, on_device, nullptr);
    make_cpu_engine(CpuEngineOptions{1, 0, 0})->run(check, on_cpu, nullptr);
    const std::string difference = first_difference(on_cpu, on_device);
    if (!difference.empty())
      throw CudaSelfCheckError("the " + name_ + " engine (" + cuda_kernel_name(plan.kernel) + " kernel on " +
                               device_->describe() + ") disagrees with the cpu engine on a self-check of " +
                               std::to_string(check.n_agents()) + " agents of --env " + group.environment->name +
                               ": " + difference + ". Its results cannot be trusted here; use --backend cpu");
  }

  std::unique_ptr<AgentDevice> device_;
  CudaEngineOptions options_;
  std::string name_;
};

}  // namespace

std::unique_ptr<Engine> make_device_engine(std::unique_ptr<AgentDevice> device, const CudaEngineOptions& options,
                                           std::string name) {
  return std::make_unique<DeviceEngine>(std::move(device), options, std::move(name));
}

}  // namespace dynaq
