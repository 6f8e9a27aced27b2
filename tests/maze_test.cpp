// Maze text: every parse error with its position and wording, the accepted variations of line
// ends, the translation into an MDP checked cell by cell, and breadth-first reachability.
#include "dynaq/maze.hpp"

#include <gtest/gtest.h>

#include <string>

#include "dynaq/environment.hpp"
#include "dynaq/errors.hpp"

namespace dynaq {
namespace {

const std::string kMazeDir = std::string(DYNAQ_TEST_DATA_DIR) + "/mazes/";

// The InputError message of parsing `text` as "m.txt", or "" when it parses.
std::string parse_error(const std::string& text) {
  try {
    parse_maze(text, "m.txt");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

void expect_error(const std::string& text, const std::string& position,
                  const std::string& phrase) {
  const std::string message = parse_error(text);
  EXPECT_EQ(message.rfind("m.txt:" + position + ": ", 0), 0u) << "message: " << message;
  EXPECT_NE(message.find(phrase), std::string::npos) << "message: " << message;
}

// One outcome of a deterministic maze pair.
struct Step {
  std::uint32_t next;
  float reward;
  bool terminated;
};

Step step(const TabularMdp& mdp, std::uint32_t state, std::uint32_t action) {
  const std::uint32_t pair = state * mdp.n_actions + action;
  EXPECT_EQ(mdp.pair_begin[pair + 1] - mdp.pair_begin[pair], 1u);
  const std::uint32_t i = mdp.pair_begin[pair];
  EXPECT_EQ(mdp.probability[i], 1.0);
  return Step{mdp.next_state[i], mdp.reward[i], mdp.terminated[i] != 0};
}

void expect_step(const TabularMdp& mdp, std::uint32_t state, std::uint32_t action,
                 std::uint32_t next, float reward, bool terminated) {
  const Step s = step(mdp, state, action);
  EXPECT_EQ(s.next, next) << "state " << state << " action " << action;
  EXPECT_EQ(s.reward, reward) << "state " << state << " action " << action;
  EXPECT_EQ(s.terminated, terminated) << "state " << state << " action " << action;
}

TEST(MazeParse, ReadsEveryCellKind) {
  const MazeLayout maze = parse_maze("S.#\n#.G\n", "m.txt");
  EXPECT_EQ(maze.rows, 2u);
  EXPECT_EQ(maze.cols, 3u);
  EXPECT_EQ(maze.start, 0u);
  EXPECT_EQ(maze.at(0, 0), MazeCell::kStart);
  EXPECT_EQ(maze.at(0, 1), MazeCell::kFree);
  EXPECT_EQ(maze.at(0, 2), MazeCell::kWall);
  EXPECT_EQ(maze.at(1, 0), MazeCell::kWall);
  EXPECT_EQ(maze.at(1, 2), MazeCell::kGoal);
}

TEST(MazeParse, AcceptsCrlfMissingFinalNewlineAndTrailingEmptyLines) {
  const MazeLayout reference = parse_maze("S.#\n#.G\n", "m.txt");
  for (const char* text : {"S.#\r\n#.G\r\n", "S.#\n#.G", "S.#\r\n#.G", "S.#\n#.G\n\n\n",
                           "S.#\r\n#.G\r\n\r\n", "\xEF\xBB\xBFS.#\n#.G\n"}) {
    const MazeLayout maze = parse_maze(text, "m.txt");
    EXPECT_EQ(maze.rows, reference.rows) << text;
    EXPECT_EQ(maze.cols, reference.cols) << text;
    EXPECT_EQ(maze.cells, reference.cells) << text;
  }
}

TEST(MazeParse, AcceptsSeveralGoalsAndSingleCellRows) {
  const MazeLayout maze = parse_maze("G\nS\nG\n", "m.txt");
  EXPECT_EQ(maze.cols, 1u);
  EXPECT_EQ(maze.start, 1u);
  EXPECT_EQ(maze_shortest_path(maze), 1u);
}

TEST(MazeParse, RejectsUnknownCharacterWithItsPosition) {
  EXPECT_EQ(parse_error("S.#\n#xG\n"),
            "m.txt:2:2: unknown character 'x' (expected '#', '.', 'S' or 'G')");
}

TEST(MazeParse, RejectsTabAndSpaceInsideRow) {
  expect_error("S\t.G\n", "1:2", "unknown character '\\t' (tab)");
  expect_error("S .G\n", "1:2", "unknown character ' ' (space)");
}

TEST(MazeParse, RejectsTrailingWhitespace) {
  expect_error("S.G \n", "1:4", "trailing whitespace");
  expect_error("S.G\n...\t\t\n", "2:4", "trailing whitespace");
}

TEST(MazeParse, RejectsCarriageReturnInsideRow) {
  expect_error("S\r.G\n", "1:2", "'\\r' (carriage return)");
}

TEST(MazeParse, NamesNonPrintableBytesInHex) {
  expect_error("S.G\x01\n", "1:4", "byte 0x01");
}

TEST(MazeParse, SuggestsCapitalForLowercaseStartOrGoal) {
  expect_error("s.G\n", "1:1", "did you mean 'S'?");
  expect_error("S.g\n", "1:3", "did you mean 'G'?");
}

TEST(MazeParse, RejectsShortRowAtItsEnd) {
  EXPECT_EQ(parse_error("S.#.\n...G\n..\n"), "m.txt:3:3: row 3 has 2 cells, but row 1 has 4");
}

TEST(MazeParse, RejectsLongRowAtItsFirstExtraCell) {
  EXPECT_EQ(parse_error("S..\n..G..\n"), "m.txt:2:4: row 2 has 5 cells, but row 1 has 3");
}

TEST(MazeParse, RejectsEmptyLineInsideMaze) {
  EXPECT_EQ(parse_error("S.\n\n.G\n"), "m.txt:2:1: row 2 has 0 cells, but row 1 has 2");
}

TEST(MazeParse, RejectsEmptyFirstLine) {
  expect_error("\nS.G\n", "1:1", "row 1 is empty");
}

TEST(MazeParse, RejectsMissingStart) {
  EXPECT_EQ(parse_error("...\n..G\n"), "m.txt:1:1: no start 'S' (a maze has exactly one start)");
}

TEST(MazeParse, RejectsSecondStartNamingTheFirst) {
  EXPECT_EQ(parse_error("..S\n.SG\n"),
            "m.txt:2:2: a second start 'S' (the first is at 1:3; a maze has exactly one start)");
}

TEST(MazeParse, RejectsMissingGoal) {
  EXPECT_EQ(parse_error("S..\n...\n"), "m.txt:1:1: no goal 'G' (a maze needs at least one)");
}

TEST(MazeParse, RejectsEmptyInput) {
  for (const char* text : {"", "\n", "\r\n\r\n", "\n\n\n"})
    EXPECT_EQ(parse_error(text), "m.txt:1:1: empty maze (no rows)") << "text: " << text;
}

TEST(MazeFile, LoadsAndNamesTheFileInErrors) {
  const MazeLayout maze = load_maze_file(kMazeDir + "tiny.txt");
  EXPECT_EQ(maze.rows, 2u);
  EXPECT_EQ(maze.cols, 3u);
  try {
    load_maze_file(kMazeDir + "bad-character.txt");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              kMazeDir + "bad-character.txt:2:3: unknown character 'x' (expected '#', '.', 'S' "
                         "or 'G')");
  }
}

TEST(MazeFile, MissingFileNamesPathAndReason) {
  try {
    load_maze_file(kMazeDir + "no-such-maze.txt");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(kMazeDir + "no-such-maze.txt: cannot read"), std::string::npos);
    EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
  }
}

TEST(MazeFile, DirectoryIsRejected) {
  try {
    load_maze_file(kMazeDir);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
}

// tiny.txt, states numbered row-major:
//   S . #      0 1 2
//   # . G      3 4 5
TEST(MazeToMdp, TransitionsByHand) {
  const TabularMdp mdp = maze_to_mdp(load_maze_file(kMazeDir + "tiny.txt"), "tiny", 25);
  ASSERT_EQ(mdp.n_states, 6u);
  ASSERT_EQ(mdp.n_actions, 4u);
  EXPECT_EQ(mdp.name, "tiny");
  EXPECT_EQ(mdp.max_episode_steps, 25u);
  EXPECT_TRUE(mdp.is_deterministic());
  // Start: the grid edge above and left, a wall below, a free cell to the right.
  expect_step(mdp, 0, kUp, 0, 0.0f, false);
  expect_step(mdp, 0, kDown, 0, 0.0f, false);
  expect_step(mdp, 0, kLeft, 0, 0.0f, false);
  expect_step(mdp, 0, kRight, 1, 0.0f, false);
  // A wall bump to the right.
  expect_step(mdp, 1, kUp, 1, 0.0f, false);
  expect_step(mdp, 1, kDown, 4, 0.0f, false);
  expect_step(mdp, 1, kLeft, 0, 0.0f, false);
  expect_step(mdp, 1, kRight, 1, 0.0f, false);
  // Entering the goal: reward 1, terminated.
  expect_step(mdp, 4, kUp, 1, 0.0f, false);
  expect_step(mdp, 4, kDown, 4, 0.0f, false);
  expect_step(mdp, 4, kLeft, 4, 0.0f, false);
  expect_step(mdp, 4, kRight, 5, 1.0f, true);
  // The goal is absorbing: every action stays, reward 0, terminated.
  for (std::uint32_t a = 0; a < 4; ++a) expect_step(mdp, 5, a, 5, 0.0f, true);
  // Walls move like free cells (a schedule may turn an agent's cell into wall).
  expect_step(mdp, 2, kUp, 2, 0.0f, false);
  expect_step(mdp, 2, kDown, 5, 1.0f, true);
  expect_step(mdp, 2, kLeft, 1, 0.0f, false);
  expect_step(mdp, 2, kRight, 2, 0.0f, false);
  expect_step(mdp, 3, kUp, 0, 0.0f, false);
  expect_step(mdp, 3, kRight, 4, 0.0f, false);
  expect_step(mdp, 3, kLeft, 3, 0.0f, false);
  expect_step(mdp, 3, kDown, 3, 0.0f, false);
  // All the start mass on S.
  ASSERT_EQ(mdp.initial_distribution.size(), 6u);
  EXPECT_EQ(mdp.initial_distribution[0], 1.0);
  for (std::uint32_t s = 1; s < 6; ++s) EXPECT_EQ(mdp.initial_distribution[s], 0.0);
  ASSERT_EQ(mdp.start_state.size(), 1u);
  EXPECT_EQ(mdp.start_state[0], 0u);
}

TEST(MazeToMdp, StartAnywhereAndNoStepLimitByDefault) {
  const TabularMdp mdp = maze_to_mdp(parse_maze("..\nGS\n", "m.txt"), "m");
  EXPECT_EQ(mdp.max_episode_steps, 0u);
  ASSERT_EQ(mdp.start_state.size(), 1u);
  EXPECT_EQ(mdp.start_state[0], 3u);
  expect_step(mdp, 3, kLeft, 2, 1.0f, true);
}

TEST(MazeSearch, ShortestPathAndReachability) {
  const MazeLayout tiny = load_maze_file(kMazeDir + "tiny.txt");
  EXPECT_TRUE(maze_goal_reachable(tiny));
  EXPECT_EQ(maze_shortest_path(tiny), 3u);
  const MazeLayout walled = load_maze_file(kMazeDir + "unreachable.txt");
  EXPECT_FALSE(maze_goal_reachable(walled));
  EXPECT_EQ(maze_shortest_path(walled), 0u);
  // The nearest of several goals; a goal reached only through a wall does not count.
  const MazeLayout two_goals = parse_maze("G...S#G\n", "m.txt");
  EXPECT_EQ(maze_shortest_path(two_goals), 4u);
  // A path around walls.
  const MazeLayout detour = parse_maze("S#G\n.#.\n...\n", "m.txt");
  EXPECT_EQ(maze_shortest_path(detour), 6u);
}

TEST(MazeText, IsTheInverseOfParse) {
  const std::string text = "S.#.\n#..G\n..G.\n";
  EXPECT_EQ(maze_to_text(parse_maze(text, "m.txt")), text);
  const MazeLayout maze = parse_maze("S.\r\n.G", "m.txt");
  EXPECT_EQ(maze_to_text(maze), "S.\n.G\n");
}

}  // namespace
}  // namespace dynaq

namespace dynaq {
namespace {

TEST(MazeScale, EveryCellBecomesABlockWithOneStartAndOneGoal) {
  const MazeLayout maze = parse_maze("S#\n.G\n", "tiny.txt");
  const MazeLayout scaled = scale_maze(maze, 2);
  EXPECT_EQ(maze_to_text(scaled), "S.##\n..##\n..G.\n....\n");
  EXPECT_EQ(scaled.start, 0u);
  EXPECT_EQ(maze_shortest_path(scaled), 4u);
  EXPECT_EQ(maze_to_text(scale_maze(maze, 1)), maze_to_text(maze));
  EXPECT_THROW(scale_maze(maze, 0), InputError);
}

TEST(MazeScale, TheDynaMazeAtResolutionKHasAShortestPathOf14K) {
  for (std::uint32_t k = 1; k <= 4; ++k) {
    const auto layouts = load_maze_layouts("dyna-maze:" + std::to_string(k));
    ASSERT_EQ(layouts.size(), 1u);
    EXPECT_EQ(layouts[0].rows, 6 * k);
    EXPECT_EQ(maze_shortest_path(layouts[0]), 14 * k) << "resolution " << k;
  }
  EXPECT_THROW(load_environment("dyna-maze:0"), InputError);
  EXPECT_THROW(load_environment("dyna-maze:x"), InputError);
}

}  // namespace
}  // namespace dynaq
