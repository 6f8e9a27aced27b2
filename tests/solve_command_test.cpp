// Tests of `dynaq solve`, run as the built binary: its JSON against known optima, its report,
// its q.npy, and its exit codes and messages for bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A fresh path under the temporary folder, not created.
std::filesystem::path scratch(const std::string& name) {
  static int counter = 0;
  return std::filesystem::temp_directory_path() /
         ("dynaq-solve-test-" + std::to_string(getpid()) + "-" + std::to_string(++counter) +
          "-" + name);
}

CommandResult run_dynaq(const std::string& arguments) {
  const std::string err_path = scratch("stderr").string();
  const std::string command = std::string(DYNAQ_BINARY) + " " + arguments + " 2>" + err_path;
  CommandResult run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = read_file(err_path);
  std::filesystem::remove(err_path);
  return run;
}

// The raw text of a top-level field of dynaq's one-line JSON (numbers, null, true, false).
std::string field(const std::string& json, const std::string& key) {
  const std::string tag = "\"" + key + "\": ";
  std::size_t at = json.find(tag);
  if (at == std::string::npos) return "<missing " + key + ">";
  at += tag.size();
  return json.substr(at, json.find_first_of(",}", at) - at);
}

double number(const std::string& json, const std::string& key) {
  return std::stod(field(json, key));
}

// One JSON object on one line, and nothing else.
void expect_one_json_object(const std::string& out) {
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.front(), '{');
  EXPECT_EQ(out.substr(out.size() - 2), "}\n");
  EXPECT_EQ(out.find('\n'), out.size() - 1);
}

