// `dynaq envs`, run as a user would: the listing, export (and loading the export back), show,
// and the exit codes and messages of bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "dynaq/environment.hpp"

namespace dynaq {
namespace {

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `dynaq ARGS` through the shell (ARGS is pasted as is: quote where needed).
Result run_dynaq(const std::string& args) {
  const std::string base = ::testing::TempDir() + "envs_command_test_" + std::to_string(getpid());
  const std::string out_path = base + ".out", err_path = base + ".err";
  const std::string command =
      std::string("'") + DYNAQ_BINARY + "' " + args + " >'" + out_path + "' 2>'" + err_path + "'";
  const int status = std::system(command.c_str());
  Result result{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_all(out_path),
                read_all(err_path)};
  std::remove(out_path.c_str());
  std::remove(err_path.c_str());
  return result;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(EnvsCommand, ListsEveryBuiltinAndGenerator) {
  const Result r = run_dynaq("envs");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const BuiltinEnvironment& builtin : builtin_environments()) {
    EXPECT_TRUE(contains(r.out, builtin.name)) << builtin.name;
    EXPECT_TRUE(contains(r.out, builtin.description)) << builtin.name;
    if (!builtin.example.empty()) {
      EXPECT_TRUE(contains(r.out, builtin.example));
    }
  }
  EXPECT_TRUE(contains(r.out, "2 (switch at 1000)"));
  EXPECT_TRUE(contains(r.out, "2 (switch at 3000)"));
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(EnvsCommand, TableRowsHaveTheShapes) {
  const Result r = run_dynaq("envs");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  bool found_taxi = false, found_slippery = false;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string name, states, actions, outcomes, limit;
    words >> name >> states >> actions >> outcomes >> limit;
    if (name == "taxi") {
      found_taxi = true;
      EXPECT_EQ(states, "500");
      EXPECT_EQ(actions, "6");
      EXPECT_EQ(outcomes, "1");
      EXPECT_EQ(limit, "200");
    }
    if (name == "frozen-lake-4x4") {
      found_slippery = true;
      EXPECT_EQ(outcomes, "1-3");
    }
    if (name == "dyna-maze") {
      EXPECT_EQ(limit, "none");
    }
  }
  EXPECT_TRUE(found_taxi);
  EXPECT_TRUE(found_slippery);
}

TEST(EnvsCommand, UnknownEnvironmentExitsWith2) {
  const Result r = run_dynaq("envs export dyna-maz");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_TRUE(contains(r.err, "dynaq: error: unknown environment 'dyna-maz'")) << r.err;
  EXPECT_TRUE(contains(r.err, "did you mean 'dyna-maze'?")) << r.err;
}

TEST(EnvsCommand, PhaseOutOfRangeNamesTheOption) {
  const Result r = run_dynaq("envs export blocking-maze --phase 2");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--phase 2 is out of range")) << r.err;
  EXPECT_TRUE(contains(r.err, "2 phases (0 to 1)")) << r.err;
}

TEST(EnvsCommand, MissingEnvironmentArgumentIsAUsageError) {
  EXPECT_EQ(run_dynaq("envs export").exit_code, 2);
}

TEST(EnvsCommand, ShowPrintsMazeText) {
  const Result r = run_dynaq("envs show dyna-maze");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, maze_to_text(load_maze_layouts("dyna-maze")[0]));
  const Result later = run_dynaq("envs show shortcut-maze --phase 1");
  ASSERT_EQ(later.exit_code, 0) << later.err;
  EXPECT_TRUE(contains(later.out, ".#######.\n"));
}

TEST(EnvsCommand, ShowRejectsWhatIsNotAMaze) {
  const Result r = run_dynaq("envs show taxi");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "'taxi' is not a maze")) << r.err;
}

TEST(EnvsCommand, ShowPrintsTheWarningOfAnUnreachableGoal) {
  const Result r = run_dynaq(std::string("envs show '") + DYNAQ_TEST_DATA_DIR +
                             "/mazes/unreachable.txt'");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "S#G\n");
  EXPECT_TRUE(contains(r.err, "dynaq: warning: ")) << r.err;
  EXPECT_TRUE(contains(r.err, "no goal is reachable")) << r.err;
}

// Exports `spec` (phase `phase`), loads the file back, and compares every table.
void expect_round_trip(const std::string& spec, std::size_t phase) {
  const Result r = run_dynaq("envs export '" + spec + "' --phase " + std::to_string(phase));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string path = ::testing::TempDir() + "envs_export_" + std::to_string(getpid()) +
                           ".json";
  {
    std::ofstream out(path, std::ios::binary);
    out << r.out;
  }
  const Environment loaded = load_environment(path);
  std::remove(path.c_str());
  const Environment original = load_environment(spec);
  const TabularMdp& a = *original.phases[phase].mdp;
  const TabularMdp& b = loaded.first();
  EXPECT_EQ(b.name, a.name);
  EXPECT_EQ(b.n_states, a.n_states);
  EXPECT_EQ(b.n_actions, a.n_actions);
  EXPECT_EQ(b.max_episode_steps, a.max_episode_steps);
  EXPECT_EQ(b.pair_begin, a.pair_begin);
  EXPECT_EQ(b.probability, a.probability);
  EXPECT_EQ(b.next_state, a.next_state);
  EXPECT_EQ(b.reward, a.reward);
  EXPECT_EQ(b.terminated, a.terminated);
  EXPECT_EQ(b.initial_distribution, a.initial_distribution);
  EXPECT_EQ(b.outcome_threshold, a.outcome_threshold);
  EXPECT_EQ(b.start_threshold, a.start_threshold);
}

TEST(EnvsCommand, ExportLoadsBackIdentically) {
  expect_round_trip("dyna-maze", 0);
  expect_round_trip("blocking-maze", 1);
  expect_round_trip("garnet:12:3:4:5", 0);
  expect_round_trip("frozen-lake-4x4", 0);
}

}  // namespace
}  // namespace dynaq
