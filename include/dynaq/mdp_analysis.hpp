// What can be known of an MDP before learning on it, for planning a sweep (can its episodes
// end?) and for judging one (how long are the episodes of a near-optimal agent?).
#pragma once

#include <cstdint>
#include <vector>

#include "dynaq/mdp.hpp"

namespace dynaq {

// True when a terminating outcome can be reached from the start distribution.
bool can_terminate(const TabularMdp& mdp);

// Expected episode length of the epsilon-greedy policy on Q* (ties among maximal actions
// broken uniformly, as the agents break them), on the true MDP: by backward induction over a
// step limit, or iterated to a fixed point without one. Only the states an episode can visit
// take part. NaN without a step limit when some episode may never end, or when the iteration
// does not settle.
double epsilon_greedy_steps(const TabularMdp& mdp, const std::vector<double>& q_star, double epsilon,
                            std::uint32_t step_limit);

}  // namespace dynaq
