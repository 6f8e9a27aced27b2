// The non-owning, trivially copyable view of a tabular MDP that engines and kernels step.
//
// One kernel serves every environment: stepping is a table lookup. Outcomes of the pair
// p = state * n_actions + action are the entries [pair_begin[p], pair_begin[p + 1]) of the
// outcome arrays. A stochastic pair's outcome is chosen by comparing one 32-bit random word
// with integer cumulative thresholds computed once on the host, so host and device cannot
// disagree (see random.hpp).
#pragma once

#include <cstdint>

#include "dynaq/platform.hpp"

namespace dynaq {

// Model and kernel tables store a next state and its termination flag in one word.
constexpr std::uint32_t kTerminatedBit = 0x80000000u;
constexpr std::uint32_t kStateMask = 0x7FFFFFFFu;
// The largest number of states any table can hold (the top bit marks termination).
constexpr std::uint32_t kMaxStates = kStateMask;

struct MdpView {
  std::uint32_t n_states;
  std::uint32_t n_actions;
  const std::uint32_t* pair_begin;         // n_states * n_actions + 1 entries
  const std::uint32_t* next_state;         // per outcome
  const float* reward;                     // per outcome
  const std::uint8_t* terminated;          // per outcome, 0 or 1
  const double* probability;               // per outcome (for model error, never for sampling)
  const std::uint64_t* outcome_threshold;  // per outcome, cumulative, last of a pair = 2^32
  std::uint32_t n_start_states;
  const std::uint32_t* start_state;        // states with positive start probability
  const std::uint64_t* start_threshold;    // cumulative, last = 2^32
};

// The first index k in [0, count) with word < thresholds[k]; thresholds end with 2^32.
DYNAQ_HD inline std::uint32_t sample_by_thresholds(const std::uint64_t* thresholds,
                                                   std::uint32_t count, std::uint32_t word) {
  std::uint32_t k = 0;
  while (k + 1 < count && static_cast<std::uint64_t>(word) >= thresholds[k]) ++k;
  return k;
}

struct Transition {
  std::uint32_t next_state;
  float reward;
  bool terminated;
};

DYNAQ_HD inline std::uint32_t outcome_count(const MdpView& mdp, std::uint32_t pair) {
  return mdp.pair_begin[pair + 1] - mdp.pair_begin[pair];
}

// The transition taken from `pair`, given the environment's random word (ignored when the
// pair has a single outcome).
DYNAQ_HD inline Transition transition_for(const MdpView& mdp, std::uint32_t pair,
                                          std::uint32_t word) {
  const std::uint32_t begin = mdp.pair_begin[pair];
  const std::uint32_t k =
      sample_by_thresholds(mdp.outcome_threshold + begin, mdp.pair_begin[pair + 1] - begin, word);
  const std::uint32_t i = begin + k;
  return Transition{mdp.next_state[i], mdp.reward[i], mdp.terminated[i] != 0};
}

DYNAQ_HD inline std::uint32_t start_state_for(const MdpView& mdp, std::uint32_t word) {
  return mdp.start_state[sample_by_thresholds(mdp.start_threshold, mdp.n_start_states, word)];
}

}  // namespace dynaq
