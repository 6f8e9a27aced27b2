// Environments generated from a seed: random mazes and Garnet MDPs. Both are pure functions of
// their parameters (they draw from Philox, not from a library generator whose output may change
// between standard libraries), so a name like "garnet:100:4:3:7" means the same MDP everywhere.
#pragma once

#include <cstdint>

#include "dynaq/maze.hpp"
#include "dynaq/mdp.hpp"

namespace dynaq {

// A rows x cols maze with the start in the top-left corner and the goal in the bottom-right;
// every other cell is a wall with probability 1/4, and a random monotone staircase from start
// to goal is cleared, so a path is guaranteed by construction. Throws InputError for a zero
// dimension, a 1x1 maze (no room for a goal) or more than 2^31 - 1 cells.
MazeLayout random_maze(std::uint32_t rows, std::uint32_t cols, std::uint64_t seed);

// Garnet(states, actions, branching), named "garnet:S:A:B:SEED": each pair leads to `branching`
// distinct next states with probabilities from a random partition of [0, 1] and one reward per
// pair, uniform in [0, 1); never terminates; uniform start; step limit 100 (dynaq's choice).
// Throws InputError unless states >= 1, actions >= 1 and 1 <= branching <= states.
TabularMdp garnet(std::uint32_t states, std::uint32_t actions, std::uint32_t branching,
                  std::uint64_t seed);

}  // namespace dynaq
