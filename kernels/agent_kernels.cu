// The straightforward agent kernel: one thread per agent, its tables in global memory, the
// shared per-agent core (agent_core.hpp) doing all the work. The kernel stays thin: index,
// bounds, call. Each launch advances every agent by at most `steps_per_launch` real steps, so
// that a long run is many short launches (no watchdog, room for progress reports).
#include <algorithm>
#include <type_traits>
#include <vector>

#include "cuda_check.cuh"
#include "dynaq/agent_core.hpp"
#include "dynaq/cuda_runtime_checks.hpp"

namespace dynaq {

namespace {

struct DeviceMetrics {
  std::uint32_t* episode_steps;
  double* episode_return;
  double* bucket_cumulative_reward;
  std::uint32_t* bucket_episodes;
  double* bucket_model_error;
  std::uint64_t per_agent;  // episodes or buckets

  __device__ AgentMetricsRef agent(std::uint32_t i) const {
    const std::uint64_t at = i * per_agent;
    return AgentMetricsRef{episode_steps ? episode_steps + at : nullptr, episode_return ? episode_return + at : nullptr,
                           bucket_cumulative_reward ? bucket_cumulative_reward + at : nullptr,
                           bucket_episodes ? bucket_episodes + at : nullptr,
                           bucket_model_error ? bucket_model_error + at : nullptr};
  }
};

__global__ void init_agents_kernel(AgentTablesView tables, const AgentParams* params, std::uint32_t seeds_per_point,
                                   std::uint32_t n_agents) {
  const std::uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n_agents) return;
  agent_init(tables.agent(i), tables.n_states, tables.n_actions, params[i / seeds_per_point].q_init);
}

__global__ void advance_agents_kernel(AgentTablesView tables, ScheduleView schedule, const AgentParams* params,
                                      std::uint32_t seeds_per_point, std::uint32_t n_agents,
                                      std::uint32_t first_agent, std::uint64_t sweep_seed, RunBudget budget,
                                      DeviceMetrics metrics, std::uint64_t steps_per_launch,
                                      std::uint32_t* unfinished) {
  const std::uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n_agents) return;
  const bool finished =
      advance_agent(tables.agent(i), schedule, params[i / seeds_per_point],
                    AgentRandom::make(sweep_seed, first_agent + i), budget, metrics.agent(i), steps_per_launch);
  if (!finished) atomicAdd(unfinished, 1u);
}

// A copy of one MDP's tables on the device.
struct DeviceMdp {
  DeviceBuffer<std::uint32_t> pair_begin, next_state, start_state;
  DeviceBuffer<float> reward;
  DeviceBuffer<std::uint8_t> terminated;
  DeviceBuffer<double> probability;
  DeviceBuffer<std::uint64_t> outcome_threshold, start_threshold;

  explicit DeviceMdp(const TabularMdp& m)
      : pair_begin(m.pair_begin.size()), next_state(m.next_state.size()), start_state(m.start_state.size()),
        reward(m.reward.size()), terminated(m.terminated.size()), probability(m.probability.size()),
        outcome_threshold(m.outcome_threshold.size()),
        start_threshold(m.start_threshold.size()) {
    pair_begin.upload(m.pair_begin.data(), m.pair_begin.size());
    next_state.upload(m.next_state.data(), m.next_state.size());
    start_state.upload(m.start_state.data(), m.start_state.size());
    reward.upload(m.reward.data(), m.reward.size());
    terminated.upload(m.terminated.data(), m.terminated.size());
    probability.upload(m.probability.data(), m.probability.size());
    outcome_threshold.upload(m.outcome_threshold.data(), m.outcome_threshold.size());
    start_threshold.upload(m.start_threshold.data(), m.start_threshold.size());
  }

  MdpView view(const TabularMdp& m) const {
    return MdpView{m.n_states,          m.n_actions,        pair_begin.data(),
                   next_state.data(),   reward.data(),      terminated.data(), probability.data(),
                   outcome_threshold.data(), static_cast<std::uint32_t>(m.start_state.size()),
                   start_state.data(),  start_threshold.data()};
  }
};

// One batch's tables on the device, as agent_core.hpp lays them out.
struct DeviceTables {
  DeviceBuffer<float> q, model_reward, heap_priority;
  DeviceBuffer<std::uint32_t> model_next, model_count, observed_pairs, observed_states, state_actions,
      state_action_count, last_tried, heap_pair, heap_position, predecessor_head, predecessor_next, predecessor_prev,
      predecessor_of;
  DeviceBuffer<AgentCounters> counters;
  AgentTablesView view{};

  DeviceTables(std::uint32_t agents, const AgentGroup& group) {
    const std::uint64_t states = std::uint64_t{agents} * group.environment->n_states();
    const std::uint64_t pairs = states * group.environment->n_actions();
    const std::uint64_t slots = pairs * group.model_slots();
    const bool lists = group.needs_state_lists(), queue = group.needs_queue();
    const auto make = [](auto& buffer, std::uint64_t length, bool needed) {
      using Buffer = std::remove_reference_t<decltype(buffer)>;
      buffer = Buffer(needed ? length : 0);
      return needed ? buffer.data() : nullptr;
    };
    view = AgentTablesView{group.environment->n_states(),
                           group.environment->n_actions(),
                           group.model_slots(),
                           make(q, pairs, true),
                           make(model_next, slots, true),
                           make(model_reward, slots, true),
                           make(model_count, slots, group.needs_counts()),
                           make(observed_pairs, pairs, true),
                           make(observed_states, states, lists),
                           make(state_actions, pairs, lists),
                           make(state_action_count, states, lists),
                           make(last_tried, pairs, group.needs_last_tried()),
                           make(heap_pair, pairs, queue),
                           make(heap_priority, pairs, queue),
                           make(heap_position, pairs, queue),
                           make(predecessor_head, states, queue),
                           make(predecessor_next, pairs, queue),
                           make(predecessor_prev, pairs, queue),
                           make(predecessor_of, pairs, queue),
                           make(counters, agents, true)};
  }
};

