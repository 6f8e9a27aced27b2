// Tests of value iteration, greedy policies and exact policy evaluation against values
// computed by hand on small MDPs.
#include "dynaq/value_iteration.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "dynaq/generators.hpp"
#include "dynaq/maze.hpp"
#include "dynaq/mdp.hpp"
#include "dynaq/same_bits.hpp"

namespace dynaq {
namespace {

// A chain 0 -> 1 -> ... -> length - 1. Action 0 moves right (reward 0); from the last state it
// gives reward 1 and terminates. Action 1 stays where it is (reward `stay_reward`). Starts in 0.
TabularMdp chain(std::uint32_t length, std::uint32_t max_episode_steps = 0,
                 double stay_reward = 0.0) {
  MdpBuilder builder("chain", length, 2);
  for (std::uint32_t s = 0; s < length; ++s) {
    if (s + 1 < length)
      builder.add_outcome(s, 0, 1.0, s + 1, 0.0, false);
    else
      builder.add_outcome(s, 0, 1.0, s, 1.0, true);
    builder.add_outcome(s, 1, 1.0, s, stay_reward, false);
  }
  builder.set_initial_state(0);
  builder.set_max_episode_steps(max_episode_steps);
  return builder.build();
}

// State 0: action 0 ("now") gives 1 and terminates; action 1 ("wait") gives 0 and moves to
// state 1, where both actions give 3 and terminate. Q(0, now) = 1, Q(0, wait) = 3 gamma.
TabularMdp now_or_later() {
  MdpBuilder builder("now-or-later", 2, 2);
  builder.add_outcome(0, 0, 1.0, 0, 1.0, true);
  builder.add_outcome(0, 1, 1.0, 1, 0.0, false);
  builder.add_outcome(1, 0, 1.0, 1, 3.0, true);
  builder.add_outcome(1, 1, 1.0, 1, 3.0, true);
  builder.set_initial_state(0);
  return builder.build();
}

// Two states, two actions. Action 0 ("play"):
//   in 0: probability 1/2 reward 1 and stay in 0; probability 1/2 reward 0 and go to 1;
//   in 1: probability 1/4 reward 2 and terminate; probability 3/4 reward 0 and go to 0.
// Action 1 ("quit") terminates at once with reward 2.5 in state 0 and 2.4 in state 1.
TabularMdp play_or_quit() {
  MdpBuilder builder("play-or-quit", 2, 2);
  builder.add_outcome(0, 0, 0.5, 0, 1.0, false);
  builder.add_outcome(0, 0, 0.5, 1, 0.0, false);
  builder.add_outcome(0, 1, 1.0, 0, 2.5, true);
  builder.add_outcome(1, 0, 0.25, 1, 2.0, true);
  builder.add_outcome(1, 0, 0.75, 0, 0.0, false);
  builder.add_outcome(1, 1, 1.0, 1, 2.4, true);
  builder.set_initial_state(0);
  return builder.build();
}

ValueIterationOptions with_gamma(double gamma, double tolerance = 1e-10) {
  ValueIterationOptions options;
  options.gamma = gamma;
  options.tolerance = tolerance;
  return options;
}

PolicyEvaluationOptions with_horizon(std::uint64_t horizon) {
  PolicyEvaluationOptions options;
  options.horizon = horizon;
  return options;
}

TEST(ValueIteration, DeterministicChainGivesPowersOfGamma) {
  const double gamma = 0.9;
  const ValueIterationResult result = value_iteration(chain(3), with_gamma(gamma));
  // Jacobi sweeps carry the goal's value back one state per sweep: exact after 3 sweeps, and
  // the 4th changes nothing.
  EXPECT_EQ(result.iterations, 4u);
  EXPECT_EQ(result.residual, 0.0);
  EXPECT_EQ(result.v, (std::vector<double>{gamma * gamma, gamma, 1.0}));
  // Staying (action 1) is worth gamma times the state's own value.
  EXPECT_EQ(result.q, (std::vector<double>{gamma * gamma, gamma * (gamma * gamma), gamma,
                                           gamma * gamma, 1.0, gamma}));
  EXPECT_EQ(result.v_start, gamma * gamma);
  EXPECT_EQ(greedy_policy(result), (std::vector<std::uint32_t>{0, 0, 0}));
}

TEST(ValueIteration, BestActionChangesWithGamma) {
  const TabularMdp mdp = now_or_later();
  // Waiting is worth 3 gamma: better than 1 exactly when gamma > 1/3.
  const ValueIterationResult patient = value_iteration(mdp, with_gamma(0.5));
  EXPECT_EQ(patient.v[0], 1.5);
  EXPECT_EQ(greedy_policy(patient)[0], 1u);
  const ValueIterationResult impatient = value_iteration(mdp, with_gamma(0.2));
  EXPECT_EQ(impatient.v[0], 1.0);
  EXPECT_NEAR(impatient.q[1], 0.6, 1e-15);
  EXPECT_EQ(greedy_policy(impatient)[0], 0u);
}

TEST(ValueIteration, StochasticMdpMatchesHandSolvedLinearSystem) {
  // With gamma = 0.9, playing in both states (checked below against quitting):
  //   V0 = 0.5 (1 + 0.9 V0) + 0.5 (0.9 V1) = 0.5 + 0.45 V0 + 0.45 V1
  //   V1 = 0.25 * 2 + 0.75 (0.9 V0)        = 0.5 + 0.675 V0
  // Substituting V1: V0 (1 - 0.45 - 0.45 * 0.675) = 0.5 + 0.45 * 0.5, i.e.
  //   0.24625 V0 = 0.725, V0 = 580/197 = 2.9441624...; V1 = 0.5 + 0.675 V0 = 490/197 = 2.4873...
  // Quitting is worth 2.5 < V0 in state 0 and 2.4 < V1 in state 1, so playing is optimal.
  const ValueIterationResult result = value_iteration(play_or_quit(), with_gamma(0.9, 1e-13));
  // Stopping bound: |V - V*| <= gamma * tolerance / (1 - gamma) = 9e-13.
  EXPECT_NEAR(result.v[0], 580.0 / 197.0, 1e-11);
  EXPECT_NEAR(result.v[1], 490.0 / 197.0, 1e-11);
  EXPECT_EQ(result.q[1], 2.5);
  EXPECT_EQ(result.q[3], static_cast<double>(2.4f));  // rewards are float32 in the tables
  EXPECT_LT(result.residual, 1e-13);
  EXPECT_GT(result.iterations, 10u);
  EXPECT_EQ(result.v_start, result.v[0]);
  EXPECT_EQ(greedy_policy(result), (std::vector<std::uint32_t>{0, 0}));
  for (std::uint32_t s = 0; s < 2; ++s)
    EXPECT_EQ(result.v[s], std::max(result.q[2 * s], result.q[2 * s + 1]));
}

TEST(ValueIteration, GammaZeroIsTheBestImmediateReward) {
  const ValueIterationResult result = value_iteration(play_or_quit(), with_gamma(0.0));
  // Play earns 0.5 in expectation in both states; quitting 2.5 and 2.4.
  EXPECT_EQ(result.q, (std::vector<double>{0.5, 2.5, 0.5, static_cast<double>(2.4f)}));
  EXPECT_EQ(result.v, (std::vector<double>{2.5, static_cast<double>(2.4f)}));
  EXPECT_EQ(result.iterations, 2u);
  EXPECT_EQ(greedy_policy(result), (std::vector<std::uint32_t>{1, 1}));
}

TEST(ValueIteration, GammaOneWithTerminationConverges) {
  // Undiscounted, the chain's goal is worth 1 from everywhere; staying ties with moving and the
  // first maximal action (move right) is chosen.
  const ValueIterationResult chain_result = value_iteration(chain(3), with_gamma(1.0));
  EXPECT_EQ(chain_result.v, (std::vector<double>{1.0, 1.0, 1.0}));
  EXPECT_EQ(greedy_policy(chain_result), (std::vector<std::uint32_t>{0, 0, 0}));
  // play-or-quit undiscounted: G0 = 6, G1 = 5 (solved in PolicyEvaluationStochasticExact).
  const ValueIterationResult result = value_iteration(play_or_quit(), with_gamma(1.0, 1e-12));
  EXPECT_NEAR(result.v[0], 6.0, 1e-9);
  EXPECT_NEAR(result.v[1], 5.0, 1e-9);
}

TEST(ValueIteration, DivergenceIsReportedAsNotConverged) {
  // Staying earns 1 forever: with gamma = 1 the values grow by 1 each sweep.
  ValueIterationOptions options = with_gamma(1.0);
  options.max_iterations = 1000;
  try {
    value_iteration(chain(3, 0, 1.0), options);
    FAIL() << "expected a ConvergenceError";
  } catch (const ConvergenceError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("did not converge"), std::string::npos) << message;
    EXPECT_NE(message.find("1000 sweeps"), std::string::npos) << message;
    EXPECT_NE(message.find("gamma = 1"), std::string::npos) << message;
  }
  // Too few sweeps for a slow contraction is the same error.
  ValueIterationOptions slow = with_gamma(0.999);
  slow.max_iterations = 10;
  EXPECT_THROW(value_iteration(play_or_quit(), slow), ConvergenceError);
}

TEST(ValueIteration, FarRewardsArriveBeforeTheSweepsStop) {
  // 700 states from the goal, gamma^699 is about 2.8e-16: every change of a sweep is far below
  // the tolerance long before the goal's value reaches the start. The sweeps go on until it has
  // (701 sweeps: 700 to carry it back, one that changes nothing), so the greedy policy walks to
  // the goal from everywhere.
  const double gamma = 0.95;
  const ValueIterationResult result = value_iteration(chain(700), with_gamma(gamma));
  EXPECT_EQ(result.iterations, 701u);
  double expected = 1.0;
  for (int k = 0; k < 699; ++k) expected = gamma * expected;
  EXPECT_EQ(result.v_start, expected);
  EXPECT_GT(result.v_start, 0.0);
  EXPECT_EQ(greedy_policy(result), std::vector<std::uint32_t>(700, 0));
  const PolicyEvaluation walk = policy_evaluation(chain(700), greedy_policy(result));
  EXPECT_TRUE(walk.terminates);
  EXPECT_EQ(walk.expected_steps, 700.0);
}

TEST(ValueIteration, ArrivalsPastTheSweepLimitAreNotConverged) {
  ValueIterationOptions options = with_gamma(0.95);
  options.max_iterations = 600;  // the start's value arrives in sweep 700
  try {
    value_iteration(chain(700), options);
    FAIL() << "expected a ConvergenceError";
  } catch (const ConvergenceError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("600 sweeps"), std::string::npos) << message;
    EXPECT_NE(message.find("first nonzero value"), std::string::npos) << message;
  }
}

