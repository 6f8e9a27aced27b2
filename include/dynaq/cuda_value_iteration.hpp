// Value iteration on the GPU, for MDPs large enough that a sweep is worth a launch.
//
// The same Jacobi sweeps as value_iteration() (value_iteration.hpp): sweep k computes every
// V_k(s) from V_{k-1} alone, one thread per state calling the same bellman_backup, so each
// state's outcomes are summed in table order and every V_k has the host's bits; the residual is a
// max, exact in any order. Same stopping rule, same result (Q_k, V_k, sweeps, residual,
// v_start), same errors.
#pragma once

#include <cstdint>

#include "dynaq/mdp.hpp"
#include "dynaq/value_iteration.hpp"

namespace dynaq {

struct CudaValueIterationOptions {
  // Compare the device's first sweep with the host's, bit for bit, and throw CudaSelfCheckError
  // (engine.hpp) on a difference. Costs one host sweep.
  bool self_check = true;
};

// Throws InputError for bad options (as value_iteration), ConvergenceError when the values
// diverge or do not settle within the sweep limit, and std::runtime_error (with the reason) when
// no GPU is usable or the MDP does not fit its memory.
ValueIterationResult value_iteration_cuda(const TabularMdp& mdp, const ValueIterationOptions& options,
                                          const CudaValueIterationOptions& cuda = {});

// At or above this many outcomes `dynaq solve --backend auto` solves on the GPU when one is
// present: below it a sweep takes the host about a millisecond, less than launches and copies.
constexpr std::uint64_t kCudaSolveOutcomes = std::uint64_t{1} << 20;

}  // namespace dynaq
