// Random mazes and Garnet MDPs: determinism in the seed, the guaranteed path, the Garnet
// structure (distinct next states, probabilities summing to 1, one reward per pair) and the
// rejection of bad parameters.
#include "dynaq/generators.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <set>
#include <string>

#include "dynaq/errors.hpp"

namespace dynaq {
namespace {

std::string error_of(const std::function<void()>& make) {
  try {
    make();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(RandomMaze, SameSeedSameLayout) {
  const MazeLayout a = random_maze(17, 23, 5);
  const MazeLayout b = random_maze(17, 23, 5);
  EXPECT_EQ(a.cells, b.cells);
  EXPECT_EQ(maze_to_text(a), maze_to_text(b));
}

TEST(RandomMaze, DifferentSeedDifferentLayout) {
  EXPECT_NE(random_maze(17, 23, 5).cells, random_maze(17, 23, 6).cells);
  // The high half of the seed matters too.
  EXPECT_NE(random_maze(17, 23, 5).cells, random_maze(17, 23, 5 + (std::uint64_t{1} << 32)).cells);
}

TEST(RandomMaze, StartTopLeftGoalBottomRight) {
  const MazeLayout maze = random_maze(6, 9, 1);
  EXPECT_EQ(maze.rows, 6u);
  EXPECT_EQ(maze.cols, 9u);
  EXPECT_EQ(maze.start, 0u);
  EXPECT_EQ(maze.at(0, 0), MazeCell::kStart);
  EXPECT_EQ(maze.at(5, 8), MazeCell::kGoal);
  std::size_t starts = 0, goals = 0;
  for (MazeCell cell : maze.cells) {
    starts += cell == MazeCell::kStart;
    goals += cell == MazeCell::kGoal;
  }
  EXPECT_EQ(starts, 1u);
  EXPECT_EQ(goals, 1u);
}

TEST(RandomMaze, AlwaysHasAPath) {
  const std::uint32_t shapes[][2] = {{1, 2},  {2, 1}, {1, 40}, {40, 1}, {2, 2},
                                     {3, 50}, {50, 3}, {9, 6},  {31, 31}};
  for (const auto& shape : shapes) {
    for (std::uint64_t seed = 0; seed < 200; ++seed) {
      const MazeLayout maze = random_maze(shape[0], shape[1], seed);
      ASSERT_TRUE(maze_goal_reachable(maze))
          << shape[0] << "x" << shape[1] << " seed " << seed << "\n" << maze_to_text(maze);
      // The path is monotone, so the shortest one is the Manhattan distance.
      EXPECT_EQ(maze_shortest_path(maze), shape[0] + shape[1] - 2);
    }
  }
}

TEST(RandomMaze, AboutAQuarterOfCellsAreWalls) {
  const MazeLayout maze = random_maze(300, 300, 11);
  std::size_t walls = 0;
  for (MazeCell cell : maze.cells) walls += cell == MazeCell::kWall;
  // 1/4 of the cells off the carved path (599 cells): about 22350, sd about 130.
  EXPECT_GT(walls, 21500u);
  EXPECT_LT(walls, 23200u);
}

TEST(RandomMaze, ParsesBackFromItsText) {
  const MazeLayout maze = random_maze(12, 7, 3);
  const MazeLayout again = parse_maze(maze_to_text(maze), "random");
  EXPECT_EQ(again.cells, maze.cells);
  EXPECT_EQ(again.start, maze.start);
}

TEST(RandomMaze, GeneratesAThousandByAThousand) {
  const auto begin = std::chrono::steady_clock::now();
  const MazeLayout maze = random_maze(1000, 1000, 42);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  EXPECT_EQ(maze.cells.size(), 1000000u);
  EXPECT_EQ(maze_shortest_path(maze), 1998u);
  EXPECT_LT(seconds, 2.0);  // about 0.01 s; generous for loaded machines
}

TEST(RandomMaze, RejectsImpossibleShapes) {
  EXPECT_NE(error_of([] { random_maze(0, 5, 1); }).find("ROWS must be at least 1"),
            std::string::npos);
  EXPECT_NE(error_of([] { random_maze(5, 0, 1); }).find("COLS must be at least 1"),
            std::string::npos);
  EXPECT_NE(error_of([] { random_maze(1, 1, 1); }).find("1x1"), std::string::npos);
  EXPECT_NE(error_of([] { random_maze(65536, 65536, 1); }).find("more than 2147483647 cells"),
            std::string::npos);
}

TEST(Garnet, SameSeedSameTables) {
  const TabularMdp a = garnet(30, 4, 3, 9);
  const TabularMdp b = garnet(30, 4, 3, 9);
  EXPECT_EQ(a.pair_begin, b.pair_begin);
  EXPECT_EQ(a.next_state, b.next_state);
  EXPECT_EQ(a.probability, b.probability);
  EXPECT_EQ(a.reward, b.reward);
  EXPECT_EQ(a.outcome_threshold, b.outcome_threshold);
}

TEST(Garnet, DifferentSeedDifferentTables) {
  const TabularMdp a = garnet(30, 4, 3, 9);
  const TabularMdp b = garnet(30, 4, 3, 10);
  EXPECT_NE(a.next_state, b.next_state);
  EXPECT_NE(a.probability, b.probability);
  EXPECT_NE(a.reward, b.reward);
}

TEST(Garnet, EachPairHasDistinctNextStatesWithProbabilitiesSummingToOne) {
  for (std::uint32_t branching : {1u, 2u, 5u, 20u}) {
    const TabularMdp mdp = garnet(20, 3, branching, 4);
    ASSERT_EQ(mdp.n_states, 20u);
    ASSERT_EQ(mdp.n_actions, 3u);
    for (std::uint32_t p = 0; p < mdp.n_pairs(); ++p) {
      const std::uint32_t begin = mdp.pair_begin[p], end = mdp.pair_begin[p + 1];
      ASSERT_EQ(end - begin, branching) << "pair " << p;
      std::set<std::uint32_t> distinct(mdp.next_state.begin() + begin,
                                       mdp.next_state.begin() + end);
      EXPECT_EQ(distinct.size(), branching) << "pair " << p;
      double total = 0.0;
      for (std::uint32_t i = begin; i < end; ++i) {
        EXPECT_GE(mdp.probability[i], 0.0);
        total += mdp.probability[i];
        // The Garnet convention: one reward per pair, in [0, 1).
        EXPECT_EQ(mdp.reward[i], mdp.reward[begin]);
        EXPECT_GE(mdp.reward[i], 0.0f);
        EXPECT_LT(mdp.reward[i], 1.0f);
        EXPECT_EQ(mdp.terminated[i], 0);
      }
      EXPECT_EQ(total, 1.0) << "pair " << p;  // gaps of 2^-32 multiples: exact
    }
  }
}

TEST(Garnet, NextStatesCoverTheStateSpace) {
  // With one outcome per pair, 2000 pairs over 10 states: every state should be drawn.
  const TabularMdp mdp = garnet(10, 200, 1, 3);
  std::set<std::uint32_t> seen(mdp.next_state.begin(), mdp.next_state.end());
  EXPECT_EQ(seen.size(), 10u);
}

TEST(Garnet, UniformStartStepLimitAndName) {
  const TabularMdp mdp = garnet(8, 2, 2, 77);
  EXPECT_EQ(mdp.name, "garnet:8:2:2:77");
  EXPECT_EQ(mdp.max_episode_steps, 100u);
  ASSERT_EQ(mdp.initial_distribution.size(), 8u);
  for (double p : mdp.initial_distribution) EXPECT_EQ(p, 1.0 / 8);
  EXPECT_EQ(mdp.start_state.size(), 8u);
}

TEST(Garnet, RejectsBadParametersNamingThem) {
  EXPECT_NE(error_of([] { garnet(0, 2, 1, 1); }).find("STATES"), std::string::npos);
  EXPECT_NE(error_of([] { garnet(5, 0, 1, 1); }).find("ACTIONS"), std::string::npos);
  EXPECT_NE(error_of([] { garnet(5, 2, 0, 1); }).find("BRANCHING"), std::string::npos);
  EXPECT_EQ(error_of([] { garnet(5, 2, 6, 1); }),
            "garnet: BRANCHING must be between 1 and STATES = 5 (got 6)");
  EXPECT_NE(error_of([] { garnet(100000, 100000, 1, 1); }).find("state-action pairs"),
            std::string::npos);
}

}  // namespace
}  // namespace dynaq