TEST(ValueIterationStoppingRule, ArrivalIsTheFirstNonzeroValue) {
  EXPECT_TRUE(state_sweep_change(0.0, 1e-300).arrived);
  EXPECT_TRUE(state_sweep_change(-0.0, -2.0).arrived);
  EXPECT_FALSE(state_sweep_change(0.0, -0.0).arrived);
  EXPECT_FALSE(state_sweep_change(0.5, 0.25).arrived);
  EXPECT_FALSE(state_sweep_change(0.5, 0.0).arrived);  // leaving 0 is arriving, reaching it is not
  EXPECT_EQ(state_sweep_change(0.5, 0.25).change, 0.25);
  EXPECT_EQ(state_sweep_change(-1.0, 2.0).change, 3.0);
  const StateSweepChange overflow = state_sweep_change(1.0, std::numeric_limits<double>::infinity());
  EXPECT_FALSE(overflow.finite);
  EXPECT_EQ(overflow.change, 0.0);
  EXPECT_FALSE(state_sweep_change(1.0, std::nan("")).finite);
}

// n states, 2 actions, each moving to a random state (one of them sometimes with a second, random
// outcome); a few states pay 1 and end. Values arrive from those states as a front that is a
// handful of states at first and most of the graph a few sweeps later.
TabularMdp sparse_random_graph(std::uint32_t n, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<std::uint32_t> state(0, n - 1);
  MdpBuilder builder("sparse-random-graph", n, 2);
  for (std::uint32_t s = 0; s < n; ++s) {
    if (s % 500 == 7) {
      builder.add_outcome(s, 0, 1.0, s, 1.0, true);
      builder.add_outcome(s, 1, 1.0, s, 1.0, true);
      continue;
    }
    builder.add_outcome(s, 0, 1.0, state(random), 0.0, false);
    if (s % 3 == 0) {
      builder.add_outcome(s, 1, 0.5, state(random), 0.0, false);
      builder.add_outcome(s, 1, 0.5, state(random), -0.01, false);
    } else {
      builder.add_outcome(s, 1, 1.0, state(random), 0.0, false);
    }
  }
  builder.set_initial_state(0);
  return builder.build();
}

