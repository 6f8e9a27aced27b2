// Gymnasium's toy-text environments (FrozenLake, CliffWalking, Taxi) built from their rules.
//
// Each builder transcribes the loops that fill `P` in Gymnasium 1.4.0's
// gymnasium/envs/toy_text/*.py, so that states, actions, the order of outcomes (duplicates
// included), probabilities to the last bit, rewards, terminated flags, start distributions and
// registered step limits are the same. tests/toy_text_test.cpp checks them against tables
// exported from Gymnasium (scripts/make_gymnasium_fixtures.py). They are built here rather
// than read from those files so that the built-ins need nothing beside the binary.
#include "dynaq/toy_text.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dynaq/errors.hpp"

namespace dynaq {
namespace {

// Checks a FrozenLake map and returns the cell index of its start.
std::uint32_t validate_lake_map(const std::vector<std::string>& map, const std::string& name) {
  const std::string what = name + ": FrozenLake map";
  if (map.empty() || map[0].empty()) throw InputError(what + " is empty");
  const std::size_t cols = map[0].size();
  std::size_t starts = 0;
  std::uint32_t start = 0;
  for (std::size_t r = 0; r < map.size(); ++r) {
    if (map[r].size() != cols)
      throw InputError(what + " is not rectangular: row " + std::to_string(r) + " has " +
                       std::to_string(map[r].size()) + " cells, row 0 has " +
                       std::to_string(cols));
    for (std::size_t c = 0; c < cols; ++c) {
      const char cell = map[r][c];
      if (cell != 'S' && cell != 'F' && cell != 'H' && cell != 'G')
        throw InputError(what + ": row " + std::to_string(r) + ", column " + std::to_string(c) +
                         ": unknown cell '" + std::string(1, cell) +
                         "' (expected S start, F frozen, H hole or G goal)");
      if (cell == 'S') {
        ++starts;
        start = static_cast<std::uint32_t>(r * cols + c);
      }
    }
  }
  // Gymnasium would start uniformly over several S cells; dynaq's maps name one start.
  if (starts != 1)
    throw InputError(what + " has " + std::to_string(starts) +
                     " start cells 'S'; it needs exactly one");
  return start;
}

}  // namespace

// Follows FrozenLakeEnv.__init__ in gymnasium/envs/toy_text/frozen_lake.py (Gymnasium 1.4.0,
// FrozenLake-v1) with its default success_rate = 1/3 and reward_schedule = (1, 0, 0).
TabularMdp frozen_lake(const std::vector<std::string>& map, bool slippery, std::string name,
                       std::uint32_t max_episode_steps) {
  const std::uint32_t start = validate_lake_map(map, name);
  // Sizes beyond 32 bits are left for MdpBuilder to reject with its own message.
  const std::uint64_t rows = map.size();
  const std::uint64_t cols = map[0].size();
  const std::uint64_t cells = rows * cols;
  const auto n_states = static_cast<std::uint32_t>(cells > 0xFFFFFFFFu ? 0xFFFFFFFFu : cells);
  const std::uint32_t n_actions = 4;
  MdpBuilder builder(std::move(name), n_states, n_actions);

  enum : std::uint32_t { kLeft = 0, kDown = 1, kRight = 2, kUp = 3 };
  // Gymnasium computes the side-slip probability as (1 - success_rate) / 2, which rounds one
  // ulp above 1/3: the intended move gets 0x1.5555555555555p-2, each side 0x1.5555555555556p-2.
  const double success_rate = 1.0 / 3.0;
  const double fail_rate = (1.0 - success_rate) / 2.0;

  const auto move = [&](std::uint64_t row, std::uint64_t col, std::uint32_t action) {
    if (action == kLeft) col = col > 0 ? col - 1 : 0;
    else if (action == kDown) row = row + 1 < rows ? row + 1 : rows - 1;
    else if (action == kRight) col = col + 1 < cols ? col + 1 : cols - 1;
    else if (action == kUp) row = row > 0 ? row - 1 : 0;
    return std::pair<std::uint64_t, std::uint64_t>{row, col};
  };

  for (std::uint64_t row = 0; row < rows; ++row) {
    for (std::uint64_t col = 0; col < cols; ++col) {
      const auto s = static_cast<std::uint32_t>(row * cols + col);
      const char letter = map[row][col];
      for (std::uint32_t a = 0; a < n_actions; ++a) {
        // Holes and goals are absorbing: every action stays, reward 0, terminated.
        if (letter == 'G' || letter == 'H') {
          builder.add_outcome(s, a, 1.0, s, 0.0, true);
          continue;
        }
        const auto add = [&](std::uint32_t direction, double probability) {
          const auto [new_row, new_col] = move(row, col, direction);
          const char new_letter = map[new_row][new_col];
          const auto next = static_cast<std::uint32_t>(new_row * cols + new_col);
          const bool ends = new_letter == 'G' || new_letter == 'H';
          builder.add_outcome(s, a, probability, next, new_letter == 'G' ? 1.0 : 0.0, ends);
        };
        if (slippery) {
          // Gymnasium's order: (a - 1) % 4, a, (a + 1) % 4, duplicates kept.
          add((a + 3) % 4, fail_rate);
          add(a, success_rate);
          add((a + 1) % 4, fail_rate);
        } else {
          add(a, 1.0);
        }
      }
    }
  }
  builder.set_initial_state(start);
  builder.set_max_episode_steps(max_episode_steps);
  return builder.build();
}

// MAPS["4x4"] in gymnasium/envs/toy_text/frozen_lake.py; FrozenLake-v1 registers 100 steps
// (gymnasium/envs/__init__.py, Gymnasium 1.4.0).
TabularMdp frozen_lake_4x4(bool slippery) {
  const std::vector<std::string> map = {"SFFF", "FHFH", "FFFH", "HFFG"};
  return frozen_lake(map, slippery, slippery ? "frozen-lake-4x4" : "frozen-lake-4x4-deterministic",
                     100);
}

// MAPS["8x8"] in gymnasium/envs/toy_text/frozen_lake.py; FrozenLake8x8-v1 registers 200 steps
// (gymnasium/envs/__init__.py, Gymnasium 1.4.0).
TabularMdp frozen_lake_8x8(bool slippery) {
  const std::vector<std::string> map = {"SFFFFFFF", "FFFFFFFF", "FFFHFFFF", "FFFFFHFF",
                                        "FFFHFFFF", "FHHFFFHF", "FHFFHFHF", "FFFHFFFG"};
  return frozen_lake(map, slippery, slippery ? "frozen-lake-8x8" : "frozen-lake-8x8-deterministic",
                     200);
}

// Follows CliffWalkingEnv.__init__ and _calculate_transition_prob in
// gymnasium/envs/toy_text/cliffwalking.py (Gymnasium 1.4.0, CliffWalking-v1, is_slippery=False;
// registered without a step limit). The cliff does not end the episode: it sends the agent
// back to the start with reward -100. The goal is not absorbing: its own outcomes are computed
// like any cell's (unreachable in an episode, since entering it terminates).
TabularMdp cliff_walking() {
  constexpr std::uint32_t kRows = 4, kCols = 12, kActions = 4;
  constexpr std::uint32_t kStart = (kRows - 1) * kCols;  // (3, 0)
  constexpr std::uint32_t kGoal = kRows * kCols - 1;     // (3, 11)
  // Actions 0..3 are up, right, down, left.
  const int delta_row[kActions] = {-1, 0, 1, 0};
  const int delta_col[kActions] = {0, 1, 0, -1};
  MdpBuilder builder("cliff-walking", kRows * kCols, kActions);
  for (std::uint32_t s = 0; s < kRows * kCols; ++s) {
    const int row = static_cast<int>(s / kCols);
    const int col = static_cast<int>(s % kCols);
    for (std::uint32_t a = 0; a < kActions; ++a) {
      int new_row = row + delta_row[a];
      int new_col = col + delta_col[a];
      new_row = new_row < 0 ? 0 : (new_row > int{kRows} - 1 ? int{kRows} - 1 : new_row);
      new_col = new_col < 0 ? 0 : (new_col > int{kCols} - 1 ? int{kCols} - 1 : new_col);
      const auto next = static_cast<std::uint32_t>(new_row * int{kCols} + new_col);
      const bool cliff = new_row == int{kRows} - 1 && new_col >= 1 && new_col <= int{kCols} - 2;
      // Gymnasium's probability is 1 / len(deltas), which is exactly 1.0 when not slippery.
      if (cliff) {
        builder.add_outcome(s, a, 1.0, kStart, -100.0, false);
      } else {
        builder.add_outcome(s, a, 1.0, next, -1.0, next == kGoal);
      }
    }
  }
  builder.set_initial_state(kStart);
  return builder.build();
}

namespace {

constexpr std::uint32_t kTaxiRows = 5, kTaxiCols = 5, kTaxiLocations = 4, kInTaxi = 4, kTaxiActions = 6;
constexpr std::uint32_t kTaxiStates = kTaxiRows * kTaxiCols * (kTaxiLocations + 1) * kTaxiLocations;  // 500
// Gymnasium's MAP: a ':' right of a cell lets the taxi pass east (and west from the next).
const char* const kTaxiMap[] = {
    "+---------+",
    "|R: | : :G|",
    "| : | : : |",
    "| : : : : |",
    "| | : | : |",
    "|Y| : |B: |",
    "+---------+",
};
// Landmarks R, G, Y, B as (row, column).
constexpr std::uint32_t kLandmarkRow[kTaxiLocations] = {0, 0, 4, 4};
constexpr std::uint32_t kLandmarkCol[kTaxiLocations] = {0, 4, 0, 3};

std::uint32_t taxi_state(std::uint32_t row, std::uint32_t col, std::uint32_t passenger, std::uint32_t destination) {
  return ((row * kTaxiCols + col) * (kTaxiLocations + 1) + passenger) * kTaxiLocations + destination;
}

// The landmark at (row, col), or kTaxiLocations when there is none.
std::uint32_t landmark_at(std::uint32_t row, std::uint32_t col) {
  std::uint32_t k = 0;
  while (k < kTaxiLocations && !(kLandmarkRow[k] == row && kLandmarkCol[k] == col)) ++k;
  return k;
}

struct TaxiOutcome {
  std::uint32_t next_state;
  double reward;
  bool terminated;
};

// The one outcome of `action` with the taxi at (row, col), as Gymnasium's transitions give it.
TaxiOutcome taxi_step(std::uint32_t row, std::uint32_t col, std::uint32_t passenger, std::uint32_t destination,
                      std::uint32_t action) {
  std::uint32_t new_row = row, new_col = col, new_passenger = passenger;
  double reward = -1.0;
  bool terminated = false;
  if (action == 0) {
    new_row = row + 1 < kTaxiRows ? row + 1 : kTaxiRows - 1;
  } else if (action == 1) {
    new_row = row > 0 ? row - 1 : 0;
  } else if (action == 2) {
    if (kTaxiMap[1 + row][2 * col + 2] == ':') new_col = col + 1 < kTaxiCols ? col + 1 : kTaxiCols - 1;
  } else if (action == 3) {
    if (kTaxiMap[1 + row][2 * col] == ':') new_col = col > 0 ? col - 1 : 0;
  } else if (action == 4) {
    // Pickup: only where the waiting passenger is; otherwise -10 and nothing changes.
    if (passenger < kInTaxi && landmark_at(row, col) == passenger) {
      new_passenger = kInTaxi;
    } else {
      reward = -10.0;
    }
  } else {
    // Dropoff: at the destination it ends the episode with +20; at another landmark the
    // passenger waits there; anywhere else (or with no passenger) -10.
    const std::uint32_t here = landmark_at(row, col);
    if (passenger == kInTaxi && here == destination) {
      new_passenger = destination;
      terminated = true;
      reward = 20.0;
    } else if (passenger == kInTaxi && here < kTaxiLocations) {
      new_passenger = here;
    } else {
      reward = -10.0;
    }
  }
  return {taxi_state(new_row, new_col, new_passenger, destination), reward, terminated};
}

}  // namespace

// Follows TaxiEnv.__init__, _build_dry_transitions, _pickup and _dropoff in
// gymnasium/envs/toy_text/taxi.py (Gymnasium 1.4.0, Taxi-v4 with its defaults is_rainy=False
// and fickle_passenger=False, 200 steps; its table is the same as Taxi-v3's in Gymnasium 1.0
// to 1.2). State ((taxi_row * 5 + taxi_col) * 5 + passenger) * 4 + destination, where
// passenger 0..3 is waiting at a landmark and 4 is in the taxi. Actions 0..5 are south,
// north, east, west, pickup, dropoff.
TabularMdp taxi() {
  MdpBuilder builder("taxi", kTaxiStates, kTaxiActions);
  std::vector<double> initial(kTaxiStates, 0.0);
  std::uint32_t n_initial = 0;
  for (std::uint32_t row = 0; row < kTaxiRows; ++row) {
    for (std::uint32_t col = 0; col < kTaxiCols; ++col) {
      for (std::uint32_t passenger = 0; passenger <= kInTaxi; ++passenger) {
        for (std::uint32_t destination = 0; destination < kTaxiLocations; ++destination) {
          const std::uint32_t s = taxi_state(row, col, passenger, destination);
          // Episodes start with the passenger waiting somewhere other than the destination.
          if (passenger < kInTaxi && passenger != destination) {
            initial[s] = 1.0;
            ++n_initial;
          }
          for (std::uint32_t a = 0; a < kTaxiActions; ++a) {
            const TaxiOutcome outcome = taxi_step(row, col, passenger, destination, a);
            builder.add_outcome(s, a, 1.0, outcome.next_state, outcome.reward, outcome.terminated);
          }
        }
      }
    }
  }
  // numpy divides each count by the total: 1.0 / 300.0 for each of the 300 start states.
  for (double& p : initial) p /= static_cast<double>(n_initial);
  builder.set_initial_distribution(std::move(initial));
  builder.set_max_episode_steps(200);
  return builder.build();
}

}  // namespace dynaq
