// The straightforward agent kernel: one thread per agent, its tables in global memory, the
// shared per-agent core (agent_core.hpp) doing all the work. The kernel stays thin: index,
// bounds, call. Each launch advances every agent by at most `steps_per_launch` real steps, so
// that a long run is many short launches (no watchdog, room for progress reports).
#include <algorithm>
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
  std::uint64_t per_agent;  // episodes or buckets

  __device__ AgentMetricsRef agent(std::uint32_t i) const {
    const std::uint64_t at = i * per_agent;
    return AgentMetricsRef{episode_steps ? episode_steps + at : nullptr, episode_return ? episode_return + at : nullptr,
                           bucket_cumulative_reward ? bucket_cumulative_reward + at : nullptr,
                           bucket_episodes ? bucket_episodes + at : nullptr};
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
  DeviceBuffer<std::uint64_t> outcome_threshold, start_threshold;

  explicit DeviceMdp(const TabularMdp& m)
      : pair_begin(m.pair_begin.size()), next_state(m.next_state.size()), start_state(m.start_state.size()),
        reward(m.reward.size()), terminated(m.terminated.size()), outcome_threshold(m.outcome_threshold.size()),
        start_threshold(m.start_threshold.size()) {
    pair_begin.upload(m.pair_begin.data(), m.pair_begin.size());
    next_state.upload(m.next_state.data(), m.next_state.size());
    start_state.upload(m.start_state.data(), m.start_state.size());
    reward.upload(m.reward.data(), m.reward.size());
    terminated.upload(m.terminated.data(), m.terminated.size());
    outcome_threshold.upload(m.outcome_threshold.data(), m.outcome_threshold.size());
    start_threshold.upload(m.start_threshold.data(), m.start_threshold.size());
  }

  MdpView view(const TabularMdp& m) const {
    return MdpView{m.n_states,          m.n_actions,        pair_begin.data(),
                   next_state.data(),   reward.data(),      terminated.data(),
                   outcome_threshold.data(), static_cast<std::uint32_t>(m.start_state.size()),
                   start_state.data(),  start_threshold.data()};
  }
};

}  // namespace

void run_group_on_gpu(const AgentGroup& group, GroupResults& results) {
  const GpuStatus gpu = query_gpu();
  if (!gpu.present) throw std::runtime_error("no GPU: " + gpu.reason);
  results.allocate(group);
  const Environment& env = *group.environment;
  const std::uint32_t n = group.n_agents();
  const std::uint64_t states = env.n_states(), pairs = states * env.n_actions();
  const bool by_state = group.any_draws_states();

  std::vector<DeviceMdp> mdps;
  mdps.reserve(env.phases.size());
  ScheduleView schedule = schedule_view(env);
  for (std::size_t k = 0; k < env.phases.size(); ++k) {
    mdps.emplace_back(*env.phases[k].mdp);
    schedule.phase[k] = mdps.back().view(*env.phases[k].mdp);
  }

  DeviceBuffer<float> q(n * pairs), model_reward(n * pairs);
  DeviceBuffer<std::uint32_t> model_next(n * pairs), observed_pairs(n * pairs);
  DeviceBuffer<std::uint32_t> observed_states(by_state ? n * states : 0), state_actions(by_state ? n * pairs : 0),
      state_action_count(by_state ? n * states : 0);
  DeviceBuffer<AgentCounters> counters(n);
  DeviceBuffer<AgentParams> params(group.points.size());
  params.upload(group.points.data(), group.points.size());
  const AgentTablesView tables{env.n_states(),
                               env.n_actions(),
                               q.data(),
                               model_next.data(),
                               model_reward.data(),
                               observed_pairs.data(),
                               by_state ? observed_states.data() : nullptr,
                               by_state ? state_actions.data() : nullptr,
                               by_state ? state_action_count.data() : nullptr,
                               counters.data()};

  const bool by_episode = group.budget.kind == BudgetKind::kEpisodes;
  const std::uint64_t per_agent = by_episode ? group.budget.episodes : group.budget.n_buckets;
  DeviceBuffer<std::uint32_t> episode_steps(by_episode ? n * per_agent : 0), bucket_episodes(by_episode ? 0 : n * per_agent);
  DeviceBuffer<double> episode_return(by_episode ? n * per_agent : 0),
      bucket_reward(by_episode ? 0 : n * per_agent);
  const DeviceMetrics metrics{by_episode ? episode_steps.data() : nullptr, by_episode ? episode_return.data() : nullptr,
                              by_episode ? nullptr : bucket_reward.data(), by_episode ? nullptr : bucket_episodes.data(),
                              per_agent};
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
  std::vector<AgentCounters> host_counters(n);
  counters.download(host_counters.data(), n);
  for (std::uint32_t i = 0; i < n; ++i) results.total_steps[i] = host_counters[i].t;
  if (group.keep_tables) {
    q.download(results.q.data(), results.q.size());
    model_next.download(results.model_next.data(), results.model_next.size());
    model_reward.download(results.model_reward.data(), results.model_reward.size());
    std::vector<std::uint32_t> observed(n * pairs);
    observed_pairs.download(observed.data(), observed.size());
    for (std::uint32_t i = 0; i < n; ++i)
      std::copy(observed.begin() + i * pairs, observed.begin() + i * pairs + host_counters[i].n_observed_pairs,
                results.observed_pairs.begin() + i * pairs);
  }
}

}  // namespace dynaq
