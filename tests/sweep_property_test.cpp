// A property of every sweep: run whole, killed and resumed, or split into shards (some killed
// and resumed) and merged, it writes the same bytes; and an input edited between those steps is
// refused, never mixed in. Random small sweeps (environments, grids, seeds, chunk sizes, kill
// points) from a fixed seed, so that a failure names a case that can be run again.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "cli_test_support.hpp"

namespace dynaq {
namespace {

namespace fs = std::filesystem;
using testing_support::contains;
using testing_support::read_file;
using testing_support::run_dynaq;
using testing_support::TempFolder;

// A random maze of rows x cols with S top-left and G bottom-right, walls elsewhere at random
// but never closing the border path.
std::string random_maze_text(std::mt19937& rng, int rows, int cols) {
  std::string text;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const bool on_path = r == 0 || c == cols - 1;
      text += r == 0 && c == 0 ? 'S' : r == rows - 1 && c == cols - 1 ? 'G' : !on_path && rng() % 3 == 0 ? '#' : '.';
    }
    text += '\n';
  }
  return text;
}

struct Case {
  std::string args;      // the sweep, without --out, --shard or -q
  std::string maze;      // the maze file it reads, when it reads one
  std::string describe;  // for failure messages
};

// `chunk_agents` 0: a random chunk size of 1 to 4 agents.
Case random_case(std::mt19937& rng, const std::string& dir, int index, int chunk_agents = 0) {
  Case c;
  const std::string maze = dir + "/maze" + std::to_string(index) + ".txt";
  std::ofstream(maze) << random_maze_text(rng, 2 + rng() % 3, 3 + rng() % 3);
  c.maze = maze;
  const std::vector<std::string> others = {"frozen-lake-4x4", "dyna-maze", "random-maze:4x5:" + std::to_string(rng() % 100),
                                           "garnet:12:3:2:" + std::to_string(rng() % 100), "cliff-walking"};
  std::string env = "'" + maze + "'";
  if (rng() % 2) env += "," + others[rng() % others.size()];
  c.args = "run --env " + env;
  // One to three axes with one or two values each, from those that change the agents.
  std::vector<std::string> axes = {"--alpha 0.1,0.5", "-n 0,3", "--epsilon 0.1,0.3", "--algo dyna-q,dyna-q-plus --kappa 0.01,0.1",
                                         "--model last,counts --backup sample,expected", "--planning-draw pairs,states",
                                         "--q-init=0,1", "--max-episode-steps 20,env"};
  std::shuffle(axes.begin(), axes.end(), rng);  // distinct axes: a value listed twice is refused
  for (int k = 0, n = 1 + rng() % 3; k < n; ++k) c.args += " " + axes[k];
  c.args += " --seeds " + std::to_string(1 + rng() % 5) + " --seed " + std::to_string(rng() % 1000);
  if (rng() % 4 == 0) c.args += " --steps " + std::to_string(20 + rng() % 60);
  else c.args += " --episodes " + std::to_string(2 + rng() % 3);
  const int random_chunk = 1 + static_cast<int>(rng() % 4);
  c.args += " --chunk-agents " + std::to_string(chunk_agents > 0 ? chunk_agents : random_chunk);
  if (rng() % 3 == 0) c.args += " --save-agent-metrics";
  c.describe = "case " + std::to_string(index) + ": dynaq " + c.args;
  return c;
}

std::string summary_without_execution(const std::string& folder) {
  std::istringstream in(read_file(folder + "/summary.json"));
  std::string kept;
  for (std::string line; std::getline(in, line);)
    if (!contains(line, "\"execution\"") && !contains(line, "\"timings\"") && !contains(line, "\"checksums\"") &&
        !contains(line, "\"size\"") && !contains(line, "sha256"))
      kept += line + "\n";
  return kept;
}

void expect_same_results(const std::string& expected, const std::string& actual, const std::string& what) {
  for (const auto& entry : fs::directory_iterator(expected)) {
    const std::string name = entry.path().filename().string();
    if (name == "summary.json") continue;
    EXPECT_EQ(read_file(entry.path().string()), read_file(actual + "/" + name)) << what << ": " << name;
  }
  EXPECT_EQ(summary_without_execution(expected), summary_without_execution(actual)) << what;
}

int chunks_of(const std::string& folder) {
  const std::string summary = read_file(folder + "/summary.json");
  const std::size_t at = summary.find("\"chunks\": ");
  return at == std::string::npos ? 0 : std::stoi(summary.substr(at + 10));
}