// Value iteration as value_iteration.hpp defines it, one full Jacobi sweep of every state at a
// time: what the solver's sweeps over changed states only must reproduce bit for bit.
ValueIterationResult full_sweeps(const TabularMdp& mdp, const ValueIterationOptions& options) {
  const MdpView view = mdp.view();
  ValueIterationResult result;
  result.q.assign(std::size_t{mdp.n_states} * mdp.n_actions, 0.0);
  std::vector<double> v_old(mdp.n_states, 0.0), v(mdp.n_states, 0.0);
  for (std::uint64_t k = 1; k <= options.max_iterations; ++k) {
    double largest = 0.0;
    bool arrived = false;
    for (std::uint32_t s = 0; s < mdp.n_states; ++s) {
      v[s] = bellman_backup(view, mdp.probability.data(), v_old.data(), s, options.gamma,
                            result.q.data() + std::size_t{s} * mdp.n_actions);
      const StateSweepChange change = state_sweep_change(v_old[s], v[s]);
      largest = std::max(largest, change.change);
      arrived = arrived || change.arrived;
    }
    result.iterations = k;
    result.residual = largest;
    if (largest < options.tolerance && !arrived) break;
    std::swap(v, v_old);
  }
  result.v = v;
  return result;
}

TEST(ValueIteration, SweepsOfChangedStatesGiveTheBitsOfFullSweeps) {
  struct Case {
    TabularMdp mdp;
    double gamma;
  };
  std::vector<Case> cases;
  cases.push_back({garnet(300, 4, 3, 7), 0.95});                              // all states change
  cases.push_back({garnet(300, 4, 3, 8), 0.999});                             // slowly
  cases.push_back({maze_to_mdp(random_maze(40, 40, 3), "random-maze"), 0.95});  // a front
  cases.push_back({maze_to_mdp(random_maze(40, 40, 3), "random-maze"), 1.0});
  cases.push_back({chain(50, 0, 0.25), 0.9});  // staying pays: values grow everywhere at once
  cases.push_back({sparse_random_graph(2000, 11), 0.95});  // a front that widens, then settles
  cases.push_back({sparse_random_graph(2000, 12), 1.0});
  cases.push_back({play_or_quit(), 0.97});
  for (const Case& c : cases) {
    const ValueIterationOptions options = with_gamma(c.gamma);
    const ValueIterationResult expected = full_sweeps(c.mdp, options);
    const ValueIterationResult result = value_iteration(c.mdp, options);
    SCOPED_TRACE(c.mdp.name + " gamma " + std::to_string(c.gamma));
    EXPECT_EQ(result.iterations, expected.iterations);
    EXPECT_TRUE(same_bits(result.residual, expected.residual));
    EXPECT_TRUE(same_bits(result.v, expected.v));
    EXPECT_TRUE(same_bits(result.q, expected.q));
  }
}

