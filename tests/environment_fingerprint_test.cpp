// Environment fingerprints: the hash of an environment's content, and the refusals that keep
// a run, its resumption and its shards on one content of each environment.
#include "dynaq/environment_fingerprint.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "cli_test_support.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/mdp_json.hpp"

namespace dynaq {
namespace {

namespace fs = std::filesystem;
using testing_support::contains;
using testing_support::read_file;
using testing_support::run_dynaq;
using testing_support::TempFolder;
using testing_support::write_file;

std::string fingerprint_of(const std::string& spec) { return environment_fingerprint(load_environment(spec)); }

TEST(EnvironmentFingerprint, HashesTheContentNotThePath) {
  TempFolder dir;
  write_file(dir / "a.txt", "S..#\n.#.G\n");
  fs::create_directories(dir / "elsewhere");
  fs::copy_file(dir / "a.txt", dir / "elsewhere/b.txt");
  EXPECT_EQ(fingerprint_of(dir / "a.txt"), fingerprint_of(dir / "elsewhere/b.txt"));
  EXPECT_EQ(fingerprint_of(dir / "a.txt").size(), 16u);
  // One wall moved is another environment.
  write_file(dir / "c.txt", "S.#.\n.#.G\n");
  EXPECT_NE(fingerprint_of(dir / "a.txt"), fingerprint_of(dir / "c.txt"));
}

TEST(EnvironmentFingerprint, ABuiltinExportedAndReloadedIsTheSame) {
  TempFolder dir;
  for (const std::string builtin : {"dyna-maze", "frozen-lake-4x4", "taxi"}) {
    std::ofstream out(dir / (builtin + ".json"));
    write_mdp_json(load_environment(builtin).first(), out);
    out.close();
    EXPECT_EQ(fingerprint_of(builtin), fingerprint_of(dir / (builtin + ".json"))) << builtin;
  }
}

TEST(EnvironmentFingerprint, CoversTheStepLimitAndTheSchedule) {
  TempFolder dir;
  write_file(dir / "a.txt", "S..#\n.#.G\n");
  write_file(dir / "b.txt", "S...\n.##G\n");
  const std::string a = dir / "a.txt", b = dir / "b.txt";
  EXPECT_NE(fingerprint_of(a + "@100=" + b), fingerprint_of(a + "@200=" + b)) << "the switch step";
  EXPECT_NE(fingerprint_of(a + "@100=" + b), fingerprint_of(b + "@100=" + a)) << "the order of the phases";
  EXPECT_NE(fingerprint_of(a + "@100=" + b), fingerprint_of(a));
  EXPECT_NE(fingerprint_of("frozen-lake-4x4"), fingerprint_of("frozen-lake-4x4-deterministic"));
  // The same tables with another step limit.
  std::ostringstream json;
  TabularMdp mdp = load_environment("frozen-lake-4x4").first();
  mdp.max_episode_steps += 1;
  write_mdp_json(mdp, json);
  write_file(dir / "longer.json", json.str());
  EXPECT_NE(fingerprint_of("frozen-lake-4x4"), fingerprint_of(dir / "longer.json"));
}

TEST(EnvironmentFingerprint, ARecordedContentThatChangedIsRefusedByName) {
  const std::vector<std::string> specs = {"dyna-maze", "maze.txt"};
  const std::vector<std::string> now = {"0123456789abcdef", "fedcba9876543210"};
  EXPECT_NO_THROW(check_environment_fingerprints(environment_fingerprint_value(specs, now), specs, now));
  EXPECT_NO_THROW(check_environment_fingerprints("", specs, now)) << "nothing recorded: nothing to check";
  // Another environment than those recorded is not checked (a config file reused with --env).
  EXPECT_NO_THROW(check_environment_fingerprints("other.txt=1111111111111111", specs, now));
  try {
    check_environment_fingerprints("maze.txt=1111111111111111", specs, now);
    FAIL() << "a changed content was accepted";
  } catch (const InputError& e) {
    EXPECT_TRUE(contains(e.what(), "--env maze.txt: its content has changed")) << e.what();
    EXPECT_TRUE(contains(e.what(), "1111111111111111")) << e.what();
    EXPECT_TRUE(contains(e.what(), "fedcba9876543210")) << e.what();
  }
  EXPECT_THROW(check_environment_fingerprints("maze.txt=123", specs, now), InputError);
  // A schedule's spec holds '=' itself.
  const std::vector<std::string> schedule = {"a.txt@100=b.txt"};
  EXPECT_NO_THROW(check_environment_fingerprints(environment_fingerprint_value(schedule, {now[0]}), schedule, {now[0]}));
  EXPECT_THROW(check_environment_fingerprints(environment_fingerprint_value(schedule, {now[1]}), schedule, {now[0]}),
               InputError);
}

TEST(EnvironmentFingerprint, TheIdentityTextComparesContentsNotPaths) {
  const std::string a = "# comment\nenv = [\"a.txt\"]\nenv-fingerprint = \"a.txt=0123456789abcdef\"\nseeds = 3\n";
  const std::string b = "# comment\nenv = [\"dir/b.txt\"]\nenv-fingerprint = \"dir/b.txt=0123456789abcdef\"\nseeds = 3\n";
  const std::string c = "# comment\nenv = [\"a.txt\"]\nenv-fingerprint = \"a.txt=1123456789abcdef\"\nseeds = 3\n";
  EXPECT_EQ(content_identity_text(a), content_identity_text(b));
  EXPECT_NE(content_identity_text(a), content_identity_text(c));
  EXPECT_TRUE(contains(content_identity_text(a), "seeds = 3\n"));
}

// ---- Through the command line ------------------------------------------------------------

const std::string kMazeA = "S...\n.##.\n...G\n";
const std::string kMazeB = "S.#.\n.#..\n...G\n";
// 4 chunks of 2 agents.
const std::string kSweep = " -n 0,5 --seeds 4 --episodes 3 --chunk-agents 2 -q";

TEST(EnvironmentFingerprint, ResumeRefusesAnEnvironmentEditedSinceTheRunStarted) {
  TempFolder dir;
  const std::string maze = dir / "maze.txt", out = dir / "run";
  write_file(maze, kMazeA);
  ASSERT_EQ(run_dynaq("run --env '" + maze + "'" + kSweep + " --out '" + out + "'", "DYNAQ_STOP_AFTER_CHUNKS=1").exit_code,
            128 + SIGKILL);
  EXPECT_TRUE(contains(read_file(out + "/chunks/config.toml"), "env-fingerprint = ")) << read_file(out + "/chunks/config.toml");
  write_file(maze, kMazeB);
  const auto r = run_dynaq("run --resume '" + out + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "--env " + maze + ": its content has changed")) << r.err;
  EXPECT_FALSE(fs::exists(out + "/curves.csv"));
  // Restored, the run finishes.
  write_file(maze, kMazeA);
  const auto restored = run_dynaq("run --resume '" + out + "'");
  EXPECT_EQ(restored.exit_code, 0) << restored.err;
}

TEST(EnvironmentFingerprint, AChunkOfAnotherContentIsRefusedByName) {
  TempFolder dir;
  const std::string maze = dir / "maze.txt";
  write_file(maze, kMazeB);
  ASSERT_EQ(run_dynaq("run --env '" + maze + "'" + kSweep + " --out '" + dir / "b" + "'", "DYNAQ_STOP_AFTER_CHUNKS=2").exit_code,
            128 + SIGKILL);
  write_file(maze, kMazeA);
  ASSERT_EQ(run_dynaq("run --env '" + maze + "'" + kSweep + " --out '" + dir / "a" + "'", "DYNAQ_STOP_AFTER_CHUNKS=1").exit_code,
            128 + SIGKILL);
  const std::string header = read_file(dir / "a/chunks/chunk-000000.bin").substr(0, 300);
  EXPECT_TRUE(contains(header, "dynaq-chunk 2\n")) << header;
  EXPECT_TRUE(contains(header, "\nenvironment " + fingerprint_of(maze) + "\n")) << header;
  fs::copy_file(dir / "b/chunks/chunk-000001.bin", dir / "a/chunks/chunk-000001.bin");
  const auto r = run_dynaq("run --resume '" + dir / "a" + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "chunk-000001.bin was computed on another content of environment " + maze)) << r.err;
}

