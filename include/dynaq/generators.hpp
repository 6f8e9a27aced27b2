// Environments generated from a seed: random mazes and Garnet MDPs. Both are pure functions of
// their parameters (they draw from Philox, not from a library generator whose output may change
// between standard libraries), so a name like "garnet:100:4:3:7" means the same MDP everywhere.
#pragma once

#include <cstdint>

#include "dynaq/maze.hpp"
#include "dynaq/mdp.hpp"

namespace dynaq {

// A rows x cols maze with the start in the top-left corner and the goal in the bottom-right,
// with a path between them guaranteed by construction.
MazeLayout random_maze(std::uint32_t rows, std::uint32_t cols, std::uint64_t seed);

// Garnet(states, actions, branching): each pair leads to `branching` distinct next states with
// probabilities from a random partition of [0, 1]; rewards as documented in generators.cpp.
TabularMdp garnet(std::uint32_t states, std::uint32_t actions, std::uint32_t branching,
                  std::uint64_t seed);

}  // namespace dynaq
