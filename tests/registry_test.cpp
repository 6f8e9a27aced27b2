// load_environment: every built-in, the book's mazes cell by cell, generator specs, files,
// schedules, and the errors for unknown names and malformed specs.
#include "dynaq/environment.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

#include "dynaq/errors.hpp"
#include "dynaq/generators.hpp"

namespace dynaq {
namespace {

const std::string kMazeDir = std::string(DYNAQ_TEST_DATA_DIR) + "/mazes/";

std::string load_error(const std::string& spec) {
  try {
    load_environment(spec);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The cells (row, col) where two layouts of the same shape differ.
std::vector<std::pair<std::uint32_t, std::uint32_t>> differences(const MazeLayout& a,
                                                                 const MazeLayout& b) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> cells;
  for (std::uint32_t r = 0; r < a.rows; ++r)
    for (std::uint32_t c = 0; c < a.cols; ++c)
      if (a.at(r, c) != b.at(r, c)) cells.emplace_back(r, c);
  return cells;
}

TEST(RegistryBuiltins, EveryBuiltinLoads) {
  std::size_t named = 0;
  for (const BuiltinEnvironment& builtin : builtin_environments()) {
    EXPECT_FALSE(builtin.description.empty()) << builtin.name;
    if (!builtin.example.empty()) {
      // A generator pattern: its example loads.
      const Environment env = load_environment(builtin.example);
      EXPECT_EQ(env.phases.size(), 1u) << builtin.example;
      continue;
    }
    ++named;
    const Environment env = load_environment(builtin.name);
    EXPECT_EQ(env.name, builtin.name);
    ASSERT_FALSE(env.phases.empty()) << builtin.name;
    EXPECT_EQ(env.phases[0].start_step, 0u);
    EXPECT_TRUE(env.warnings.empty()) << builtin.name;
  }
  EXPECT_EQ(named, 10u);
}

TEST(RegistryBuiltins, ShapesOfTheToyTextEnvironments) {
  const struct {
    const char* name;
    std::uint32_t states, actions;
  } expected[] = {{"frozen-lake-4x4", 16, 4},
                  {"frozen-lake-4x4-deterministic", 16, 4},
                  {"frozen-lake-8x8", 64, 4},
                  {"frozen-lake-8x8-deterministic", 64, 4},
                  {"cliff-walking", 48, 4},
                  {"taxi", 500, 6}};
  for (const auto& e : expected) {
    const Environment env = load_environment(e.name);
    EXPECT_EQ(env.n_states(), e.states) << e.name;
    EXPECT_EQ(env.n_actions(), e.actions) << e.name;
  }
  EXPECT_FALSE(load_environment("frozen-lake-4x4").first().is_deterministic());
  EXPECT_TRUE(load_environment("frozen-lake-4x4-deterministic").first().is_deterministic());
}

TEST(RegistryBuiltins, DynaMazeIsFigure8_2) {
  const Environment env = load_environment("dyna-maze");
  ASSERT_EQ(env.phases.size(), 1u);
  EXPECT_EQ(env.n_states(), 54u);
  EXPECT_EQ(env.n_actions(), 4u);
  EXPECT_EQ(env.first().max_episode_steps, 0u);
  const std::vector<MazeLayout> layouts = load_maze_layouts("dyna-maze");
  ASSERT_EQ(layouts.size(), 1u);
  const MazeLayout& maze = layouts[0];
  EXPECT_EQ(maze.rows, 6u);
  EXPECT_EQ(maze.cols, 9u);
  EXPECT_EQ(maze.start, 2u * 9 + 0);
  EXPECT_EQ(maze.at(0, 8), MazeCell::kGoal);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> walls;
  for (std::uint32_t r = 0; r < 6; ++r)
    for (std::uint32_t c = 0; c < 9; ++c)
      if (maze.at(r, c) == MazeCell::kWall) walls.emplace_back(r, c);
  const std::vector<std::pair<std::uint32_t, std::uint32_t>> expected = {
      {0, 7}, {1, 2}, {1, 7}, {2, 2}, {2, 7}, {3, 2}, {4, 5}};
  EXPECT_EQ(walls, expected);
  EXPECT_EQ(maze_shortest_path(maze), 14u);
  ASSERT_EQ(env.first().start_state.size(), 1u);
  EXPECT_EQ(env.first().start_state[0], 18u);
}

TEST(RegistryBuiltins, BlockingMazeSwitchesAtStep1000) {
  const Environment env = load_environment("blocking-maze");
  ASSERT_EQ(env.phases.size(), 2u);
  EXPECT_EQ(env.phases[1].start_step, 1000u);
  EXPECT_EQ(env.phase_at(999), 0u);
  EXPECT_EQ(env.phase_at(1000), 1u);
  const std::vector<MazeLayout> layouts = load_maze_layouts("blocking-maze");
  ASSERT_EQ(layouts.size(), 2u);
  for (const MazeLayout& maze : layouts) {
    EXPECT_EQ(maze.rows, 6u);
    EXPECT_EQ(maze.cols, 9u);
    EXPECT_EQ(maze.start, 5u * 9 + 3);
    EXPECT_EQ(maze.at(0, 8), MazeCell::kGoal);
    EXPECT_TRUE(maze_goal_reachable(maze));
  }
  for (std::uint32_t c = 0; c < 8; ++c) EXPECT_EQ(layouts[0].at(3, c), MazeCell::kWall) << c;
  EXPECT_EQ(layouts[0].at(3, 8), MazeCell::kFree);
  const std::vector<std::pair<std::uint32_t, std::uint32_t>> changed = {{3, 0}, {3, 8}};
  EXPECT_EQ(differences(layouts[0], layouts[1]), changed);
  EXPECT_EQ(layouts[1].at(3, 0), MazeCell::kFree);
  EXPECT_EQ(layouts[1].at(3, 8), MazeCell::kWall);
  // Only the two changed cells' neighbourhoods differ in the tables; shapes agree.
  EXPECT_EQ(env.phases[1].mdp->n_states, env.phases[0].mdp->n_states);
  EXPECT_NE(env.phases[1].mdp->next_state, env.phases[0].mdp->next_state);
}

TEST(RegistryBuiltins, ShortcutMazeOpensAtStep3000) {
  const Environment env = load_environment("shortcut-maze");
  ASSERT_EQ(env.phases.size(), 2u);
  EXPECT_EQ(env.phases[1].start_step, 3000u);
  EXPECT_EQ(env.phase_at(2999), 0u);
  EXPECT_EQ(env.phase_at(3000), 1u);
  const std::vector<MazeLayout> layouts = load_maze_layouts("shortcut-maze");
  ASSERT_EQ(layouts.size(), 2u);
  EXPECT_EQ(layouts[0].start, 5u * 9 + 3);
  EXPECT_EQ(layouts[1].start, 5u * 9 + 3);
  EXPECT_EQ(layouts[0].at(3, 0), MazeCell::kFree);
  for (std::uint32_t c = 1; c < 9; ++c) EXPECT_EQ(layouts[0].at(3, c), MazeCell::kWall) << c;
  const std::vector<std::pair<std::uint32_t, std::uint32_t>> changed = {{3, 8}};
  EXPECT_EQ(differences(layouts[0], layouts[1]), changed);
  EXPECT_EQ(layouts[1].at(3, 8), MazeCell::kFree);
  EXPECT_LT(maze_shortest_path(layouts[1]), maze_shortest_path(layouts[0]));
}

TEST(RegistryGenerators, RandomMazeSpec) {
  const Environment env = load_environment("random-maze:5x7:3");
  EXPECT_EQ(env.name, "random-maze:5x7:3");
  EXPECT_EQ(env.n_states(), 35u);
  EXPECT_EQ(env.n_actions(), 4u);
  EXPECT_EQ(env.first().name, "random-maze:5x7:3");
  EXPECT_TRUE(env.warnings.empty());
  const std::vector<MazeLayout> layouts = load_maze_layouts("random-maze:5x7:3");
  ASSERT_EQ(layouts.size(), 1u);
  EXPECT_EQ(layouts[0].cells, random_maze(5, 7, 3).cells);
}

TEST(RegistryGenerators, GarnetSpec) {
  const Environment env = load_environment("garnet:10:3:2:5");
  EXPECT_EQ(env.n_states(), 10u);
  EXPECT_EQ(env.n_actions(), 3u);
  EXPECT_EQ(env.first().name, "garnet:10:3:2:5");
  EXPECT_EQ(env.first().next_state, garnet(10, 3, 2, 5).next_state);
  EXPECT_TRUE(load_maze_layouts("garnet:10:3:2:5").empty());
}

TEST(RegistryGenerators, MalformedSpecsExplainThePattern) {
  for (const char* spec : {"random-maze:5x7", "random-maze:5by7:3", "random-maze:5x7:3:1",
                           "random-maze:", "random-maze:x:1"}) {
    const std::string message = load_error(spec);
    EXPECT_TRUE(contains(message, "random-maze:ROWSxCOLS:SEED")) << spec << ": " << message;
    EXPECT_TRUE(contains(message, "e.g. random-maze:20x30:7")) << spec << ": " << message;
  }
  EXPECT_EQ(load_error("random-maze:-5x7:3"),
            "'random-maze:-5x7:3': ROWS '-5' is not a whole number below 2^32; expected "
            "random-maze:ROWSxCOLS:SEED, e.g. random-maze:20x30:7");
  EXPECT_TRUE(contains(load_error("random-maze:5x7:abc"), "SEED 'abc'"));
  EXPECT_TRUE(contains(load_error("random-maze:5x99999999999:1"), "COLS '99999999999'"));
  EXPECT_TRUE(contains(load_error("random-maze:5x 7:1"), "COLS ' 7'"));
  for (const char* spec : {"garnet:10:3:2", "garnet:10:3:2:1:1", "garnet:"}) {
    const std::string message = load_error(spec);
    EXPECT_TRUE(contains(message, "garnet:STATES:ACTIONS:BRANCHING:SEED")) << message;
    EXPECT_TRUE(contains(message, "e.g. garnet:100:4:3:7")) << message;
  }
  EXPECT_TRUE(contains(load_error("garnet:10:3:2.5:1"), "BRANCHING '2.5'"));
  EXPECT_TRUE(contains(load_error("garnet:10:+3:2:1"), "ACTIONS '+3'"));
  EXPECT_TRUE(contains(load_error("garnet:10:3:11:1"), "BRANCHING must be between 1 and"));
  EXPECT_TRUE(contains(load_error("random-maze:0x7:1"), "ROWS must be at least 1"));
}

TEST(RegistryFiles, MazeFileLoads) {
  const std::string path = kMazeDir + "tiny.txt";
  const Environment env = load_environment(path);
  EXPECT_EQ(env.name, path);
  EXPECT_EQ(env.n_states(), 6u);
  EXPECT_TRUE(env.warnings.empty());
  EXPECT_EQ(env.first().name, path);
}

TEST(RegistryFiles, UnreachableGoalLoadsWithAWarning) {
  const std::string path = kMazeDir + "unreachable.txt";
  const Environment env = load_environment(path);
  ASSERT_EQ(env.warnings.size(), 1u);
  EXPECT_EQ(env.warnings[0], path + ": no goal is reachable from the start; episodes can end "
                                    "only by a step limit");
}

TEST(RegistryFiles, MazeFileErrorsKeepTheirPosition) {
  EXPECT_EQ(load_error(kMazeDir + "bad-character.txt").rfind(kMazeDir + "bad-character.txt:2:3: ",
                                                             0),
            0u);
}

TEST(RegistryFiles, MissingPathSaysSo) {
  const std::string message = load_error(kMazeDir + "missing.txt");
  EXPECT_TRUE(contains(message, kMazeDir + "missing.txt: cannot read")) << message;
}

TEST(RegistryFiles, JsonFileLoads) {
  const std::string path = ::testing::TempDir() + "registry_test_" + std::to_string(getpid()) +
                           ".json";
  {
    std::ofstream out(path);
    out << R"({"name": "two", "n_states": 2, "n_actions": 1,
               "initial_state_distribution": [1, 0],
               "P": [[[[1.0, 1, 0.5, false]]], [[[1.0, 1, 0.0, true]]]]})";
  }
  const Environment env = load_environment(path);
  std::remove(path.c_str());
  EXPECT_EQ(env.n_states(), 2u);
  EXPECT_EQ(env.n_actions(), 1u);
  EXPECT_EQ(env.first().reward[0], 0.5f);
}

TEST(RegistrySchedules, TwoFiles) {
  const std::string spec = kMazeDir + "tiny.txt@50=" + kMazeDir + "tiny-open.txt";
  const Environment env = load_environment(spec);
  EXPECT_EQ(env.name, spec);
  ASSERT_EQ(env.phases.size(), 2u);
  EXPECT_EQ(env.phases[0].start_step, 0u);
  EXPECT_EQ(env.phases[1].start_step, 50u);
  EXPECT_EQ(env.phases[0].mdp->name, kMazeDir + "tiny.txt");
  EXPECT_EQ(env.phases[1].mdp->name, kMazeDir + "tiny-open.txt");
}

TEST(RegistrySchedules, TrailingAtIsAnError) {
  EXPECT_TRUE(contains(load_error("dyna-maze@10=dyna-maze@"), "'' is not STEP=ENVIRONMENT"));
}

TEST(RegistrySchedules, MixedParts) {
  const Environment env = load_environment("dyna-maze@10=random-maze:6x9:1@20=dyna-maze");
  ASSERT_EQ(env.phases.size(), 3u);
  EXPECT_EQ(env.phases[1].start_step, 10u);
  EXPECT_EQ(env.phases[2].start_step, 20u);
  EXPECT_EQ(env.phase_at(15), 1u);
  EXPECT_EQ(load_maze_layouts("dyna-maze@10=random-maze:6x9:1@20=dyna-maze").size(), 3u);
}

TEST(RegistrySchedules, ShapeMismatchNamesBothShapes) {
  const std::string spec = kMazeDir + "tiny.txt@50=" + kMazeDir + "square.txt";
  EXPECT_EQ(load_error(spec), "schedule '" + spec + "': '" + kMazeDir + "square.txt' has 4 " +
                                  "states x 4 actions, but '" + kMazeDir + "tiny.txt' has 6 " +
                                  "states x 4 actions; every phase must have the same shape");
}

TEST(RegistrySchedules, StepsMustIncreaseFromAboveZero) {
  EXPECT_TRUE(contains(load_error("dyna-maze@0=dyna-maze"), "must be greater than 0"));
  EXPECT_TRUE(contains(load_error("dyna-maze@20=dyna-maze@20=dyna-maze"),
                       "switch step 20 must be greater than the previous one, 20"));
  EXPECT_TRUE(contains(load_error("dyna-maze@x=dyna-maze"), "switch step 'x'"));
  EXPECT_TRUE(contains(load_error("dyna-maze@dyna-maze"), "is not STEP=ENVIRONMENT"));
  EXPECT_TRUE(contains(load_error("dyna-maze@dyna-maze"), "FIRST@STEP=SECOND"));
  EXPECT_TRUE(contains(load_error("dyna-maze@10="), "empty environment name"));
}

TEST(RegistrySchedules, PartsCannotBeSchedules) {
  EXPECT_TRUE(contains(load_error("dyna-maze@10=blocking-maze"), "schedules cannot be nested"));
}

TEST(RegistrySchedules, PartErrorsAreReported) {
  EXPECT_TRUE(contains(load_error("dyna-maze@10=dyna-maz"), "unknown environment 'dyna-maz'"));
  EXPECT_TRUE(contains(load_error("dyna-maze@10=dyna-maze@20=taxi"), "500 states x 6 actions"));
}

TEST(RegistryUnknown, ListsWhatIsAcceptedAndSuggests) {
  const std::string message = load_error("dyna-maz");
  EXPECT_EQ(message.rfind("unknown environment 'dyna-maz' (did you mean 'dyna-maze'?)", 0), 0u)
      << message;
  for (const BuiltinEnvironment& builtin : builtin_environments())
    EXPECT_TRUE(contains(message, builtin.name)) << builtin.name;
  EXPECT_TRUE(contains(message, "random-maze:ROWSxCOLS:SEED"));
  EXPECT_TRUE(contains(message, "garnet:STATES:ACTIONS:BRANCHING:SEED"));
}

TEST(RegistryUnknown, SuggestionsWithinTwoEdits) {
  EXPECT_TRUE(contains(load_error("Taxi"), "did you mean 'taxi'?"));
  EXPECT_TRUE(contains(load_error("clif-walkin"), "did you mean 'cliff-walking'?"));
  EXPECT_TRUE(contains(load_error("frozen-lake-4x8"),
                       "did you mean 'frozen-lake-4x4' or 'frozen-lake-8x8'?"));
  EXPECT_TRUE(contains(load_error("frozen-lake"), "did you mean 'frozen-lake-4x4' or"));
  const std::string far = load_error("xyz");
  EXPECT_EQ(far.rfind("unknown environment 'xyz'\n", 0), 0u) << far;
  EXPECT_FALSE(contains(far, "did you mean"));
}

TEST(RegistryUnknown, EmptySpec) {
  EXPECT_TRUE(contains(load_error(""), "empty environment name"));
}

}  // namespace
}  // namespace dynaq