TEST(EnvironmentFingerprint, MergeRefusesShardsRunOnDifferentContents) {
  TempFolder dir;
  const std::string maze = dir / "maze.txt";
  write_file(maze, kMazeA);
  ASSERT_EQ(run_dynaq("run --env '" + maze + "'" + kSweep + " --shard 0/2 --out '" + dir / "s0" + "'").exit_code, 0);
  write_file(maze, kMazeB);
  ASSERT_EQ(run_dynaq("run --env '" + maze + "'" + kSweep + " --shard 1/2 --out '" + dir / "s1" + "'").exit_code, 0);
  auto r = run_dynaq("merge -q '" + dir / "m" + "' '" + dir / "s0" + "' '" + dir / "s1" + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "are shards run on different environments: environment " + maze)) << r.err;
  EXPECT_FALSE(fs::exists(dir / "m/curves.csv"));
  // Shards of one content, merged after the file changed, are refused too.
  ASSERT_EQ(run_dynaq("run --env '" + maze + "'" + kSweep + " --shard 0/2 --out '" + dir / "t0" + "'").exit_code, 0);
  ASSERT_EQ(run_dynaq("run --env '" + maze + "'" + kSweep + " --shard 1/2 --out '" + dir / "t1" + "'").exit_code, 0);
  write_file(maze, kMazeA);
  r = run_dynaq("merge -q '" + dir / "m" + "' '" + dir / "t0" + "' '" + dir / "t1" + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "--env " + maze + ": its content has changed")) << r.err;
}

