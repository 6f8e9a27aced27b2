// What can be known of an MDP before learning on it: whether its episodes can end, and how
// long the epsilon-greedy policy on Q* takes (mdp_analysis.hpp).
#include "dynaq/mdp_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

namespace dynaq {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The states an episode can visit under a policy with action probabilities `pi` ([state][action]):
// from the start states, along outcomes of actions with pi > 0 that do not end the episode. In
// increasing order.
std::vector<std::uint32_t> states_on_policy(const TabularMdp& mdp, const std::vector<double>& pi) {
  const std::uint32_t S = mdp.n_states, A = mdp.n_actions;
  std::vector<std::uint8_t> seen(S, 0);
  std::vector<std::uint32_t> frontier;
  for (std::uint32_t s = 0; s < S; ++s)
    if (mdp.initial_distribution[s] > 0.0) {
      seen[s] = 1;
      frontier.push_back(s);
    }
  while (!frontier.empty()) {
    const std::uint32_t s = frontier.back();
    frontier.pop_back();
    for (std::uint32_t a = 0; a < A; ++a) {
      const std::uint32_t pair = s * A + a;
      if (!(pi[pair] > 0.0)) continue;
      for (std::uint32_t i = mdp.pair_begin[pair]; i < mdp.pair_begin[pair + 1]; ++i)
        if (!mdp.terminated[i] && mdp.probability[i] > 0.0 && !seen[mdp.next_state[i]]) {
          seen[mdp.next_state[i]] = 1;
          frontier.push_back(mdp.next_state[i]);
        }
    }
  }
  std::vector<std::uint32_t> states;
  for (std::uint32_t s = 0; s < S; ++s)
    if (seen[s]) states.push_back(s);
  return states;
}

// Whether every state of `states` (closed under the policy) can end an episode under it: a
// search backwards from the states with an ending outcome, along the policy's outcomes reversed,
// linear in the outcomes of `states`.
bool every_state_can_end(const TabularMdp& mdp, const std::vector<double>& pi, const std::vector<std::uint32_t>& states) {
  const std::uint32_t A = mdp.n_actions;
  const auto each_outcome = [&](std::uint32_t s, const auto& visit) {
    for (std::uint32_t a = 0; a < A; ++a) {
      const std::uint32_t pair = s * A + a;
      if (!(pi[pair] > 0.0)) continue;
      for (std::uint32_t i = mdp.pair_begin[pair]; i < mdp.pair_begin[pair + 1]; ++i)
        if (mdp.probability[i] > 0.0) visit(i);
    }
  };
  // Predecessors among `states`, as lists in one array (by next state).
  std::vector<std::uint32_t> begin(std::uint64_t{mdp.n_states} + 1, 0);
  for (const std::uint32_t s : states)
    each_outcome(s, [&](std::uint32_t i) { if (!mdp.terminated[i]) ++begin[mdp.next_state[i] + 1]; });
  for (std::uint32_t s = 0; s < mdp.n_states; ++s) begin[s + 1] += begin[s];
  std::vector<std::uint32_t> predecessors(begin.back()), filled(begin.begin(), begin.end() - 1);
  std::vector<std::uint8_t> ends(mdp.n_states, 0);
  std::vector<std::uint32_t> frontier;
  for (const std::uint32_t s : states)
    each_outcome(s, [&](std::uint32_t i) {
      if (!mdp.terminated[i]) {
        predecessors[filled[mdp.next_state[i]]++] = s;
      } else if (!ends[s]) {
        ends[s] = 1;
        frontier.push_back(s);
      }
    });
  while (!frontier.empty()) {
    const std::uint32_t s = frontier.back();
    frontier.pop_back();
    for (std::uint32_t k = begin[s]; k < begin[s + 1]; ++k)
      if (!ends[predecessors[k]]) {
        ends[predecessors[k]] = 1;
        frontier.push_back(predecessors[k]);
      }
  }
  return std::all_of(states.begin(), states.end(), [&](std::uint32_t s) { return ends[s] != 0; });
}

}  // namespace