TEST(SweepProperty, RunResumeShardAndMergeGiveTheSameBytes) {
  TempFolder dir;
  std::mt19937 rng(20261204);
  int checked = 0;
  for (int index = 0; index < 6; ++index) {
    const Case c = random_case(rng, dir.path(), index);
    SCOPED_TRACE(c.describe);
    const std::string base = dir / ("c" + std::to_string(index));
    const auto whole = run_dynaq(c.args + " -q --out '" + base + "-whole'");
    if (whole.exit_code == 2) {  // a random grid may be refused (its messages are tested elsewhere)
      std::cerr << c.describe << ": refused: " << whole.err;
      continue;
    }
    ++checked;
    ASSERT_EQ(whole.exit_code, 0) << whole.err;
    const int chunks = chunks_of(base + "-whole");
    ASSERT_GT(chunks, 0);

    // Killed after a random number of chunks, then resumed.
    if (chunks > 1) {
      const int kill_at = 1 + static_cast<int>(rng() % (chunks - 1));
      const auto killed = run_dynaq(c.args + " -q --out '" + base + "-resumed'", "DYNAQ_STOP_AFTER_CHUNKS=" + std::to_string(kill_at));
      ASSERT_EQ(killed.exit_code, 128 + SIGKILL) << "kill at " << kill_at << ": " << killed.err;
      const auto resumed = run_dynaq("run -q --resume '" + base + "-resumed' --backend reference");
      ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
      expect_same_results(base + "-whole", base + "-resumed", "resumed after " + std::to_string(kill_at));
    }

    // Shards, the first killed once and resumed, then merged.
    const int shards = 2 + static_cast<int>(rng() % 2);
    std::string folders;
    for (int k = 0; k < shards; ++k) {
      const std::string out = base + "-shard" + std::to_string(k);
      const std::string shard = c.args + " -q --shard " + std::to_string(k) + "/" + std::to_string(shards) + " --out '" + out + "'";
      const auto first = run_dynaq(shard, k == 0 ? "DYNAQ_STOP_AFTER_CHUNKS=1" : "");
      if (first.exit_code == 128 + SIGKILL) ASSERT_EQ(run_dynaq("run -q --resume '" + out + "'").exit_code, 0);
      else ASSERT_EQ(first.exit_code, 0) << first.err;
      folders += " '" + out + "'";
    }
    const auto merged = run_dynaq("merge -q '" + base + "-merged'" + folders);
    ASSERT_EQ(merged.exit_code, 0) << merged.err;
    expect_same_results(base + "-whole", base + "-merged", "merged from " + std::to_string(shards) + " shards");

    // Repeated from its config.toml.
    const auto repeated = run_dynaq("run -q --config '" + base + "-whole/config.toml' --out '" + base + "-repeated'");
    ASSERT_EQ(repeated.exit_code, 0) << repeated.err;
    expect_same_results(base + "-whole", base + "-repeated", "repeated from config.toml");
  }
  EXPECT_GE(checked, 4) << "too many random sweeps were refused";
}

TEST(SweepProperty, AnInputEditedBetweenTheStepsIsRefused) {
  TempFolder dir;
  std::mt19937 rng(7);
  int refused = 0;
  for (int index = 0; index < 6; ++index) {
    // Chunks of one agent: at least two chunks, so that a kill leaves work to resume.
    const Case c = random_case(rng, dir.path(), index, 1);
    SCOPED_TRACE(c.describe);
    const std::string base = dir / ("c" + std::to_string(index));
    const std::string original = read_file(c.maze);
    // The first cell of the second row, never on the free path along the top row and the last
    // column: a wall added or removed there gives another environment of the same shape that
    // can still be solved.
    std::string edited = original;
    char& cell = edited[edited.find('\n') + 1];
    cell = cell == '#' ? '.' : '#';
    const auto edit = [&] { std::ofstream(c.maze, std::ios::trunc) << edited; };
    const auto restore = [&] { std::ofstream(c.maze, std::ios::trunc) << original; };
    const auto probe = run_dynaq(c.args + " -q --out '" + base + "-whole'");
    if (probe.exit_code == 2) {
      std::cerr << c.describe << ": refused: " << probe.err;
      continue;
    }
    ASSERT_EQ(probe.exit_code, 0) << probe.err;
    if (chunks_of(base + "-whole") < 2) continue;

    switch (index % 3) {
      case 0: {  // edited between the kill and the resumption
        ASSERT_EQ(run_dynaq(c.args + " -q --out '" + base + "-r'", "DYNAQ_STOP_AFTER_CHUNKS=1").exit_code, 128 + SIGKILL);
        edit();
        const auto r = run_dynaq("run -q --resume '" + base + "-r'");
        EXPECT_EQ(r.exit_code, 2) << r.err;
        EXPECT_TRUE(contains(r.err, "--env " + c.maze + ": its content has changed")) << r.err;
        EXPECT_FALSE(fs::exists(base + "-r/curves.csv"));
        break;
      }
      case 1: {  // edited between two shards
        ASSERT_EQ(run_dynaq(c.args + " -q --shard 0/2 --out '" + base + "-s0'").exit_code, 0);
        edit();
        ASSERT_EQ(run_dynaq(c.args + " -q --shard 1/2 --out '" + base + "-s1'").exit_code, 0);
        const auto r = run_dynaq("merge -q '" + base + "-m' '" + base + "-s0' '" + base + "-s1'");
        EXPECT_EQ(r.exit_code, 2) << r.err;
        EXPECT_TRUE(contains(r.err, "are shards run on different environments: environment " + c.maze)) << r.err;
        EXPECT_FALSE(fs::exists(base + "-m/curves.csv"));
        break;
      }
      default: {  // edited before a repetition from config.toml
        edit();
        const auto r = run_dynaq("run -q --config '" + base + "-whole/config.toml' --out '" + base + "-again'");
        EXPECT_EQ(r.exit_code, 2) << r.err;
        EXPECT_TRUE(contains(r.err, "--env " + c.maze + ": its content has changed")) << r.err;
        EXPECT_FALSE(fs::exists(base + "-again"));
        break;
      }
    }
    restore();
    ++refused;
  }
  EXPECT_GE(refused, 3) << "too few cases reached an edit";
}

}  // namespace
}  // namespace dynaq
