// Value iteration, greedy policies and the exact evaluation of deterministic policies.
#include "dynaq/value_iteration.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "dynaq/format.hpp"
#include "dynaq/same_bits.hpp"

namespace dynaq {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::uint32_t kUnvisited = 0xFFFFFFFFu;
// Below this many outcomes a sweep (about a millisecond) is too short to be worth waking a
// thread team for: on a busy machine, threads waiting between short sweeps cost more than
// they save.
constexpr std::uint32_t kParallelOutcomes = 1u << 20;

void check_policy(const TabularMdp& mdp, const std::vector<std::uint32_t>& policy) {
  if (policy.size() != mdp.n_states)
    throw InputError(mdp.name + ": a policy needs one action per state (" +
                     std::to_string(mdp.n_states) + "), got " + std::to_string(policy.size()));
  for (std::uint32_t s = 0; s < mdp.n_states; ++s)
    if (policy[s] >= mdp.n_actions)
      throw InputError(mdp.name + ": policy action " + std::to_string(policy[s]) + " in state " +
                       std::to_string(s) + " is out of range [0, " +
                       std::to_string(mdp.n_actions) + ")");
}

double weighted_by_start(const TabularMdp& mdp, const std::vector<double>& value) {
  double total = 0.0;
  for (std::uint32_t s = 0; s < mdp.n_states; ++s)
    if (mdp.initial_distribution[s] > 0.0) total += mdp.initial_distribution[s] * value[s];
  return total;
}

ConvergenceError not_converged(const std::string& what, std::uint64_t sweeps, double residual,
                               bool arrived, double tolerance, const std::string& hint) {
  if (residual < tolerance && arrived)
    return ConvergenceError(what + " did not converge: after " + std::to_string(sweeps) +
                            " sweeps some states were still taking their first nonzero value: "
                            "rewards lie farther from them than the sweep limit, which must be larger.");
  return ConvergenceError(what + " did not converge: after " + std::to_string(sweeps) +
                          " sweeps the largest change of a value in a sweep is " +
                          format_double(residual) + ", not below the tolerance " +
                          format_double(tolerance) + ". " + hint);
}

std::string discount_hint(double gamma) {
  if (gamma >= 1.0)
    return "With gamma = 1 the values diverge when a policy can collect nonzero reward forever "
           "without terminating; use gamma < 1.";
  return "Values this slow to settle need more sweeps (or a smaller gamma).";
}

// For each state t, the states whose backup reads V(t): those with a non-terminating outcome
// (of any action) into t, possibly more than once.
struct Readers {
  std::vector<std::uint32_t> begin;   // readers of t: states[begin[t], begin[t + 1])
  std::vector<std::uint32_t> states;
};

Readers readers_of(const TabularMdp& mdp) {
  Readers readers;
  readers.begin.assign(std::size_t{mdp.n_states} + 1, 0);
  for (std::uint32_t i = 0; i < mdp.n_outcomes(); ++i)
    if (!mdp.terminated[i]) ++readers.begin[mdp.next_state[i] + 1];
  for (std::uint32_t t = 0; t < mdp.n_states; ++t) readers.begin[t + 1] += readers.begin[t];
  readers.states.resize(readers.begin[mdp.n_states]);
  std::vector<std::uint32_t> fill(readers.begin.begin(), readers.begin.end() - 1);
  for (std::uint32_t s = 0; s < mdp.n_states; ++s)
    for (std::uint32_t pair = s * mdp.n_actions; pair < (s + 1) * mdp.n_actions; ++pair)
      for (std::uint32_t i = mdp.pair_begin[pair]; i < mdp.pair_begin[pair + 1]; ++i)
        if (!mdp.terminated[i]) readers.states[fill[mdp.next_state[i]]++] = s;
  return readers;
}

// Jacobi sweeps of V_k(s) = backup(V_{k-1}, s) until value_iteration's stopping rule holds.
// `backup(v_old, s)` returns V_k(s) and reads V_{k-1} only at the successors of s.
//
// A sweep backs up only the states that read a value the previous sweep changed (bit for bit):
// the others would compute the same bits from the same inputs, so V_k, the residual and the
// arrivals are exactly those of full sweeps, and so are any side effects of `backup` (Q rows).
// On a maze the values arrive as a front, one step per sweep, and each sweep is a few thousand
// backups instead of all states (random-maze:1000x1000, 2000 sweeps: 14 s -> under 1 s here).
// When many values change (a stochastic MDP still contracting) every state is backed up.
// The residual is a max and the rest are ors, exact in any order, so the parallel loop gives the
// same bits as a serial one.
template <typename Backup>
void jacobi_sweeps(const std::string& what, const TabularMdp& mdp, bool parallel,
                   const ValueIterationOptions& options, Backup backup, std::vector<double>& v,
                   std::uint64_t& iterations, double& residual) {
  const std::uint32_t n = mdp.n_states;
  const Readers readers = readers_of(mdp);
  v.assign(n, 0.0);                       // V_{k-1} before sweep k, V_k after it
  std::vector<double> next(n);            // a sweep of every state writes V_k here, then swaps
  std::vector<double> fresh;              // a sweep of listed states: V_k of those states
  std::vector<std::uint32_t> to_back_up;  // the states of such a sweep
  bool all_states = true;
  std::vector<std::uint32_t> changed;
  std::vector<std::uint64_t> listed_in(n, 0);  // the last sweep whose list holds the state
  // Parallel only where a sweep has enough backups to pay for waking the threads.
  const std::int64_t parallel_from = parallel ? std::max<std::int64_t>(4096, n / 16) : INT64_MAX;
  const std::uint64_t few_changes = n / 8;  // fewer: the next sweep backs up only their readers
  bool arrived = false;
  for (std::uint64_t k = 1; k <= options.max_iterations; ++k) {
    const std::int64_t count = all_states ? std::int64_t{n} : static_cast<std::int64_t>(to_back_up.size());
    double largest = 0.0;
    bool finite = true;
    arrived = false;
    std::uint64_t n_changed = 0;
    if (all_states) {
#pragma omp parallel for schedule(static) reduction(max : largest) reduction(&& : finite) \
    reduction(|| : arrived) reduction(+ : n_changed) if (count >= parallel_from)
      for (std::int64_t s = 0; s < count; ++s) {
        const double value = backup(v.data(), static_cast<std::uint32_t>(s));
        next[s] = value;
        const StateSweepChange change = state_sweep_change(v[s], value);
        finite = finite && change.finite;
        arrived = arrived || change.arrived;
        largest = std::max(largest, change.change);
        n_changed += same_bits(value, v[s]) ? 0 : 1;
      }
      changed.clear();
      if (n_changed <= few_changes)
        for (std::uint32_t s = 0; s < n; ++s)
          if (!same_bits(next[s], v[s])) changed.push_back(s);
      std::swap(v, next);
    } else {
      fresh.resize(static_cast<std::size_t>(count));
#pragma omp parallel for schedule(static) reduction(max : largest) reduction(&& : finite) \
    reduction(|| : arrived) if (count >= parallel_from)
      for (std::int64_t i = 0; i < count; ++i) {
        const std::uint32_t s = to_back_up[i];
        const double value = backup(v.data(), s);
        fresh[i] = value;
        const StateSweepChange change = state_sweep_change(v[s], value);
        finite = finite && change.finite;
        arrived = arrived || change.arrived;
        largest = std::max(largest, change.change);
      }
      changed.clear();
      for (std::int64_t i = 0; i < count; ++i) {
        const std::uint32_t s = to_back_up[i];
        if (same_bits(fresh[i], v[s])) continue;
        v[s] = fresh[i];
        changed.push_back(s);
      }
      n_changed = changed.size();
    }
    iterations = k;
    residual = largest;
    if (!finite) throw value_iteration_diverged(what, k, options.gamma);
    if (largest < options.tolerance && !arrived) return;
    all_states = n_changed > few_changes;
    if (all_states) continue;
    to_back_up.clear();
    for (const std::uint32_t t : changed)
      for (std::uint32_t r = readers.begin[t]; r < readers.begin[t + 1]; ++r) {
        const std::uint32_t s = readers.states[r];
        if (listed_in[s] == k) continue;
        listed_in[s] = k;
        to_back_up.push_back(s);
      }
  }
  throw value_iteration_not_converged(what, options, residual, arrived);
}

// The outcomes [begin, end) of the pair a policy takes in state s.
struct PolicyPair {
  std::uint32_t begin;
  std::uint32_t end;
};

PolicyPair policy_pair(const TabularMdp& mdp, const std::vector<std::uint32_t>& policy,
                       std::uint32_t s) {
  const std::uint32_t pair = s * mdp.n_actions + policy[s];
  return PolicyPair{mdp.pair_begin[pair], mdp.pair_begin[pair + 1]};
}

// An edge of the policy's transition graph: an outcome of positive probability that does not
// terminate.
bool is_edge(const TabularMdp& mdp, std::uint32_t outcome) {
  return mdp.probability[outcome] > 0.0 && mdp.terminated[outcome] == 0;
}

// The strongly connected components of the policy's graph over the states reachable from the
// start distribution, in the order Tarjan's algorithm completes them: a component comes after
// every component it can reach (reverse topological order), which is the order to solve them.
struct Components {
  std::vector<std::uint32_t> component_of;  // per state; kUnvisited when unreachable
  std::vector<std::uint32_t> begin;         // component c holds states[begin[c], begin[c + 1])
  std::vector<std::uint32_t> states;        // ascending within each component
  std::uint32_t count() const { return static_cast<std::uint32_t>(begin.size()) - 1; }
};

Components reachable_components(const TabularMdp& mdp, const std::vector<std::uint32_t>& policy) {
  const std::uint32_t n = mdp.n_states;
  Components result;
  result.component_of.assign(n, kUnvisited);
  result.begin.push_back(0);
  std::vector<std::uint32_t> index(n, kUnvisited);
  std::vector<std::uint32_t> low(n, 0);
  std::vector<std::uint32_t> stack;
  std::vector<char> on_stack(n, 0);
  struct Frame {
    std::uint32_t state;
    std::uint32_t next_outcome;
  };
  std::vector<Frame> calls;  // iterative, so that a million-state chain cannot overflow
  std::uint32_t counter = 0;

  const auto visit = [&](std::uint32_t s) {
    index[s] = low[s] = counter++;
    stack.push_back(s);
    on_stack[s] = 1;
    calls.push_back(Frame{s, policy_pair(mdp, policy, s).begin});
  };

  for (std::uint32_t root = 0; root < n; ++root) {
    if (!(mdp.initial_distribution[root] > 0.0) || index[root] != kUnvisited) continue;
    visit(root);
    while (!calls.empty()) {
      const std::uint32_t s = calls.back().state;
      const std::uint32_t end = policy_pair(mdp, policy, s).end;
      bool descended = false;
      while (calls.back().next_outcome < end) {
        const std::uint32_t i = calls.back().next_outcome++;
        if (!is_edge(mdp, i)) continue;
        const std::uint32_t t = mdp.next_state[i];
        if (index[t] == kUnvisited) {
          visit(t);
          descended = true;
          break;
        }
        if (on_stack[t]) low[s] = std::min(low[s], index[t]);
      }
      if (descended) continue;
      if (low[s] == index[s]) {
        const std::uint32_t c = result.count();
        const std::size_t first = result.states.size();
        std::uint32_t member;
        do {
          member = stack.back();
          stack.pop_back();
          on_stack[member] = 0;
          result.component_of[member] = c;
          result.states.push_back(member);
        } while (member != s);
        std::sort(result.states.begin() + first, result.states.end());
        result.begin.push_back(static_cast<std::uint32_t>(result.states.size()));
      }
      calls.pop_back();
      if (!calls.empty()) {
        const std::uint32_t parent = calls.back().state;
        low[parent] = std::min(low[parent], low[s]);
      }
    }
  }
  return result;
}

// Per component: whether it is closed (a never-ending cycle): none of its states' outcomes
// of positive probability terminates or leads out of it.
std::vector<char> closed_components(const TabularMdp& mdp,
                                    const std::vector<std::uint32_t>& policy,
                                    const Components& components) {
  std::vector<char> closed(components.count(), 1);
  for (std::uint32_t c = 0; c < components.count(); ++c) {
    for (std::uint32_t k = components.begin[c]; k < components.begin[c + 1]; ++k) {
      const PolicyPair pair = policy_pair(mdp, policy, components.states[k]);
      for (std::uint32_t i = pair.begin; i < pair.end; ++i)
        if (mdp.probability[i] > 0.0 &&
            (mdp.terminated[i] || components.component_of[mdp.next_state[i]] != c))
          closed[c] = 0;
    }
  }
  return closed;
}

// What the rewards of a never-ending cycle add up to: 0, +inf, -inf or undefined.
double cycle_sum(bool has_positive, bool has_negative) {
  if (has_positive && has_negative) return kNaN;
  if (has_positive) return kInfinity;
  if (has_negative) return -kInfinity;
  return 0.0;
}

// Undiscounted return and steps without a step limit (see the header for the method).
void evaluate_without_limit(const TabularMdp& mdp, const std::vector<std::uint32_t>& policy,
                            const Components& components, const PolicyEvaluationOptions& options,
                            PolicyEvaluation& result) {
  const std::uint32_t n_components = components.count();
  const std::vector<char> closed = closed_components(mdp, policy, components);
  double cycles = 0.0;  // what the never-ending cycles reached contribute to the return
  for (std::uint32_t c = 0; c < n_components; ++c) {
    if (!closed[c]) continue;
    result.terminates = false;
    // Every outcome of a closed component stays in it, so its rewards recur forever.
    bool has_positive = false, has_negative = false;
    for (std::uint32_t k = components.begin[c]; k < components.begin[c + 1]; ++k) {
      const PolicyPair pair = policy_pair(mdp, policy, components.states[k]);
      for (std::uint32_t i = pair.begin; i < pair.end; ++i) {
        if (!(mdp.probability[i] > 0.0)) continue;
        has_positive = has_positive || mdp.reward[i] > 0.0f;
        has_negative = has_negative || mdp.reward[i] < 0.0f;
      }
    }
    // +inf + -inf is NaN, as it should be: the return then has no value.
    cycles += cycle_sum(has_positive, has_negative);
  }

  // Solve G (return to go) and, when every reached state terminates, T (steps to go),
  // component by component; closed components keep G = 0 (their rewards are in `cycles`).
  const bool want_steps = result.terminates;
  std::vector<double> g(mdp.n_states, 0.0), t(mdp.n_states, 0.0);
  for (std::uint32_t c = 0; c < n_components; ++c) {
    if (closed[c]) continue;
    const std::uint32_t first = components.begin[c], last = components.begin[c + 1];
    const bool singleton = last - first == 1;
    for (std::uint64_t sweep = 1;; ++sweep) {
      double largest = 0.0;
      for (std::uint32_t k = first; k < last; ++k) {
        const std::uint32_t s = components.states[k];
        const PolicyPair pair = policy_pair(mdp, policy, s);
        // G(s) = sum p (r + [not terminated] G(s')), solved for G(s) when s' = s can follow s:
        // G(s) = (sum p r + sum_{s' != s} p G(s')) / (1 - p_stay), with 1 - p_stay computed
        // as the sum of the other outcomes' probabilities (positive in a component that can
        // be left, even when a pair's probabilities add up to slightly more than 1).
        double g_sum = 0.0, t_sum = 0.0, leave = 0.0;
        for (std::uint32_t i = pair.begin; i < pair.end; ++i) {
          const double p = mdp.probability[i];
          if (!(p > 0.0)) continue;
          const bool stays = !mdp.terminated[i] && mdp.next_state[i] == s;
          g_sum += p * static_cast<double>(mdp.reward[i]);
          t_sum += p;
          if (stays) continue;
          leave += p;
          if (!mdp.terminated[i]) {
            g_sum += p * g[mdp.next_state[i]];
            t_sum += p * t[mdp.next_state[i]];
          }
        }
        const double g_new = g_sum / leave;
        const double t_new = want_steps ? t_sum / leave : 0.0;
        largest = std::max({largest, std::fabs(g_new - g[s]), std::fabs(t_new - t[s])});
        g[s] = g_new;
        t[s] = t_new;
      }
      if (singleton || largest < options.tolerance) break;
      if (sweep >= options.max_iterations)
        throw not_converged(mdp.name + ": policy evaluation", sweep, largest, false,
                            options.tolerance,
                            "The policy leaves a group of states only rarely: this needs more "
                            "sweeps.");
    }
  }
  result.expected_return = weighted_by_start(mdp, g) + cycles;
  result.expected_steps = want_steps ? weighted_by_start(mdp, t) : kInfinity;
}

// Backward induction over `horizon` steps on the reachable states (a set closed under the
// policy's transitions, so the induction needs no other state).
void evaluate_with_limit(const TabularMdp& mdp, const std::vector<std::uint32_t>& policy,
                         const Components& components, std::uint64_t horizon,
                         PolicyEvaluation& result) {
  const std::vector<std::uint32_t>& reachable = components.states;
  std::vector<double> g(mdp.n_states, 0.0), t(mdp.n_states, 0.0);
  std::vector<double> g_next(mdp.n_states, 0.0), t_next(mdp.n_states, 0.0);
  for (std::uint64_t h = 1; h <= horizon; ++h) {
    // g, t: the expected reward and steps of the next h - 1 steps; g_next, t_next: of h steps.
    bool changed = false;
    for (const std::uint32_t s : reachable) {
      const PolicyPair pair = policy_pair(mdp, policy, s);
      double g_sum = 0.0, t_sum = 0.0;
      for (std::uint32_t i = pair.begin; i < pair.end; ++i) {
        const double p = mdp.probability[i];
        if (!(p > 0.0)) continue;
        const bool done = mdp.terminated[i] != 0;
        g_sum += p * (static_cast<double>(mdp.reward[i]) + (done ? 0.0 : g[mdp.next_state[i]]));
        t_sum += p * (1.0 + (done ? 0.0 : t[mdp.next_state[i]]));
      }
      changed = changed || g_sum != g[s] || t_sum != t[s];
      g_next[s] = g_sum;
      t_next[s] = t_sum;
    }
    std::swap(g, g_next);
    std::swap(t, t_next);
    // A step that changed nothing is a fixed point: every later step would repeat it exactly.
    if (!changed) break;
  }
  result.expected_return = weighted_by_start(mdp, g);
  result.expected_steps = weighted_by_start(mdp, t);
}

}  // namespace

