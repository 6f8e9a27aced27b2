// Tabular MDPs as data: every environment in dynaq, built-in or loaded, is one of these.
//
// P[s][a] is a list of outcomes (probability, next state, reward, terminated), as in
// Gymnasium's toy-text `P`; there is a start distribution and an optional step limit.
// A TabularMdp owns its tables on the host and hands engines an MdpView (mdp_view.hpp).
// It is made by MdpBuilder, which validates everything and computes the integer sampling
// thresholds once, so that a TabularMdp is always valid.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dynaq/mdp_view.hpp"

namespace dynaq {

// Probabilities of one pair, and of the start distribution, must sum to 1 within this.
constexpr double kProbabilityTolerance = 1e-6;

class TabularMdp {
 public:
  std::string name;
  std::uint32_t n_states = 0;
  std::uint32_t n_actions = 0;
  std::uint32_t max_episode_steps = 0;  // 0: no step limit

  // Outcomes of pair p = s * n_actions + a are [pair_begin[p], pair_begin[p + 1]).
  std::vector<std::uint32_t> pair_begin;
  std::vector<double> probability;
  std::vector<std::uint32_t> next_state;
  std::vector<float> reward;
  std::vector<std::uint8_t> terminated;
  std::vector<double> initial_distribution;  // n_states entries

  // Derived by MdpBuilder::build from the probabilities (see random.hpp for their use).
  std::vector<std::uint64_t> outcome_threshold;
  std::vector<std::uint32_t> start_state;
  std::vector<std::uint64_t> start_threshold;

  std::uint32_t n_pairs() const { return n_states * n_actions; }
  std::uint32_t n_outcomes() const { return static_cast<std::uint32_t>(next_state.size()); }
  std::uint32_t max_outcomes_per_pair() const;
  bool is_deterministic() const { return max_outcomes_per_pair() == 1; }
  // Host bytes held by the tables (for memory estimates).
  std::uint64_t table_bytes() const;

  MdpView view() const;
};

// Collects outcomes in any order, then validates and freezes them into a TabularMdp.
// Errors are InputErrors that name the MDP and the pair, e.g. "taxi.json: P[3][1]: ...".
// Loaders that know file positions check first and give file:line:column instead.
class MdpBuilder {
 public:
  MdpBuilder(std::string name, std::uint32_t n_states, std::uint32_t n_actions);

  void add_outcome(std::uint32_t state, std::uint32_t action, double probability,
                   std::uint32_t next_state, double reward, bool terminated);
  void set_initial_distribution(std::vector<double> distribution);
  void set_initial_state(std::uint32_t state);  // a start distribution with all mass on one state
  void set_max_episode_steps(std::uint32_t steps) { max_episode_steps_ = steps; }

  TabularMdp build();

 private:
  struct PendingOutcome {
    std::uint32_t pair;
    std::uint32_t next_state;
    double probability;
    float reward;
    bool terminated;
  };
  std::string name_;
  std::uint32_t n_states_;
  std::uint32_t n_actions_;
  std::uint32_t max_episode_steps_ = 0;
  std::vector<PendingOutcome> outcomes_;
  std::vector<double> initial_distribution_;
};

// Cumulative integer thresholds for sampling one of `probabilities` with one 32-bit word:
// entry k is floor(2^32 * (p_0 + ... + p_k) / total), and 2^32 from the last positive
// probability on, so an outcome of probability 0 is never chosen.
std::vector<std::uint64_t> cumulative_thresholds(const double* probabilities, std::size_t count);

}  // namespace dynaq