TEST(ValueIteration, RejectsBadOptions) {
  EXPECT_THROW(value_iteration(chain(3), with_gamma(1.5)), InputError);
  EXPECT_THROW(value_iteration(chain(3), with_gamma(-0.1)), InputError);
  EXPECT_THROW(value_iteration(chain(3), with_gamma(std::nan(""))), InputError);
  EXPECT_THROW(value_iteration(chain(3), with_gamma(0.9, 0.0)), InputError);
  ValueIterationOptions none = with_gamma(0.9);
  none.max_iterations = 0;
  EXPECT_THROW(value_iteration(chain(3), none), InputError);
}

TEST(ValueIteration, ManyStatesSweepInParallelWithSerialBits) {
  // 60000 chains of 10 states side by side: enough outcomes for the threaded sweep. State s is
  // 9 - s % 10 moves from its chain's goal, so V(s) = gamma^(9 - s % 10), built here by the
  // same multiplications as the backups make.
  const std::uint32_t n = 600000;
  const double gamma = 0.9;
  MdpBuilder builder("chains", n, 2);
  for (std::uint32_t s = 0; s < n; ++s) {
    if (s % 10 != 9)
      builder.add_outcome(s, 0, 1.0, s + 1, 0.0, false);
    else
      builder.add_outcome(s, 0, 1.0, s, 1.0, true);
    builder.add_outcome(s, 1, 1.0, s, 0.0, false);
  }
  builder.set_initial_state(0);
  const ValueIterationResult result = value_iteration(builder.build(), with_gamma(gamma));
  EXPECT_EQ(result.iterations, 11u);
  std::vector<double> power(10, 1.0);
  for (std::uint32_t k = 1; k < 10; ++k) power[k] = gamma * power[k - 1];
  for (std::uint32_t s = 0; s < n; ++s) ASSERT_EQ(result.v[s], power[9 - s % 10]) << s;
}

