// Exact solutions of tabular MDPs: value iteration, greedy policies, and the exact evaluation
// of deterministic policies (expected undiscounted return and episode length).
//
// These are the ground truth that learning curves are compared with: V*(start), and what the
// optimal greedy policy (or any learned greedy policy) earns per episode on the true MDP.
// All arithmetic is in double; rewards are widened from the tables' float32.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dynaq/errors.hpp"
#include "dynaq/mdp.hpp"
#include "dynaq/mdp_view.hpp"
#include "dynaq/platform.hpp"

namespace dynaq {

// ---- The Bellman backup, shared by the host solver and any device solver -----------------
//
// `probability` is the per-outcome probability array (TabularMdp::probability), which MdpView
// does not carry; `v` holds one value per state. Outcomes are summed in table order, so that
// every caller computing the same backup rounds the same way.

// Q(s, a) = sum over the outcomes of pair = s * n_actions + a of
//           p * (r + (terminated ? 0 : gamma * v[next])).
DYNAQ_HD inline double bellman_q(const MdpView& mdp, const double* probability, const double* v,
                                 std::uint32_t pair, double gamma) {
  double q = 0.0;
  for (std::uint32_t i = mdp.pair_begin[pair]; i < mdp.pair_begin[pair + 1]; ++i) {
    const double future = mdp.terminated[i] ? 0.0 : gamma * v[mdp.next_state[i]];
    q += probability[i] * (static_cast<double>(mdp.reward[i]) + future);
  }
  return q;
}

// V(s) = max_a Q(s, a). Writes Q(s, a) to q_row[a] when q_row is not null.
DYNAQ_HD inline double bellman_backup(const MdpView& mdp, const double* probability,
                                      const double* v, std::uint32_t state, double gamma,
                                      double* q_row) {
  const std::uint32_t first_pair = state * mdp.n_actions;
  double best = 0.0;
  for (std::uint32_t a = 0; a < mdp.n_actions; ++a) {
    const double q = bellman_q(mdp, probability, v, first_pair + a, gamma);
    if (q_row != nullptr) q_row[a] = q;
    if (a == 0 || q > best) best = q;
  }
  return best;
}

// ---- The stopping rule of a Jacobi sweep, shared by the host and device solvers ------------
//
// What sweep k says of one state, from V_{k-1}(s) = `previous` and V_k(s) = `value`.
// A state counts as arrived when its value is nonzero for the first time: starting from V_0 = 0,
// a state whose only rewards lie d steps away keeps the value 0 for d sweeps and then takes a
// value near gamma^d, which on a large maze (d in the thousands) is far below any tolerance. A
// rule on the size of the changes alone would stop before such values arrive and leave their
// states with a greedy policy that never reaches the reward.
struct StateSweepChange {
  double change;  // |V_k(s) - V_{k-1}(s)|; 0 when V_k(s) is not finite
  bool finite;    // V_k(s) is finite
  bool arrived;   // V_{k-1}(s) == 0 and V_k(s) != 0
};

DYNAQ_HD inline StateSweepChange state_sweep_change(double previous, double value) {
  StateSweepChange result;
  result.finite = std::isfinite(value);
  result.change = result.finite ? std::fabs(value - previous) : 0.0;
  result.arrived = previous == 0.0 && value != 0.0;
  return result;
}

// ---- Value iteration ----------------------------------------------------------------------

// Thrown when an iterative solver stops at its sweep limit without meeting its tolerance.
// It is an InputError: the cure is in the user's hands (gamma < 1, a larger limit).
class ConvergenceError : public InputError {
 public:
  explicit ConvergenceError(const std::string& message) : InputError(message) {}
};

struct ValueIterationOptions {
  double gamma = 0.95;                       // in [0, 1]
  double tolerance = 1e-10;                  // > 0
  std::uint64_t max_iterations = 1'000'000;  // sweeps, >= 1
};

struct ValueIterationResult {
  std::uint32_t n_states = 0;
  std::uint32_t n_actions = 0;
  std::vector<double> q;         // n_states x n_actions, row-major: q[s * n_actions + a]
  std::vector<double> v;         // v[s] = max_a q[s * n_actions + a], exactly
  std::uint64_t iterations = 0;  // sweeps done
  double residual = 0.0;         // max_s |V_k(s) - V_{k-1}(s)| of the last sweep
  double v_start = 0.0;          // sum_s initial_distribution[s] * v[s]
};

// Value iteration by Jacobi sweeps: sweep k computes every V_k(s) = max_a Q_k(s, a), with
// Q_k = the Bellman backup of V_{k-1}, from V_{k-1} alone (V_0 = 0). Each sweep is therefore
// independent of the order of states, so a parallel (e.g. CUDA) version using bellman_backup
// gives the same bits.
// Stopping rule: stop after the first sweep k whose residual max_s |V_k(s) - V_{k-1}(s)| is
// strictly below `tolerance` and in which no state's value arrived (became nonzero for the first
// time; state_sweep_change above says why); the result holds Q_k and V_k. For gamma < 1 the
// error is then at most gamma * tolerance / (1 - gamma) in every state, and every state whose
// value can be told from 0 in double (gamma^d above about 1e-308) has its nonzero value.
// If max_iterations sweeps pass without that, throws ConvergenceError. That happens when the
// values diverge: with gamma = 1, as soon as some policy can collect nonzero reward forever
// without terminating (a reward on a cycle); and it can happen when gamma is so close to 1
// that the contraction is too slow for the sweep limit, or when rewards lie farther than the
// sweep limit from some state.
// Throws InputError for gamma outside [0, 1], a tolerance that is not > 0, or a zero limit.
ValueIterationResult value_iteration(const TabularMdp& mdp, const ValueIterationOptions& options);

// The checks and errors of value_iteration, for every backend to say the same words.
void check_value_iteration_options(const ValueIterationOptions& options);  // throws InputError
// `what` diverged: some value left the range of double in sweep `sweeps`.
ConvergenceError value_iteration_diverged(const std::string& what, std::uint64_t sweeps, double gamma);
// `what` met no stopping rule in options.max_iterations sweeps; the last sweep's residual and
// whether a value arrived in it.
ConvergenceError value_iteration_not_converged(const std::string& what, const ValueIterationOptions& options,
                                               double residual, bool arrived);

// The greedy policy of a Q-table: in each state the FIRST action (lowest index) whose Q is
// maximal, compared exactly (no tolerance), so the result is deterministic.
// The same for a table of any value type (an agent's float Q), `n_states` x `n_actions` values.
template <typename Value>
std::vector<std::uint32_t> greedy_policy(const Value* q, std::uint32_t n_states, std::uint32_t n_actions) {
  std::vector<std::uint32_t> policy(n_states, 0);
  for (std::uint32_t s = 0; s < n_states; ++s) {
    const Value* row = q + std::size_t{s} * n_actions;
    std::uint32_t best = 0;
    for (std::uint32_t a = 1; a < n_actions; ++a)
      if (row[a] > row[best]) best = a;
    policy[s] = best;
  }
  return policy;
}
std::vector<std::uint32_t> greedy_policy(const std::vector<double>& q, std::uint32_t n_states,
                                         std::uint32_t n_actions);
inline std::vector<std::uint32_t> greedy_policy(const ValueIterationResult& result) {
  return greedy_policy(result.q, result.n_states, result.n_actions);
}

// ---- Exact evaluation of a deterministic policy ------------------------------------------

struct PolicyEvaluationOptions {
  // The step limit: unset uses the MDP's max_episode_steps (where 0 means none); a value
  // overrides it, and 0 means "no step limit".
  std::optional<std::uint64_t> horizon;
  double tolerance = 1e-10;                  // > 0, for the iterative part (no step limit)
  std::uint64_t max_iterations = 1'000'000;  // sweeps per strongly connected component
};

struct PolicyEvaluation {
  // Expected undiscounted return per episode from the start distribution. Without a step limit
  // a policy may reach never-ending cycles (closed components, below). A cycle whose rewards
  // are all 0 adds 0; one with rewards all >= 0 (all <= 0), some nonzero, adds +infinity
  // (-infinity); one with rewards of both signs adds NaN (its partial sums need not settle),
  // and so does reaching both a +infinity and a -infinity cycle.
  double expected_return = 0.0;
  // Expected number of steps per episode (with a step limit H: E[min(T, H)]). +infinity when
  // there is no step limit and the policy does not terminate with probability 1.
  double expected_steps = 0.0;
  bool terminates = true;     // even without a step limit, episodes end with probability 1
  std::uint64_t horizon = 0;  // the step limit used; 0: none
};

// Evaluates `policy` (one action per state) on the true MDP, exactly:
//  - with a step limit H: by backward induction over H steps (G_h(s) = expected reward of the
//    next h steps; an episode reaching H steps is truncated). It stops early once a step
//    changes no value (the exact fixed point), so a large H costs no more than needed.
//  - without one: the policy's transition graph (outcomes of positive probability) is split
//    into strongly connected components. Components that can never be left or terminate are
//    the never-ending cycles: if the start distribution reaches one, `terminates` is false and
//    expected_steps is infinite. The other components are solved in reverse topological order:
//    a single state exactly, in one step (its self-loop, if any, solved for), larger ones by
//    Gauss-Seidel sweeps in increasing state order (each state's self-loop solved for) until
//    the largest change in a sweep is strictly below `tolerance` (ConvergenceError after
//    max_iterations sweeps of one component). On a deterministic MDP every component that can
//    be left is a single state, so the result is exact.
// Throws InputError when the policy has the wrong size or an action out of range.
PolicyEvaluation policy_evaluation(const TabularMdp& mdp, const std::vector<std::uint32_t>& policy,
                                   const PolicyEvaluationOptions& options = {});

// The discounted value V^pi of a deterministic policy, by Jacobi sweeps of
// V_k(s) = Q_{k-1}(s, policy[s]) with the same stopping rule and errors as value_iteration.
struct PolicyValue {
  std::vector<double> v;
  std::uint64_t iterations = 0;
  double residual = 0.0;
  double v_start = 0.0;  // sum_s initial_distribution[s] * v[s]
};
PolicyValue discounted_policy_value(const TabularMdp& mdp,
                                    const std::vector<std::uint32_t>& policy,
                                    const ValueIterationOptions& options);

}  // namespace dynaq