void check_value_iteration_options(const ValueIterationOptions& options) {
  if (!(options.gamma >= 0.0 && options.gamma <= 1.0))
    throw InputError("gamma " + format_double(options.gamma) + " is not in [0, 1]");
  if (!(options.tolerance > 0.0))
    throw InputError("tolerance " + format_double(options.tolerance) + " is not > 0");
  if (options.max_iterations == 0) throw InputError("the sweep limit must be at least 1");
}

ConvergenceError value_iteration_diverged(const std::string& what, std::uint64_t sweeps, double gamma) {
  return ConvergenceError(what + " diverged: a value left the range of double after " +
                          std::to_string(sweeps) + " sweeps" +
                          (gamma >= 1.0 ? " (gamma = 1 with reward on a cycle)" : ""));
}

ConvergenceError value_iteration_not_converged(const std::string& what, const ValueIterationOptions& options,
                                               double residual, bool arrived) {
  return not_converged(what, options.max_iterations, residual, arrived, options.tolerance,
                       discount_hint(options.gamma));
}

ValueIterationResult value_iteration(const TabularMdp& mdp, const ValueIterationOptions& options) {
  check_value_iteration_options(options);
  ValueIterationResult result;
  result.n_states = mdp.n_states;
  result.n_actions = mdp.n_actions;
  result.q.assign(std::size_t{mdp.n_states} * mdp.n_actions, 0.0);
  const MdpView view = mdp.view();
  const double* probability = mdp.probability.data();
  double* q = result.q.data();
  const double gamma = options.gamma;
  jacobi_sweeps(
      mdp.name + ": value iteration", mdp, mdp.n_outcomes() >= kParallelOutcomes,
      options,
      [&](const double* v_old, std::uint32_t s) {
        return bellman_backup(view, probability, v_old, s, gamma,
                              q + std::size_t{s} * view.n_actions);
      },
      result.v, result.iterations, result.residual);
  result.v_start = weighted_by_start(mdp, result.v);
  return result;
}

