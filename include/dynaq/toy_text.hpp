// Gymnasium 1.x toy-text environments as tabular MDPs, identical to Gymnasium's `P`, initial
// state distribution and registered step limits (checked against fixtures exported from
// Gymnasium itself: tests/data/gymnasium/, made by scripts/make_gymnasium_fixtures.py).
#pragma once

#include <string>
#include <vector>

#include "dynaq/mdp.hpp"

namespace dynaq {

// FrozenLake-v1 with `map` rows of S/F/H/G; slippery moves go to the intended direction or
// either perpendicular one with probability 1/3 each. Step limit 100 (4x4) or 200 (8x8).
TabularMdp frozen_lake(const std::vector<std::string>& map, bool slippery, std::string name,
                       std::uint32_t max_episode_steps);
TabularMdp frozen_lake_4x4(bool slippery);
TabularMdp frozen_lake_8x8(bool slippery);
TabularMdp cliff_walking();  // CliffWalking
TabularMdp taxi();           // Taxi-v4 (Taxi-v3 before Gymnasium 1.3; the same table)

}  // namespace dynaq
