// Value iteration on the GPU: one Jacobi sweep per launch, one thread per state.
//
// Why one thread per state, not a warp: the bits of V_k(s) depend on the order in which the
// outcomes of each pair are summed and on the first-wins max over actions of bellman_backup; a
// thread calling that very function keeps both. A warp could share the actions of a state only
// if its max kept bellman_backup's order for ties of +0 and -0 and for NaN, for no gain on mazes
// (4 actions).
//
// Napkin math, H100 SXM (3.35 TB/s), random-maze:1000x1000 (1e6 states x 4 actions, one outcome
// each): a sweep reads per outcome next state 4 B + reward 4 B + flag 1 B + probability 8 B, and
// per state pair_begin 16 B, V_{k-1}[next] 8 B (scattered: a 32-byte sector per outcome at
// worst), and writes V_k 8 B: about 4e6 x 49 B = 200 MB, ~60 us at full bandwidth. A sweep
// also costs a launch, a memset and a 16-byte copy back (~20 us), which is why small MDPs stay on
// the host (kCudaSolveOutcomes). Q is computed once, after the last sweep, from V_{k-1}: the
// same Q_k the host keeps, without writing Q in every sweep.
#include <cuda_runtime.h>

#include <cmath>
#include <cstring>
#include <cub/block/block_reduce.cuh>
#include <cuda/functional>
#include <utility>
#include <vector>

#include "cuda_check.cuh"
#include "dynaq/cuda_runtime_checks.hpp"
#include "dynaq/cuda_value_iteration.hpp"
#include "dynaq/format.hpp"
#include "dynaq/same_bits.hpp"