// The tables results need, copied back to the host.
struct HostCopy {
  std::vector<float> q, model_reward;
  std::vector<std::uint32_t> model_next, model_count, observed_pairs;
  std::vector<AgentCounters> counters;
  AgentTablesView view{};

  HostCopy(std::uint32_t agents, const AgentGroup& group, const DeviceTables& device) {
    const auto fetch = [](auto& host, const auto& buffer) {
      host.resize(buffer.size());
      buffer.download(host.data(), host.size());
      return host.empty() ? nullptr : host.data();
    };
    counters.resize(agents);
    device.counters.download(counters.data(), agents);
    view = AgentTablesView{};
    view.n_states = group.environment->n_states();
    view.n_actions = group.environment->n_actions();
    view.model_slots = group.model_slots();
    view.counters = counters.data();
    if (!group.keep_tables) return;
    view.q = fetch(q, device.q);
    view.model_next = fetch(model_next, device.model_next);
    view.model_reward = fetch(model_reward, device.model_reward);
    view.model_count = fetch(model_count, device.model_count);
    view.observed_pairs = fetch(observed_pairs, device.observed_pairs);
  }
};

}  // namespace

void run_group_on_gpu(const AgentGroup& group, GroupResults& results) {
  const GpuStatus gpu = query_gpu();
  if (!gpu.present) throw std::runtime_error("no GPU: " + gpu.reason);
  group.validate();
  results.allocate(group);
  const Environment& env = *group.environment;
  const std::uint32_t n = group.n_agents();
  const std::uint64_t pairs = std::uint64_t{env.n_states()} * env.n_actions();

  std::vector<DeviceMdp> mdps;
  mdps.reserve(env.phases.size());
  ScheduleView schedule = schedule_view(env);
  for (std::size_t k = 0; k < env.phases.size(); ++k) {
    mdps.emplace_back(*env.phases[k].mdp);
    schedule.phase[k] = mdps.back().view(*env.phases[k].mdp);
  }

  DeviceTables device_tables(n, group);
  const AgentTablesView tables = device_tables.view;
  DeviceBuffer<AgentParams> params(group.points.size());
  params.upload(group.points.data(), group.points.size());

  const bool by_episode = group.budget.kind == BudgetKind::kEpisodes;
  const std::uint64_t per_agent = by_episode ? group.budget.episodes : group.budget.n_buckets;
  DeviceBuffer<std::uint32_t> episode_steps(by_episode ? n * per_agent : 0), bucket_episodes(by_episode ? 0 : n * per_agent);
  DeviceBuffer<double> episode_return(by_episode ? n * per_agent : 0),
      bucket_reward(by_episode ? 0 : n * per_agent), bucket_model_error(by_episode ? 0 : n * per_agent);
  const DeviceMetrics metrics{by_episode ? episode_steps.data() : nullptr, by_episode ? episode_return.data() : nullptr,
                              by_episode ? nullptr : bucket_reward.data(), by_episode ? nullptr : bucket_episodes.data(),
                              by_episode ? nullptr : bucket_model_error.data(), per_agent};
  DeviceBuffer<std::uint32_t> unfinished(1);

  const unsigned block = 128, grid = (n + block - 1) / block;
  init_agents_kernel<<<grid, block>>>(tables, params.data(), group.seeds_per_point, n);
  DYNAQ_CUDA_TRY(cudaGetLastError());
  constexpr std::uint64_t kStepsPerLaunch = 4096;
  for (std::uint32_t left = n; left > 0;) {
    DYNAQ_CUDA_TRY(cudaMemset(unfinished.data(), 0, sizeof(std::uint32_t)));
    advance_agents_kernel<<<grid, block>>>(tables, schedule, params.data(), group.seeds_per_point, n,
                                           group.first_agent, group.sweep_seed, group.budget, metrics,
                                           kStepsPerLaunch, unfinished.data());
    DYNAQ_CUDA_TRY(cudaGetLastError());
    unfinished.download(&left, 1);
  }

  episode_steps.download(results.episode_steps.data(), results.episode_steps.size());
  episode_return.download(results.episode_return.data(), results.episode_return.size());
  bucket_reward.download(results.bucket_cumulative_reward.data(), results.bucket_cumulative_reward.size());
  bucket_episodes.download(results.bucket_episodes.data(), results.bucket_episodes.size());
  bucket_model_error.download(results.bucket_model_error.data(), results.bucket_model_error.size());
  HostCopy host(n, group, device_tables);
  for (std::uint32_t i = 0; i < n; ++i) {
    const AgentRef agent = host.view.agent(i);
    results.total_steps[i] = agent.counters->t;
    results.planning_updates[i] = agent.counters->planning_updates;
    if (group.keep_tables) copy_final_tables(agent, group, results, i);
  }
  for (std::uint32_t i = 0; i < n; ++i) check_agent(host.counters[i], group, i);
}

}  // namespace dynaq