bool can_terminate(const TabularMdp& mdp) {
  std::vector<std::uint8_t> seen(mdp.n_states, 0);
  std::deque<std::uint32_t> frontier(mdp.start_state.begin(), mdp.start_state.end());
  for (std::uint32_t s : mdp.start_state) seen[s] = 1;
  while (!frontier.empty()) {
    const std::uint32_t s = frontier.front();
    frontier.pop_front();
    for (std::uint32_t p = s * mdp.n_actions; p < (s + 1) * mdp.n_actions; ++p)
      for (std::uint32_t i = mdp.pair_begin[p]; i < mdp.pair_begin[p + 1]; ++i) {
        if (mdp.probability[i] <= 0.0) continue;
        if (mdp.terminated[i]) return true;
        if (!seen[mdp.next_state[i]]) {
          seen[mdp.next_state[i]] = 1;
          frontier.push_back(mdp.next_state[i]);
        }
      }
  }
  return false;
}

double epsilon_greedy_steps(const TabularMdp& mdp, const std::vector<double>& q_star, double epsilon,
                            std::uint32_t step_limit) {
  const std::uint32_t S = mdp.n_states, A = mdp.n_actions;
  // pi(a | s): epsilon / A for every action, plus (1 - epsilon) shared by the maximal ones. Q*
  // values of equally good actions can differ in their last bits, so "maximal" allows 1e-9.
  std::vector<double> pi(std::uint64_t{S} * A);
  for (std::uint32_t s = 0; s < S; ++s) {
    const double* row = &q_star[std::uint64_t{s} * A];
    const double best = *std::max_element(row, row + A);
    const double slack = 1e-9 * std::max(1.0, std::fabs(best));
    std::uint32_t ties = 0;
    for (std::uint32_t a = 0; a < A; ++a) ties += row[a] >= best - slack;
    for (std::uint32_t a = 0; a < A; ++a)
      pi[std::uint64_t{s} * A + a] = epsilon / A + (row[a] >= best - slack ? (1.0 - epsilon) / ties : 0.0);
  }
  const std::vector<std::uint32_t> states = states_on_policy(mdp, pi);
  if (step_limit == 0 && !every_state_can_end(mdp, pi, states)) return kNaN;  // infinitely long on average
  std::vector<double> steps(S, 0.0), next(S, 0.0);
  // Without a step limit, sweeps go on until nothing changes, bounded (about 2e9 outcome visits)
  // for chains that mix too slowly.
  std::uint64_t work_per_sweep = 1;
  for (const std::uint32_t s : states) work_per_sweep += A + mdp.pair_begin[(s + 1) * A] - mdp.pair_begin[s * A];
  const std::uint64_t limit =
      step_limit != 0 ? step_limit : std::max<std::uint64_t>(1000, std::min<std::uint64_t>(100000, 2'000'000'000 / work_per_sweep));
  for (std::uint64_t h = 0; h < limit; ++h) {
    double change = 0.0;
    for (const std::uint32_t s : states) {
      double value = 1.0;
      for (std::uint32_t a = 0; a < A; ++a) {
        const std::uint32_t pair = s * A + a;
        double future = 0.0;
        for (std::uint32_t i = mdp.pair_begin[pair]; i < mdp.pair_begin[pair + 1]; ++i)
          if (!mdp.terminated[i]) future += mdp.probability[i] * steps[mdp.next_state[i]];
        value += pi[pair] * future;
      }
      change = std::max(change, std::fabs(value - steps[s]));
      next[s] = value;
    }
    steps.swap(next);
    if (change < 1e-9) break;
    if (step_limit == 0 && h + 1 == limit) return kNaN;
  }
  double start = 0.0;
  for (const std::uint32_t s : states) start += mdp.initial_distribution[s] * steps[s];
  return start;
}

}  // namespace dynaq