namespace dynaq {

namespace {

constexpr unsigned kThreads = 256;

// What a sweep tells the host: the largest change (the bits of a non-negative double, which order
// as the values do), whether some value left the range of double and whether some value arrived
// (state_sweep_change, value_iteration.hpp).
struct SweepStatus {
  unsigned long long largest_change_bits;
  unsigned int non_finite;
  unsigned int arrived;
};

__global__ void jacobi_sweep_kernel(MdpView mdp, const double* probability, const double* v_old, double* v_new,
                                    double gamma, SweepStatus* status) {
  using BlockMax = cub::BlockReduce<double, kThreads>;
  __shared__ typename BlockMax::TempStorage temp;
  const std::uint32_t s = blockIdx.x * blockDim.x + threadIdx.x;
  StateSweepChange change{0.0, true, false};
  if (s < mdp.n_states) {
    const double value = bellman_backup(mdp, probability, v_old, s, gamma, nullptr);
    v_new[s] = value;
    change = state_sweep_change(v_old[s], value);
  }
  const double largest = BlockMax(temp).Reduce(change.change, cuda::maximum<double>{});
  const int any_non_finite = __syncthreads_or(change.finite ? 0 : 1);
  const int any_arrived = __syncthreads_or(change.arrived ? 1 : 0);
  if (threadIdx.x == 0) {
    atomicMax(&status->largest_change_bits, static_cast<unsigned long long>(__double_as_longlong(largest)));
    if (any_non_finite) atomicOr(&status->non_finite, 1u);
    if (any_arrived) atomicOr(&status->arrived, 1u);
  }
}

__global__ void q_rows_kernel(MdpView mdp, const double* probability, const double* v, double gamma, double* q) {
  const std::uint32_t s = blockIdx.x * blockDim.x + threadIdx.x;
  if (s < mdp.n_states) bellman_backup(mdp, probability, v, s, gamma, q + static_cast<std::uint64_t>(s) * mdp.n_actions);
}

template <typename T>
DeviceBuffer<T> uploaded(const std::vector<T>& host) {
  DeviceBuffer<T> buffer(host.size());
  buffer.upload(host.data(), host.size());
  return buffer;
}

// V_1 on the host, as value_iteration's first sweep computes it.
std::vector<double> host_first_sweep(const TabularMdp& mdp, double gamma) {
  const MdpView view = mdp.view();
  const std::vector<double> zero(mdp.n_states, 0.0);
  std::vector<double> v(mdp.n_states);
  for (std::uint32_t s = 0; s < mdp.n_states; ++s)
    v[s] = bellman_backup(view, mdp.probability.data(), zero.data(), s, gamma, nullptr);
  return v;
}

}  // namespace

ValueIterationResult value_iteration_cuda(const TabularMdp& mdp, const ValueIterationOptions& options,
                                          const CudaValueIterationOptions& cuda) {
  check_value_iteration_options(options);
  const GpuStatus gpu = query_gpu();
  if (!gpu.present) throw std::runtime_error("no usable GPU: " + gpu.reason);
  const std::string what = mdp.name + ": value iteration";
  const std::uint64_t states = mdp.n_states, pairs = states * mdp.n_actions, outcomes = mdp.n_outcomes();
  const std::uint64_t needed = (pairs + 1) * 4 + outcomes * (4 + 4 + 1 + 8) + states * 16 + pairs * 8 + 4096;
  std::size_t free_bytes = 0, total_bytes = 0;
  DYNAQ_CUDA_TRY(cudaMemGetInfo(&free_bytes, &total_bytes));
  if (needed > free_bytes)
    throw std::runtime_error(what + " on the GPU needs " + std::to_string(needed) + " bytes of device memory; " +
                             gpu.name + " has " + std::to_string(free_bytes) + " free");

  const DeviceBuffer<std::uint32_t> pair_begin = uploaded(mdp.pair_begin), next_state = uploaded(mdp.next_state);
  const DeviceBuffer<float> reward = uploaded(mdp.reward);
  const DeviceBuffer<std::uint8_t> terminated = uploaded(mdp.terminated);
  const DeviceBuffer<double> probability = uploaded(mdp.probability);
  MdpView view{};
  view.n_states = mdp.n_states;
  view.n_actions = mdp.n_actions;
  view.pair_begin = pair_begin.data();
  view.next_state = next_state.data();
  view.reward = reward.data();
  view.terminated = terminated.data();
  view.probability = probability.data();

  DeviceBuffer<double> v_old(states), v_new(states), q(pairs);
  DYNAQ_CUDA_TRY(cudaMemset(v_old.data(), 0, states * sizeof(double)));  // V_0 = 0
  DeviceBuffer<SweepStatus> status(1);
  const unsigned blocks = static_cast<unsigned>((states + kThreads - 1) / kThreads);

  ValueIterationResult result;
  result.n_states = mdp.n_states;
  result.n_actions = mdp.n_actions;
  bool arrived = false;
  for (std::uint64_t k = 1; k <= options.max_iterations; ++k) {
    DYNAQ_CUDA_TRY(cudaMemset(status.data(), 0, sizeof(SweepStatus)));
    jacobi_sweep_kernel<<<blocks, kThreads>>>(view, probability.data(), v_old.data(), v_new.data(), options.gamma,
                                              status.data());
    DYNAQ_CUDA_TRY(cudaGetLastError());
    SweepStatus sweep{};
    status.download(&sweep, 1);
    result.iterations = k;
    if (sweep.non_finite) throw value_iteration_diverged(what, k, options.gamma);
    if (k == 1 && cuda.self_check) {
      std::vector<double> v1(states);
      v_new.download(v1.data(), states);
      const std::vector<double> expected = host_first_sweep(mdp, options.gamma);
      for (std::uint64_t s = 0; s < states; ++s)
        if (!same_bits(v1[s], expected[s]))
          throw CudaSelfCheckError(what + " on " + gpu.name + " disagrees with the host in its first sweep: V_1(" +
                                   std::to_string(s) + ") is " + format_double(v1[s]) + ", expected " +
                                   format_double(expected[s]) + ". Its results cannot be trusted here; use --backend cpu");
    }
    double largest = 0.0;
    std::memcpy(&largest, &sweep.largest_change_bits, sizeof(double));
    result.residual = largest;
    arrived = sweep.arrived != 0;
    if (largest < options.tolerance && !arrived) {
      q_rows_kernel<<<blocks, kThreads>>>(view, probability.data(), v_old.data(), options.gamma, q.data());
      DYNAQ_CUDA_TRY(cudaGetLastError());
      result.v.resize(states);
      result.q.resize(pairs);
      v_new.download(result.v.data(), states);
      q.download(result.q.data(), pairs);
      for (std::uint32_t s = 0; s < mdp.n_states; ++s)
        if (mdp.initial_distribution[s] > 0.0) result.v_start += mdp.initial_distribution[s] * result.v[s];
      return result;
    }
    std::swap(v_old, v_new);
  }
  throw value_iteration_not_converged(what, options, result.residual, arrived);
}

}  // namespace dynaq