TEST(ValueIterationBellman, BackupOfOneStateMatchesTheFormula) {
  const TabularMdp mdp = play_or_quit();
  const MdpView view = mdp.view();
  const std::vector<double> v = {2.0, 4.0};
  // Q(0, play) = 0.5 (1 + 0.5 * 2) + 0.5 (0 + 0.5 * 4) = 1 + 1 = 2; Q(1, play) = 0.5 + 0.75.
  EXPECT_EQ(bellman_q(view, mdp.probability.data(), v.data(), 0, 0.5), 2.0);
  EXPECT_EQ(bellman_q(view, mdp.probability.data(), v.data(), 2, 0.5), 1.25);
  double q_row[2] = {-1.0, -1.0};
  EXPECT_EQ(bellman_backup(view, mdp.probability.data(), v.data(), 0, 0.5, q_row), 2.5);
  EXPECT_EQ(q_row[0], 2.0);
  EXPECT_EQ(q_row[1], 2.5);
  EXPECT_EQ(bellman_backup(view, mdp.probability.data(), v.data(), 1, 0.5, nullptr),
            static_cast<double>(2.4f));
}

TEST(ValueIterationGreedy, FirstMaximalActionWins) {
  const std::vector<double> q = {1.0, 1.0, 0.0, 0.0, 2.0, 2.0, -3.0, -1.0, -1.0};
  EXPECT_EQ(greedy_policy(q, 3, 3), (std::vector<std::uint32_t>{0, 1, 1}));
}

TEST(ValueIterationPolicyEvaluation, ChainWithAndWithoutStepLimit) {
  const std::vector<std::uint32_t> right(5, 0);
  // The goal's reward arrives on step 5.
  const PolicyEvaluation free = policy_evaluation(chain(5), right);
  EXPECT_EQ(free.expected_return, 1.0);
  EXPECT_EQ(free.expected_steps, 5.0);
  EXPECT_TRUE(free.terminates);
  EXPECT_EQ(free.horizon, 0u);
  // The MDP's own limit of 3 steps truncates every episode before the goal.
  const PolicyEvaluation limited = policy_evaluation(chain(5, 3), right);
  EXPECT_EQ(limited.expected_return, 0.0);
  EXPECT_EQ(limited.expected_steps, 3.0);
  EXPECT_EQ(limited.horizon, 3u);
  EXPECT_TRUE(limited.terminates);
  // A caller's horizon overrides it: 5 steps are enough, 0 means no limit.
  EXPECT_EQ(policy_evaluation(chain(5, 3), right, with_horizon(5)).expected_return, 1.0);
  const PolicyEvaluation unlimited = policy_evaluation(chain(5, 3), right, with_horizon(0));
  EXPECT_EQ(unlimited.expected_return, 1.0);
  EXPECT_EQ(unlimited.horizon, 0u);
  const PolicyEvaluation long_limit = policy_evaluation(chain(5), right, with_horizon(1000000));
  EXPECT_EQ(long_limit.expected_return, 1.0);
  EXPECT_EQ(long_limit.expected_steps, 5.0);
}