TEST(SolveCommand, DynaMazeOptimumIsGammaToTheThirteenth) {
  const CommandResult run = run_dynaq("solve --env dyna-maze --gamma 0.95 --json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  expect_one_json_object(run.out);
  // The shortest path takes 14 steps; the goal's reward 1 arrives on the 14th.
  EXPECT_NEAR(number(run.out, "v_start"), std::pow(0.95, 13), 1e-9) << run.out;
  EXPECT_EQ(number(run.out, "greedy_expected_steps"), 14.0) << run.out;
  EXPECT_EQ(number(run.out, "greedy_return"), 1.0) << run.out;
  EXPECT_EQ(field(run.out, "greedy_terminates"), "true");
  EXPECT_EQ(field(run.out, "env"), "\"dyna-maze\"");
  EXPECT_EQ(number(run.out, "gamma"), 0.95);
  EXPECT_EQ(number(run.out, "tolerance"), 1e-10);
  EXPECT_EQ(number(run.out, "n_states"), 54.0);
  EXPECT_EQ(number(run.out, "n_actions"), 4.0);
  EXPECT_LT(number(run.out, "residual"), 1e-10);
  EXPECT_GT(number(run.out, "iterations"), 13.0);
  EXPECT_EQ(field(run.out, "q_file"), "null");
  EXPECT_EQ(field(run.out, "horizon"), "null");  // the Dyna maze has no step limit
}

// The goal is 598 steps from the start: gamma^597 (5e-14) is far below the tolerance, and the
// sweeps must go on until it has arrived, or the greedy policy never reaches the goal.
TEST(SolveCommand, AFarGoalsValueArrivesAtTheStart) {
  const CommandResult run = run_dynaq("solve --env random-maze:300x300:1 --gamma 0.95 --json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // gamma^597 by the multiplications the backups make; the JSON's shortest form reads back exactly.
  double expected = 1.0;
  for (int k = 0; k < 597; ++k) expected = 0.95 * expected;
  EXPECT_EQ(number(run.out, "v_start"), expected) << run.out;
  EXPECT_EQ(field(run.out, "greedy_terminates"), "true") << run.out;
  EXPECT_EQ(number(run.out, "greedy_expected_steps"), 598.0) << run.out;
  EXPECT_EQ(number(run.out, "greedy_return"), 1.0) << run.out;
}

TEST(SolveCommand, HorizonTooShortForTheGoalEarnsNothing) {
  const CommandResult run = run_dynaq("solve --env dyna-maze --gamma 0.95 --horizon 13 --json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(number(run.out, "greedy_return"), 0.0);
  EXPECT_EQ(number(run.out, "greedy_expected_steps"), 13.0);
  EXPECT_EQ(field(run.out, "horizon"), "13");
  const CommandResult enough = run_dynaq("solve --env dyna-maze --horizon 14 --json");
  ASSERT_EQ(enough.exit_code, 0) << enough.err;
  EXPECT_EQ(number(enough.out, "greedy_return"), 1.0);
  const CommandResult none = run_dynaq("solve --env dyna-maze --horizon 0 --json");
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(field(none.out, "horizon"), "null");
}

TEST(SolveCommand, FrozenLakeSuccessProbabilityIsTheKnownOptimum) {
  const CommandResult run = run_dynaq("solve --env frozen-lake-4x4 --gamma 0.99 --json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  expect_one_json_object(run.out);
  // Slippery FrozenLake 4x4 with its 100-step limit: the optimal policy reaches the goal about
  // 74% of the time (the value printed by this solver is pinned below).
  EXPECT_EQ(field(run.out, "horizon"), "100");
  EXPECT_NEAR(number(run.out, "greedy_return"), 0.74, 0.01) << run.out;
  // What this solver gives: the greedy policy of Q* (gamma 0.99), evaluated by backward
  // induction over the 100 steps, reaches the goal with probability 0.7401648977587045 and
  // takes 44.56571186112212 steps on average.
  EXPECT_NEAR(number(run.out, "greedy_return"), 0.7401648977587045, 1e-9) << run.out;
  EXPECT_NEAR(number(run.out, "greedy_expected_steps"), 44.56571186112212, 1e-7) << run.out;
  EXPECT_EQ(number(run.out, "n_states"), 16.0);
  EXPECT_EQ(number(run.out, "n_actions"), 4.0);
}

TEST(SolveCommand, OutWritesQAsFloat64StatesByActions) {
  const std::filesystem::path folder = scratch("out");
  const CommandResult run = run_dynaq("solve --env dyna-maze --out " + folder.string());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string q = read_file((folder / "q.npy").string());
  // 128 header bytes ("(54, 4)" pads to one 128-byte block), then 54 x 4 doubles.
  ASSERT_EQ(q.size(), 128u + 54u * 4u * 8u);
  EXPECT_EQ(q.substr(0, 6), "\x93NUMPY");
  EXPECT_NE(q.find("'descr': '<f8', 'fortran_order': False, 'shape': (54, 4), }"),
            std::string::npos);
  // Only q.npy is left in the folder: no temporary behind.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(folder))
    ++entries;
  EXPECT_EQ(entries, 1u);
  EXPECT_NE(run.out.find((folder / "q.npy").string()), std::string::npos) << run.out;
  std::filesystem::remove_all(folder);
}

// q.npy is never replaced unasked, and never in a run's folder, where it holds the agents' tables
// that the run's summary.json vouches for.
TEST(SolveCommand, OutKeepsResultsItWasNotAskedToReplace) {
  const std::filesystem::path folder = scratch("keep");
  ASSERT_EQ(run_dynaq("solve --env dyna-maze --out " + folder.string()).exit_code, 0);
  const std::string first = read_file((folder / "q.npy").string());
  const CommandResult again = run_dynaq("solve --env frozen-lake-4x4 --out " + folder.string());
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already holds q.npy; choose another folder or pass --overwrite"), std::string::npos)
      << again.err;
  EXPECT_EQ(read_file((folder / "q.npy").string()), first);
  const CommandResult replaced = run_dynaq("solve --env frozen-lake-4x4 --overwrite --out " + folder.string());
  EXPECT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_NE(read_file((folder / "q.npy").string()), first);

  const std::filesystem::path run_folder = scratch("run");
  ASSERT_EQ(run_dynaq("run -q --seeds 2 --episodes 2 --save-tables --out " + run_folder.string()).exit_code, 0);
  const std::string tables = read_file((run_folder / "q.npy").string());
  const CommandResult into_run = run_dynaq("solve --env dyna-maze --overwrite --out " + run_folder.string());
  EXPECT_EQ(into_run.exit_code, 2);
  EXPECT_NE(into_run.err.find("holds the results of a dynaq run"), std::string::npos) << into_run.err;
  EXPECT_EQ(read_file((run_folder / "q.npy").string()), tables);
  std::filesystem::remove_all(folder);
  std::filesystem::remove_all(run_folder);
}

TEST(SolveCommand, HumanReadableReport) {
  const CommandResult run = run_dynaq("solve --env dyna-maze");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const char* text : {"dyna-maze: 54 states x 4 actions", "gamma 0.95", "V*(start)",
                           "expected return", "expected steps per episode: 14",
                           "not written (use --out DIR)"})
    EXPECT_NE(run.out.find(text), std::string::npos) << text << " not in:\n" << run.out;
}

TEST(SolveCommand, WarningsGoToStderrAndNeverEndingPoliciesShowNull) {
  // A maze whose goal is walled off: loading warns, and no policy ever terminates.
  const std::filesystem::path maze = scratch("walled.txt");
  std::ofstream(maze) << "S#G\n";
  const CommandResult run = run_dynaq("solve --json --env " + maze.string());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  expect_one_json_object(run.out);
  EXPECT_NE(run.err.find("warning"), std::string::npos) << run.err;
  EXPECT_EQ(number(run.out, "v_start"), 0.0);
  EXPECT_EQ(number(run.out, "greedy_return"), 0.0);
  EXPECT_EQ(field(run.out, "greedy_expected_steps"), "null");  // infinite
  EXPECT_EQ(field(run.out, "greedy_terminates"), "false");
  const CommandResult report = run_dynaq("solve --env " + maze.string());
  EXPECT_NE(report.out.find("expected steps per episode: infinite"), std::string::npos)
      << report.out;
  std::filesystem::remove(maze);
}

TEST(SolveCommand, GammaOutsideZeroOneIsAnInputError) {
  for (const char* gamma : {"1.5", "-0.1", "nan"}) {
    const CommandResult run =
        run_dynaq(std::string("solve --env dyna-maze --json --gamma=") + gamma);
    EXPECT_EQ(run.exit_code, 2) << gamma;
    EXPECT_NE(run.err.find("--gamma"), std::string::npos) << run.err;
    EXPECT_TRUE(run.out.empty()) << run.out;
  }
}

TEST(SolveCommand, OtherBadOptionsNameTheOption) {
  const std::pair<const char*, const char*> cases[] = {{"--tolerance 0", "--tolerance"},
                                                       {"--tolerance inf", "--tolerance"},
                                                       {"--max-iterations 0", "--max-iterations"},
                                                       {"--max-iterations 1.5", "--max-iterations"},
                                                       {"--horizon=-1", "--horizon"},
                                                       {"--phase x", "--phase"}};
  for (const auto& [arguments, option] : cases) {
    const CommandResult run = run_dynaq(std::string("solve --env dyna-maze ") + arguments);
    EXPECT_EQ(run.exit_code, 2) << arguments;
    EXPECT_NE(run.err.find(option), std::string::npos) << arguments << ": " << run.err;
  }
  const CommandResult missing = run_dynaq("solve --gamma 0.9");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--env"), std::string::npos) << missing.err;
}

TEST(SolveCommand, BadInputWritesNothing) {
  const std::filesystem::path folder = scratch("never");
  const std::string out = " --out " + folder.string();
  const CommandResult bad_gamma = run_dynaq("solve --env dyna-maze --gamma 2" + out);
  EXPECT_EQ(bad_gamma.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(folder));
  const CommandResult bad_env = run_dynaq("solve --env no-such-environment" + out);
  EXPECT_EQ(bad_env.exit_code, 2) << bad_env.err;
  EXPECT_FALSE(std::filesystem::exists(folder));
  const CommandResult phase = run_dynaq("solve --env dyna-maze --phase 1" + out);
  EXPECT_EQ(phase.exit_code, 2) << phase.err;
  EXPECT_NE(phase.err.find("--phase"), std::string::npos) << phase.err;
  EXPECT_FALSE(std::filesystem::exists(folder));
  const CommandResult schedule_phase = run_dynaq("solve --env blocking-maze --phase 2" + out);
  EXPECT_EQ(schedule_phase.exit_code, 2) << schedule_phase.err;
  EXPECT_FALSE(std::filesystem::exists(folder));
}

TEST(SolveCommand, SolvesEachPhaseOfASchedule) {
  for (const char* phase : {"0", "1"}) {
    const CommandResult run =
        run_dynaq(std::string("solve --env blocking-maze --json --phase ") + phase);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(field(run.out, "phase"), phase);
    EXPECT_EQ(number(run.out, "greedy_return"), 1.0);
    const double steps = number(run.out, "greedy_expected_steps");
    // The greedy policy of Q* takes a shortest path: V*(start) = gamma^(steps - 1).
    EXPECT_NEAR(number(run.out, "v_start"), std::pow(0.95, steps - 1.0), 1e-12) << run.out;
  }
}

TEST(SolveCommand, NonConvergenceIsReported) {
  const std::filesystem::path folder = scratch("unfinished");
  const CommandResult run =
      run_dynaq("solve --env dyna-maze --max-iterations 3 --out " + folder.string());
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("did not converge"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("--max-iterations"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(folder));
}

TEST(SolveCommand, HelpStatesEveryDefault) {
  const CommandResult run = run_dynaq("solve --help");
  EXPECT_EQ(run.exit_code, 0);
  for (const char* text : {"--env", "default 0)", "default 0.95", "default 1e-10",
                           "default 1000000", "default: the environment's own step limit",
                           "default: a short report", "default: not written"})
    EXPECT_NE(run.out.find(text), std::string::npos) << text << " not in:\n" << run.out;
}

}  // namespace