std::vector<std::uint32_t> greedy_policy(const std::vector<double>& q, std::uint32_t n_states,
                                         std::uint32_t n_actions) {
  DYNAQ_EXPECTS(q.size() == std::size_t{n_states} * n_actions && n_actions > 0,
                "greedy_policy: Q-table size does not match states x actions");
  return greedy_policy(q.data(), n_states, n_actions);
}

PolicyEvaluation policy_evaluation(const TabularMdp& mdp, const std::vector<std::uint32_t>& policy,
                                   const PolicyEvaluationOptions& options) {
  check_policy(mdp, policy);
  if (!(options.tolerance > 0.0))
    throw InputError("tolerance " + format_double(options.tolerance) + " is not > 0");
  if (options.max_iterations == 0) throw InputError("the sweep limit must be at least 1");
  PolicyEvaluation result;
  result.horizon = options.horizon ? *options.horizon : mdp.max_episode_steps;
  const Components components = reachable_components(mdp, policy);
  if (result.horizon == 0) {
    evaluate_without_limit(mdp, policy, components, options, result);
    return result;
  }
  // `terminates` is reported with a step limit too: whether the limit is ever needed.
  for (const char closed : closed_components(mdp, policy, components))
    if (closed) result.terminates = false;
  evaluate_with_limit(mdp, policy, components, result.horizon, result);
  return result;
}

PolicyValue discounted_policy_value(const TabularMdp& mdp,
                                    const std::vector<std::uint32_t>& policy,
                                    const ValueIterationOptions& options) {
  check_value_iteration_options(options);
  check_policy(mdp, policy);
  const MdpView view = mdp.view();
  const double* probability = mdp.probability.data();
  const double gamma = options.gamma;
  PolicyValue result;
  jacobi_sweeps(
      mdp.name + ": policy evaluation", mdp, mdp.n_outcomes() / mdp.n_actions >= kParallelOutcomes,
      options,
      [&](const double* v_old, std::uint32_t s) {
        return bellman_q(view, probability, v_old, s * view.n_actions + policy[s], gamma);
      },
      result.v, result.iterations, result.residual);
  result.v_start = weighted_by_start(mdp, result.v);
  return result;
}

}  // namespace dynaq