TEST(ValueIterationPolicyEvaluation, NeverTerminatingPolicyHasInfiniteSteps) {
  const std::vector<std::uint32_t> stay(4, 1);
  const PolicyEvaluation result = policy_evaluation(chain(4), stay);
  EXPECT_FALSE(result.terminates);
  EXPECT_TRUE(std::isinf(result.expected_steps));
  EXPECT_GT(result.expected_steps, 0.0);
  EXPECT_EQ(result.expected_return, 0.0);  // it never earns anything
  // With a limit the episode is cut: exactly the limit, and still flagged as never ending.
  const PolicyEvaluation limited = policy_evaluation(chain(4), stay, with_horizon(10));
  EXPECT_EQ(limited.expected_steps, 10.0);
  EXPECT_EQ(limited.expected_return, 0.0);
  EXPECT_FALSE(limited.terminates);
  // Moving right, then staying in state 2 forever: also infinite.
  EXPECT_TRUE(std::isinf(policy_evaluation(chain(4), {0, 0, 1, 0}).expected_steps));
}

TEST(ValueIterationPolicyEvaluation, RewardOnANeverEndingCycle) {
  const std::vector<std::uint32_t> stay(3, 1);
  EXPECT_EQ(policy_evaluation(chain(3, 0, 1.0), stay).expected_return,
            std::numeric_limits<double>::infinity());
  EXPECT_EQ(policy_evaluation(chain(3, 0, -1.0), stay).expected_return,
            -std::numeric_limits<double>::infinity());
  EXPECT_EQ(policy_evaluation(chain(3, 0, 1.0), stay, with_horizon(7)).expected_return, 7.0);
  // A two-state cycle earning +1 then -1: the partial sums never settle.
  MdpBuilder builder("see-saw", 2, 1);
  builder.add_outcome(0, 0, 1.0, 1, 1.0, false);
  builder.add_outcome(1, 0, 1.0, 0, -1.0, false);
  builder.set_initial_state(0);
  EXPECT_TRUE(std::isnan(policy_evaluation(builder.build(), {0, 0}).expected_return));
}

TEST(ValueIterationPolicyEvaluation, PartlyTerminatingPolicy) {
  // From state 0: probability 1/2 terminate with reward 2, 1/2 move to the absorbing state 1.
  MdpBuilder builder("coin", 2, 1);
  builder.add_outcome(0, 0, 0.5, 0, 2.0, true);
  builder.add_outcome(0, 0, 0.5, 1, 0.0, false);
  builder.add_outcome(1, 0, 1.0, 1, 0.0, false);
  builder.set_initial_state(0);
  const TabularMdp mdp = builder.build();
  const PolicyEvaluation result = policy_evaluation(mdp, {0, 0});
  EXPECT_FALSE(result.terminates);
  EXPECT_TRUE(std::isinf(result.expected_steps));
  EXPECT_EQ(result.expected_return, 1.0);
  // With a limit of 3: one step w.p. 1/2, else 3 steps: 2 in expectation.
  EXPECT_EQ(policy_evaluation(mdp, {0, 0}, with_horizon(3)).expected_steps, 2.0);
}

