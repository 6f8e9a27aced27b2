// FrozenLake, CliffWalking and Taxi against tables exported from Gymnasium itself
// (tests/data/gymnasium/, made by scripts/make_gymnasium_fixtures.py), compared bit for bit,
// and spot checks written from the rules so that the fixtures are not the only witness.
#include "dynaq/toy_text.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "dynaq/errors.hpp"
#include "dynaq/mdp_json.hpp"

namespace dynaq {
namespace {

constexpr int kMaxReportedDifferences = 5;

std::uint64_t bits(double x) {
  std::uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

std::uint32_t bits(float x) {
  std::uint32_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

// Decimal to 17 digits and the exact hexadecimal form, since a last-bit difference is invisible
// in ordinary output.
template <typename Real>
std::string show(Real x) {
  std::ostringstream out;
  out << std::setprecision(17) << x << " (" << std::hexfloat << x << ")";
  return out.str();
}

TabularMdp load_fixture(const std::string& name) {
  return load_mdp_json_file(std::string(DYNAQ_TEST_DATA_DIR) + "/gymnasium/" + name + ".json");
}

// Every table of `built` against `expected`, exactly; on failure, the first few differences.
::testing::AssertionResult same_tables(const TabularMdp& built, const TabularMdp& expected) {
  std::ostringstream out;
  int differences = 0;
  const auto differ = [&]() -> std::ostringstream& {
    ++differences;
    return out;
  };
  if (built.name != expected.name)
    differ() << "\n  name: built \"" << built.name << "\", Gymnasium \"" << expected.name << "\"";
  if (built.max_episode_steps != expected.max_episode_steps)
    differ() << "\n  max_episode_steps: built " << built.max_episode_steps << ", Gymnasium "
             << expected.max_episode_steps;
  if (built.n_states != expected.n_states || built.n_actions != expected.n_actions) {
    differ() << "\n  shape: built " << built.n_states << " x " << built.n_actions
             << ", Gymnasium " << expected.n_states << " x " << expected.n_actions;
    return ::testing::AssertionFailure() << out.str();
  }

  for (std::uint32_t s = 0; s < built.n_states; ++s) {
    if (bits(built.initial_distribution[s]) != bits(expected.initial_distribution[s]) &&
        differences < kMaxReportedDifferences)
      differ() << "\n  initial_distribution[" << s << "]: built "
               << show(built.initial_distribution[s]) << ", Gymnasium "
               << show(expected.initial_distribution[s]);
  }

  for (std::uint32_t p = 0; p < built.n_pairs() && differences < kMaxReportedDifferences; ++p) {
    const std::uint32_t s = p / built.n_actions;
    const std::uint32_t a = p % built.n_actions;
    const std::uint32_t b0 = built.pair_begin[p], b1 = built.pair_begin[p + 1];
    const std::uint32_t e0 = expected.pair_begin[p], e1 = expected.pair_begin[p + 1];
    if (b1 - b0 != e1 - e0) {
      differ() << "\n  P[" << s << "][" << a << "]: built " << b1 - b0 << " outcomes, Gymnasium "
               << e1 - e0;
      continue;
    }
    for (std::uint32_t k = 0; k < b1 - b0 && differences < kMaxReportedDifferences; ++k) {
      const std::uint32_t i = b0 + k, j = e0 + k;
      const std::string where = "\n  P[" + std::to_string(s) + "][" + std::to_string(a) + "][" +
                                std::to_string(k) + "] ";
      if (bits(built.probability[i]) != bits(expected.probability[j]))
        differ() << where << "probability: built " << show(built.probability[i])
                 << ", Gymnasium " << show(expected.probability[j]);
      if (built.next_state[i] != expected.next_state[j])
        differ() << where << "next state: built " << built.next_state[i] << ", Gymnasium "
                 << expected.next_state[j];
      if (bits(built.reward[i]) != bits(expected.reward[j]))
        differ() << where << "reward: built " << show(built.reward[i]) << ", Gymnasium "
                 << show(expected.reward[j]);
      if (built.terminated[i] != expected.terminated[j])
        differ() << where << "terminated: built " << int{built.terminated[i]} << ", Gymnasium "
                 << int{expected.terminated[j]};
    }
  }
  // Catches differences that the loops above stopped short of reporting.
  if (differences == 0 && (built.pair_begin != expected.pair_begin ||
                           built.next_state != expected.next_state ||
                           built.terminated != expected.terminated))
    differ() << "\n  outcome tables differ";
  if (differences == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "differences (first " << kMaxReportedDifferences
                                       << " at most):" << out.str();
}

TEST(ToyTextGymnasium, FrozenLake4x4MatchesGymnasium) {
  EXPECT_TRUE(same_tables(frozen_lake_4x4(true), load_fixture("frozen-lake-4x4")));
}

TEST(ToyTextGymnasium, FrozenLake4x4DeterministicMatchesGymnasium) {
  EXPECT_TRUE(same_tables(frozen_lake_4x4(false), load_fixture("frozen-lake-4x4-deterministic")));
}

TEST(ToyTextGymnasium, FrozenLake8x8MatchesGymnasium) {
  EXPECT_TRUE(same_tables(frozen_lake_8x8(true), load_fixture("frozen-lake-8x8")));
}

TEST(ToyTextGymnasium, FrozenLake8x8DeterministicMatchesGymnasium) {
  EXPECT_TRUE(same_tables(frozen_lake_8x8(false), load_fixture("frozen-lake-8x8-deterministic")));
}

TEST(ToyTextGymnasium, CliffWalkingMatchesGymnasium) {
  EXPECT_TRUE(same_tables(cliff_walking(), load_fixture("cliff-walking")));
}

TEST(ToyTextGymnasium, TaxiMatchesGymnasium) {
  EXPECT_TRUE(same_tables(taxi(), load_fixture("taxi")));
}

// One outcome of a pair, as a value that gtest can print and compare.
struct Outcome {
  double probability;
  std::uint32_t next_state;
  float reward;
  bool terminated;
  bool operator==(const Outcome& o) const {
    return probability == o.probability && next_state == o.next_state && reward == o.reward &&
           terminated == o.terminated;
  }
};

void PrintTo(const Outcome& o, std::ostream* out) {
  *out << "(" << o.probability << ", " << o.next_state << ", " << o.reward << ", "
       << (o.terminated ? "terminated" : "continues") << ")";
}

std::vector<Outcome> outcomes(const TabularMdp& mdp, std::uint32_t state, std::uint32_t action) {
  const std::uint32_t p = state * mdp.n_actions + action;
  std::vector<Outcome> list;
  for (std::uint32_t i = mdp.pair_begin[p]; i < mdp.pair_begin[p + 1]; ++i)
    list.push_back({mdp.probability[i], mdp.next_state[i], mdp.reward[i], mdp.terminated[i] != 0});
  return list;
}

// Actions: 0 left, 1 down, 2 right, 3 up. Map "SFFF", "FHFH", "FFFH", "HFFG".
TEST(ToyTextFrozenLake, SlipperyMovesGoSidewaysInGymnasiumOrder) {
  const TabularMdp lake = frozen_lake_4x4(true);
  EXPECT_EQ(lake.n_states, 16u);
  EXPECT_EQ(lake.n_actions, 4u);
  EXPECT_EQ(lake.max_episode_steps, 100u);
  const double straight = 1.0 / 3.0;
  const double side = (1.0 - 1.0 / 3.0) / 2.0;
  // Left from the corner: up (stays), left (stays), down; the stays are listed twice.
  EXPECT_EQ(outcomes(lake, 0, 0), (std::vector<Outcome>{
                                      {side, 0, 0.0f, false},
                                      {straight, 0, 0.0f, false},
                                      {side, 4, 0.0f, false},
                                  }));
  // Right from 14 reaches the goal only when the ice holds; down stays, up falls in no hole.
  EXPECT_EQ(outcomes(lake, 14, 2), (std::vector<Outcome>{
                                       {side, 14, 0.0f, false},
                                       {straight, 15, 1.0f, true},
                                       {side, 10, 0.0f, false},
                                   }));
  // Down from 4 can slip right into the hole at 5.
  EXPECT_EQ(outcomes(lake, 4, 1)[2], (Outcome{side, 5, 0.0f, true}));
  EXPECT_EQ(lake.initial_distribution[0], 1.0);
}

TEST(ToyTextFrozenLake, HolesAndGoalAreAbsorbing) {
  for (const bool slippery : {true, false}) {
    const TabularMdp lake = frozen_lake_4x4(slippery);
    for (const std::uint32_t s : {5u, 7u, 11u, 12u, 15u})
      for (std::uint32_t a = 0; a < 4; ++a)
        EXPECT_EQ(outcomes(lake, s, a), (std::vector<Outcome>{{1.0, s, 0.0f, true}}))
            << "state " << s << " action " << a << " slippery " << slippery;
  }
}

TEST(ToyTextFrozenLake, DeterministicMovesAndNames) {
  const TabularMdp lake = frozen_lake_4x4(false);
  EXPECT_TRUE(lake.is_deterministic());
  EXPECT_EQ(lake.name, "frozen-lake-4x4-deterministic");
  EXPECT_EQ(outcomes(lake, 0, 2), (std::vector<Outcome>{{1.0, 1, 0.0f, false}}));
  EXPECT_EQ(outcomes(lake, 14, 2), (std::vector<Outcome>{{1.0, 15, 1.0f, true}}));
  EXPECT_EQ(outcomes(lake, 0, 3), (std::vector<Outcome>{{1.0, 0, 0.0f, false}}));

  const TabularMdp big = frozen_lake_8x8(true);
  EXPECT_EQ(big.name, "frozen-lake-8x8");
  EXPECT_EQ(big.n_states, 64u);
  EXPECT_EQ(big.max_episode_steps, 200u);
  EXPECT_EQ(big.max_outcomes_per_pair(), 3u);
}

TEST(ToyTextFrozenLake, CustomMapAndValidation) {
  const TabularMdp lake = frozen_lake({"FSG"}, false, "strip", 7);
  EXPECT_EQ(lake.name, "strip");
  EXPECT_EQ(lake.n_states, 3u);
  EXPECT_EQ(lake.max_episode_steps, 7u);
  EXPECT_EQ(lake.initial_distribution, (std::vector<double>{0.0, 1.0, 0.0}));
  EXPECT_EQ(outcomes(lake, 1, 2), (std::vector<Outcome>{{1.0, 2, 1.0f, true}}));

  const auto message = [](const std::vector<std::string>& map) -> std::string {
    try {
      frozen_lake(map, true, "bad", 10);
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(message({}).find("empty"), std::string::npos);
  EXPECT_NE(message({"SFF", "FG"}).find("not rectangular"), std::string::npos);
  EXPECT_NE(message({"SFX", "FFG"}).find("unknown cell 'X'"), std::string::npos);
  EXPECT_NE(message({"FFF", "FFG"}).find("0 start cells"), std::string::npos);
  EXPECT_NE(message({"SFS", "FFG"}).find("2 start cells"), std::string::npos);
}

// Actions: 0 up, 1 right, 2 down, 3 left. State row * 12 + column; the cliff is 37..46.
TEST(ToyTextCliffWalking, CliffReturnsToStartAndGoalTerminates) {
  const TabularMdp cliff = cliff_walking();
  EXPECT_EQ(cliff.name, "cliff-walking");
  EXPECT_EQ(cliff.n_states, 48u);
  EXPECT_EQ(cliff.n_actions, 4u);
  EXPECT_EQ(cliff.max_episode_steps, 0u);
  EXPECT_TRUE(cliff.is_deterministic());
  EXPECT_EQ(cliff.initial_distribution[36], 1.0);
  // Into the cliff: back to the start, -100, the episode goes on.
  EXPECT_EQ(outcomes(cliff, 36, 1), (std::vector<Outcome>{{1.0, 36, -100.0f, false}}));
  EXPECT_EQ(outcomes(cliff, 30, 2), (std::vector<Outcome>{{1.0, 36, -100.0f, false}}));
  // Along the safe edge, and into the goal.
  EXPECT_EQ(outcomes(cliff, 24, 2), (std::vector<Outcome>{{1.0, 36, -1.0f, false}}));
  EXPECT_EQ(outcomes(cliff, 35, 2), (std::vector<Outcome>{{1.0, 47, -1.0f, true}}));
  // The grid edge holds the agent in place.
  EXPECT_EQ(outcomes(cliff, 0, 0), (std::vector<Outcome>{{1.0, 0, -1.0f, false}}));
}

// Actions: 0 south, 1 north, 2 east, 3 west, 4 pickup, 5 dropoff. Landmarks R (0,0),
// G (0,4), Y (4,0), B (4,3).
std::uint32_t taxi_state(std::uint32_t row, std::uint32_t col, std::uint32_t passenger,
                         std::uint32_t destination) {
  return ((row * 5 + col) * 5 + passenger) * 4 + destination;
}

TEST(ToyTextTaxi, EncodingPickupAndDropoff) {
  const TabularMdp t = taxi();
  EXPECT_EQ(t.name, "taxi");
  EXPECT_EQ(t.n_states, 500u);
  EXPECT_EQ(t.n_actions, 6u);
  EXPECT_EQ(t.max_episode_steps, 200u);
  EXPECT_TRUE(t.is_deterministic());
  EXPECT_EQ(taxi_state(3, 1, 2, 0), 328u);  // Gymnasium's documented example

  // Pickup where the passenger waits (R), and where they do not.
  EXPECT_EQ(outcomes(t, taxi_state(0, 0, 0, 1), 4),
            (std::vector<Outcome>{{1.0, taxi_state(0, 0, 4, 1), -1.0f, false}}));
  EXPECT_EQ(outcomes(t, taxi_state(1, 0, 0, 1), 4),
            (std::vector<Outcome>{{1.0, taxi_state(1, 0, 0, 1), -10.0f, false}}));
  // Dropoff at the destination (B) ends the episode with +20.
  EXPECT_EQ(outcomes(t, taxi_state(4, 3, 4, 3), 5),
            (std::vector<Outcome>{{1.0, taxi_state(4, 3, 3, 3), 20.0f, true}}));
  // Dropoff at another landmark (Y) leaves the passenger there; elsewhere it is illegal.
  EXPECT_EQ(outcomes(t, taxi_state(4, 0, 4, 3), 5),
            (std::vector<Outcome>{{1.0, taxi_state(4, 0, 2, 3), -1.0f, false}}));
  EXPECT_EQ(outcomes(t, taxi_state(2, 2, 4, 3), 5),
            (std::vector<Outcome>{{1.0, taxi_state(2, 2, 4, 3), -10.0f, false}}));
}

TEST(ToyTextTaxi, WallsAndStartDistribution) {
  const TabularMdp t = taxi();
  // "|R: | : :G|": a wall east of (0, 1), none east of (0, 0).
  EXPECT_EQ(outcomes(t, taxi_state(0, 1, 0, 1), 2)[0].next_state, taxi_state(0, 1, 0, 1));
  EXPECT_EQ(outcomes(t, taxi_state(0, 0, 0, 1), 2)[0].next_state, taxi_state(0, 1, 0, 1));
  EXPECT_EQ(outcomes(t, taxi_state(0, 2, 0, 1), 3)[0].next_state, taxi_state(0, 2, 0, 1));
  // South and north only stop at the grid's edge.
  EXPECT_EQ(outcomes(t, taxi_state(4, 2, 0, 1), 0)[0].next_state, taxi_state(4, 2, 0, 1));
  EXPECT_EQ(outcomes(t, taxi_state(3, 2, 0, 1), 0)[0].next_state, taxi_state(4, 2, 0, 1));

  // Uniform over the 300 states where the passenger waits away from the destination.
  int starts = 0;
  for (std::uint32_t s = 0; s < 500; ++s) {
    const std::uint32_t passenger = (s / 4) % 5, destination = s % 4;
    const bool start = passenger < 4 && passenger != destination;
    EXPECT_EQ(t.initial_distribution[s], start ? 1.0 / 300.0 : 0.0) << "state " << s;
    starts += start;
  }
  EXPECT_EQ(starts, 300);
}

}  // namespace
}  // namespace dynaq