TEST(EnvironmentFingerprint, TheSameContentUnderAnotherPathIsTheSameSweep) {
  TempFolder dir;
  {
    std::ofstream out(dir / "exported.json");
    write_mdp_json(load_environment("dyna-maze").first(), out);
  }
  const std::string sweep = " -n 0,5 --seeds 4 --episodes 3 --chunk-agents 2 -q";
  ASSERT_EQ(run_dynaq("run --env dyna-maze" + sweep + " --out '" + dir / "whole" + "'").exit_code, 0);
  // Shards of the built-in and of its export merge into the whole run's results.
  ASSERT_EQ(run_dynaq("run --env dyna-maze" + sweep + " --shard 0/2 --out '" + dir / "s0" + "'").exit_code, 0);
  ASSERT_EQ(run_dynaq("run --env '" + dir / "exported.json" + "'" + sweep + " --shard 1/2 --out '" + dir / "s1" + "'").exit_code, 0);
  const auto merged = run_dynaq("merge -q '" + dir / "m" + "' '" + dir / "s0" + "' '" + dir / "s1" + "'");
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  for (const std::string file : {"curves.csv", "points.csv", "config.toml"})
    EXPECT_EQ(read_file(dir / "whole/" + file), read_file(dir / "m/" + file)) << file;
  const std::string summary = read_file(dir / "whole/summary.json");
  EXPECT_TRUE(contains(summary, "\"fingerprint\": \"" + fingerprint_of("dyna-maze") + "\"")) << summary;

  // A stopped run finishes on the same file moved elsewhere, given by its new path.
  const std::string maze = dir / "maze.txt";
  write_file(maze, kMazeA);
  ASSERT_EQ(run_dynaq("run --env '" + maze + "'" + kSweep + " --out '" + dir / "stopped" + "'", "DYNAQ_STOP_AFTER_CHUNKS=1").exit_code,
            128 + SIGKILL);
  fs::create_directories(dir / "moved");
  fs::rename(maze, dir / "moved/maze.txt");
  const auto resumed = run_dynaq("run --resume '" + dir / "stopped" + "' --env '" + dir / "moved/maze.txt" + "'");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  ASSERT_EQ(run_dynaq("run --env '" + dir / "moved/maze.txt" + "'" + kSweep + " --out '" + dir / "fresh" + "'").exit_code, 0);
  for (const std::string file : {"curves.csv", "points.csv", "config.toml"})
    EXPECT_EQ(read_file(dir / "fresh/" + file), read_file(dir / "stopped/" + file)) << file;
}

TEST(EnvironmentFingerprint, AnMdpJsonFileIsNamedByItsNameField) {
  TempFolder dir;
  fs::create_directories(dir / "gym");
  TabularMdp mdp = load_environment("frozen-lake-4x4").first();
  mdp.name = "my-lake";
  {
    std::ofstream out(dir / "gym/lake.json");
    write_mdp_json(mdp, out);
  }
  ASSERT_EQ(run_dynaq("run --env '" + dir / "gym/lake.json" + "' --seeds 2 --episodes 2 -q --out '" + dir / "r" + "'").exit_code, 0);
  const std::string points = read_file(dir / "r/points.csv");
  EXPECT_TRUE(contains(points, "\n0,my-lake,")) << points;
  EXPECT_FALSE(contains(points, "lake.json")) << points;
  EXPECT_TRUE(contains(read_file(dir / "r/summary.json"), "{\"name\": \"my-lake\"")) << read_file(dir / "r/summary.json");
  // config.toml still says where the file is, so that the run can be repeated.
  EXPECT_TRUE(contains(read_file(dir / "r/config.toml"), "gym/lake.json")) << read_file(dir / "r/config.toml");
}

}  // namespace
}  // namespace dynaq