TEST(ValueIterationPolicyEvaluation, StochasticExact) {
  // play-or-quit, always playing, undiscounted (G: return to go, T: steps to go):
  //   G0 = 0.5 (1 + G0) + 0.5 G1,  G1 = 0.25 * 2 + 0.75 G0
  //   => G0 = 1 + G1, G1 = 0.5 + 0.75 (1 + G1) => G1 = 5, G0 = 6;
  //   T0 = 1 + 0.5 T0 + 0.5 T1,    T1 = 1 + 0.75 T0
  //   => T0 = 2 + T1, T1 = 1 + 0.75 (2 + T1) => T1 = 10, T0 = 12.
  const TabularMdp mdp = play_or_quit();
  const PolicyEvaluation result = policy_evaluation(mdp, {0, 0});
  EXPECT_TRUE(result.terminates);
  EXPECT_NEAR(result.expected_return, 6.0, 1e-8);
  EXPECT_NEAR(result.expected_steps, 12.0, 1e-8);
  // Backward induction, by hand: G_1(0) = 0.5, G_1(1) = 0.5; G_2(0) = 0.5 (1 + 0.5) + 0.5 * 0.5.
  const PolicyEvaluation one = policy_evaluation(mdp, {0, 0}, with_horizon(1));
  EXPECT_EQ(one.expected_return, 0.5);
  EXPECT_EQ(one.expected_steps, 1.0);
  const PolicyEvaluation two = policy_evaluation(mdp, {0, 0}, with_horizon(2));
  EXPECT_EQ(two.expected_return, 1.0);
  EXPECT_EQ(two.expected_steps, 2.0);
  // A long limit approaches the unlimited values.
  EXPECT_NEAR(policy_evaluation(mdp, {0, 0}, with_horizon(2000)).expected_return, 6.0, 1e-9);
  // Quitting at once: return 2.5 in one step.
  const PolicyEvaluation quit = policy_evaluation(mdp, {1, 0});
  EXPECT_EQ(quit.expected_return, 2.5);
  EXPECT_EQ(quit.expected_steps, 1.0);
}

TEST(ValueIterationPolicyEvaluation, SlowComponentReportsNotConverged) {
  // States 0 and 1 swap back and forth; from 1 the episode ends with probability 1e-3 only.
  MdpBuilder builder("sticky", 2, 1);
  builder.add_outcome(0, 0, 1.0, 1, 0.0, false);
  builder.add_outcome(1, 0, 0.999, 0, 0.0, false);
  builder.add_outcome(1, 0, 0.001, 1, 1.0, true);
  builder.set_initial_state(0);
  const TabularMdp mdp = builder.build();
  PolicyEvaluationOptions few;
  few.max_iterations = 5;
  EXPECT_THROW(policy_evaluation(mdp, {0, 0}, few), ConvergenceError);
  // With enough sweeps: the only reward is the final 1, so G0 = 1; T0 = 1 + T1 and
  // T1 = 1 + 0.999 T0 give T0 = 2 / 0.001 = 2000.
  const PolicyEvaluation result = policy_evaluation(mdp, {0, 0});
  EXPECT_NEAR(result.expected_return, 1.0, 1e-6);
  EXPECT_NEAR(result.expected_steps, 2000.0, 1e-3);
}

TEST(ValueIterationPolicyEvaluation, MillionStateChainIsExact) {
  // Deep enough to overflow a recursive graph search; every component is one state.
  const std::uint32_t n = 1000000;
  const PolicyEvaluation result = policy_evaluation(chain(n), std::vector<std::uint32_t>(n, 0));
  EXPECT_EQ(result.expected_steps, static_cast<double>(n));
  EXPECT_EQ(result.expected_return, 1.0);
}

TEST(ValueIterationPolicyEvaluation, RejectsBadPolicies) {
  EXPECT_THROW(policy_evaluation(chain(3), {0, 0}), InputError);
  EXPECT_THROW(policy_evaluation(chain(3), {0, 2, 0}), InputError);
}

TEST(ValueIterationPolicyValue, DiscountedValueOfAPolicy) {
  const TabularMdp mdp = play_or_quit();
  // Playing everywhere is optimal at gamma = 0.9 (see the hand solution above).
  const PolicyValue play = discounted_policy_value(mdp, {0, 0}, with_gamma(0.9, 1e-13));
  EXPECT_NEAR(play.v[0], 580.0 / 197.0, 1e-11);
  EXPECT_NEAR(play.v[1], 490.0 / 197.0, 1e-11);
  EXPECT_EQ(play.v_start, play.v[0]);
  // Quit in 0: 2.5. Play in 1 and quit in 0: V1 = 0.5 + 0.75 * 0.9 * 2.5 = 2.1875.
  const PolicyValue mixed = discounted_policy_value(mdp, {1, 0}, with_gamma(0.9));
  EXPECT_EQ(mixed.v[0], 2.5);
  EXPECT_NEAR(mixed.v[1], 2.1875, 1e-15);
}

}  // namespace
}  // namespace dynaq
