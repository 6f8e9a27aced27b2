// `dynaq run` as a user runs it: files and their columns, identical bytes across engines,
// threads and batch sizes, and every bad input refused with exit code 2 and nothing written.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "cli_test_support.hpp"
#include "dynaq/cuda_runtime_checks.hpp"

namespace dynaq {
namespace {

using testing_support::BadInput;
using testing_support::contains;
using testing_support::dynaq_binary;
using testing_support::expect_each_refused;
using testing_support::have_program;
using testing_support::read_file;
using testing_support::run_dynaq;
using testing_support::run_shell;
using testing_support::TempFolder;

namespace fs = std::filesystem;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(RunCommand, WritesCurvesSummaryAndTables) {
  TempFolder dir;
  const auto r = run_dynaq("run --env dyna-maze,frozen-lake-4x4-deterministic -n 0,5 --alpha 0.1,0.5 --seeds 3 "
                           "--episodes 4 --out '" + dir / "out" + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto curves = lines_of(read_file(dir / "out/curves.csv"));
  ASSERT_EQ(curves.size(), 1u + 2 * 2 * 2 * 4);  // header + envs x n x alpha points x episodes
  EXPECT_EQ(curves[0],
            "point,env,alpha,gamma,epsilon,planning_steps,q_init,planning_draw,max_episode_steps,algorithm,kappa,"
            "theta,model,backup,model_capacity,episode,"
            "mean_steps,stderr_steps,mean_return,stderr_return,"
            "ci95_low_steps,ci95_high_steps,median_steps,q1_steps,q3_steps,"
            "ci95_low_return,ci95_high_return,median_return,q1_return,q3_return,seeds");
  // kappa and theta belong to other algorithms, backup and model_capacity to the counts model: empty.
  EXPECT_EQ(curves[1].rfind("0,dyna-maze,0.1,0.95,0.1,0,0,pairs,0,dyna-q,,,last,,,1,", 0), 0u)
      << curves[1];
  EXPECT_TRUE(contains(curves.back(),
                       "7,frozen-lake-4x4-deterministic,0.5,0.95,0.1,5,0,pairs,100,dyna-q,,,last,,,4,"));
  EXPECT_TRUE(contains(read_file(dir / "out/summary.json"), "\"planning_updates\""));
  EXPECT_TRUE(contains(r.out, "results in"));
  // One row per grid point, with its statistics and exact values.
  const auto points = lines_of(read_file(dir / "out/points.csv"));
  ASSERT_EQ(points.size(), 1u + 8);
  EXPECT_TRUE(contains(points[0], ",seeds,mean_final_steps,stderr_final_steps,ci95_low_final_steps,"));
  EXPECT_TRUE(contains(points[0], ",mean_auc_steps,"));
  EXPECT_TRUE(contains(points[0], ",mean_greedy_return,"));
  EXPECT_TRUE(contains(points[0], ",optimal_return,optimal_steps,greedy_return_gap,near_optimal_threshold,"
                                  "episodes_to_near_optimal"));
  // The optimal policy of the deterministic lake reaches the goal (return 1) in 6 steps.
  EXPECT_TRUE(contains(points[8], ",1,6,")) << points[8];
  // config.toml and the chunks: the effective configuration is kept, the chunks are gone.
  EXPECT_TRUE(contains(read_file(dir / "out/config.toml"), "planning-steps = [0, 5]\n"));
  EXPECT_FALSE(std::filesystem::exists(dir / "out/chunks"));
}

TEST(RunCommand, SaveTablesNeedsOneShape) {
  TempFolder dir;
  const auto r = run_dynaq("run --env dyna-maze,taxi --seeds 2 --episodes 1 --save-tables --out '" + dir / "out" + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--save-tables")) << r.err;
}

TEST(RunCommand, QTablesAreAgentsByStatesByActions) {
  TempFolder dir;
  const auto r = run_dynaq("run --env dyna-maze -n 0,5 --seeds 3 --episodes 2 --save-tables --out '" + dir / "out" + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string npy = read_file(dir / "out/q.npy");
  EXPECT_TRUE(contains(npy.substr(0, 128), "'shape': (6, 54, 4)")) << npy.substr(0, 128);
  EXPECT_EQ(npy.size(), 128u + 6 * 54 * 4 * 4);
}

TEST(RunCommand, StepsBudgetReportsCumulativeRewardPerBucket) {
  TempFolder dir;
  const auto r = run_dynaq("run --env blocking-maze --steps 3000 --bucket 100 --seeds 4 --out '" + dir / "out" + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto curves = lines_of(read_file(dir / "out/curves.csv"));
  ASSERT_EQ(curves.size(), 1u + 30);
  EXPECT_TRUE(contains(curves[0], ",step,mean_cumulative_reward,stderr_cumulative_reward,mean_episodes,"));
  EXPECT_TRUE(contains(curves[30], ",3000,"));
}

TEST(RunCommand, CurvesAreByteIdenticalAcrossEnginesThreadsAndBatches) {
  TempFolder dir;
  const std::string grid = "run --env frozen-lake-4x4,dyna-maze -n 0,3 --planning-draw pairs,states --seeds 5 "
                           "--episodes 6 --seed 11 --quiet --save-tables ";
  // frozen-lake and dyna-maze differ in shape: tables only for one environment.
  const std::string one_env = "run --env frozen-lake-4x4 -n 0,3 --planning-draw pairs,states --seeds 5 "
                              "--episodes 6 --seed 11 --quiet --save-tables ";
  const std::vector<std::string> variants = {"--backend reference", "--backend cpu --threads 1",
                                             "--backend cpu --threads 2 --batch 3", "--backend cpu --batch 1"};
  std::string first_curves, first_q;
  for (std::size_t k = 0; k < variants.size(); ++k) {
    const std::string out = dir / ("out" + std::to_string(k));
    ASSERT_EQ(run_dynaq(one_env + variants[k] + " --out '" + out + "'").exit_code, 0) << variants[k];
    const std::string curves = read_file(out + "/curves.csv"), q = read_file(out + "/q.npy");
    if (k == 0) {
      first_curves = curves;
      first_q = q;
    }
    EXPECT_EQ(curves, first_curves) << variants[k];
    EXPECT_EQ(q, first_q) << variants[k];
  }
  const std::string a = dir / "a", b = dir / "b";
  ASSERT_EQ(run_dynaq(grid.substr(0, grid.size() - 14) + " --backend reference --out '" + a + "'").exit_code, 0);
  ASSERT_EQ(run_dynaq(grid.substr(0, grid.size() - 14) + " --backend cpu --out '" + b + "'").exit_code, 0);
  EXPECT_EQ(read_file(a + "/curves.csv"), read_file(b + "/curves.csv"));
}

TEST(RunCommand, AnotherSeedGivesOtherCurves) {
  TempFolder dir;
  ASSERT_EQ(run_dynaq("run --seeds 4 --episodes 3 --seed 1 -q --out '" + dir / "a" + "'").exit_code, 0);
  ASSERT_EQ(run_dynaq("run --seeds 4 --episodes 3 --seed 2 -q --out '" + dir / "b" + "'").exit_code, 0);
  ASSERT_EQ(run_dynaq("run --seeds 4 --episodes 3 --seed 1 -q --out '" + dir / "c" + "'").exit_code, 0);
  EXPECT_NE(read_file(dir / "a/curves.csv"), read_file(dir / "b/curves.csv"));
  EXPECT_EQ(read_file(dir / "a/curves.csv"), read_file(dir / "c/curves.csv"));
}

TEST(RunCommand, RefusesToOverwriteResultsUnlessAsked) {
  TempFolder dir;
  const std::string args = "run --seeds 2 --episodes 2 -q --out '" + dir / "out" + "'";
  ASSERT_EQ(run_dynaq(args).exit_code, 0);
  const auto again = run_dynaq(args);
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_TRUE(contains(again.err, "already holds results")) << again.err;
  EXPECT_EQ(run_dynaq(args + " --overwrite").exit_code, 0);
}

// Each bad input: exit code 2, a message naming the option or file, and no result folder.
TEST(RunCommand, BadInputIsRefusedWithItsOptionNamedAndNothingWritten) {
  TempFolder dir;
  std::ofstream(dir / "ragged.txt") << "S...\n..\n...G\n";
  std::ofstream(dir / "bad.json") << "{\"name\": \"x\", \"n_states\": 2,\n \"n_actions\": }";
  std::vector<BadInput> cases = {
      {"--alpha 0", "--alpha 0 is outside (0, 1]"},
      {"--alpha 0.1,1.5", "--alpha 1.5 is outside (0, 1]"},
      {"--gamma=-0.1", "--gamma -0.1 is outside [0, 1]"},
      {"--gamma 1.01", "--gamma 1.01 is outside [0, 1]"},
      {"--epsilon 2", "--epsilon 2 is outside [0, 1]"},
      {"--epsilon abc", "--epsilon: 'abc' is not a number"},
      {"--planning-steps=-1", "--planning-steps: '-1' is negative"},
      {"--seeds=-3", "--seeds: '-3' is negative"},
      {"--seeds 0", "--seeds must be between 1"},
      {"--episodes 0", "--episodes must be at least 1"},
      {"--episodes 5 --steps 100", "--episodes and --steps are alternatives"},
      {"--episodes 5000000000", "--episodes 5000000000 is more than the 2^32 - 1 episodes"},
      {"--steps 5000000000", "--steps 5000000000 is more than the 2^32 - 1 real steps"},
      {"--batch 5000000000", "--batch 5000000000 is more than 2^32 - 1 agents"},
      {"--planning-draw random", "--planning-draw: 'random' is not one of: pairs, states"},
      {"--max-episode-steps lots", "--max-episode-steps: 'lots' is not a non-negative integer"},
      {"--env dyna-maz", "unknown environment 'dyna-maz'"},
      {"--env '" + dir / "ragged.txt" + "'", "ragged.txt:2:3: row 2 has 2 cells, but row 1 has 4"},
      {"--env '" + dir / "bad.json" + "'", "bad.json:2:15:"},
      {"--backend gpu", "--backend: 'gpu' is not one of"},
      {"--cuda-kernel fast", "--cuda-kernel: CUDA kernel 'fast' is not one of: auto, global, shared"},
      {"--env garnet:10:2:2:1 --max-episode-steps none", "episodes would never end"},
      {"--seeds 4000000000 --episodes 1000", "of memory"},
      {"--q-init nan", "--q-init: 'nan' is not a finite number"},
      {"--algo dyna-r", "--algo: 'dyna-r' is not one of: dyna-q, dyna-q-plus, dyna-q-plus-action, prioritized"},
      {"--kappa=-1", "--kappa -1 is negative"},
      {"--theta=-0.5", "--theta -0.5 is negative"},
      {"--model last,kept", "--model: 'kept' is not one of: last, counts"},
      {"--backup mean", "--backup: 'mean' is not one of: sample, expected"},
      {"--model-capacity 0", "--model-capacity 0 is less than 1"},
      {"--shard 3/3", "--shard 3/3: K must be below N"},
      {"--shard 2", "--shard '2' is not of the form K/N"},
      {"--chunk-agents 0", "--chunk-agents must be between 1"},
      {"--near-optimal-steps 0", "--near-optimal-steps 0 is not positive"},
      {"--steps 100 --near-optimal-steps 20", "--near-optimal-steps applies to --episodes runs only"},
      {"--config '" + dir / "missing.toml" + "'", "missing.toml: cannot read: No such file or directory"},
      {"--config '" + dir.path() + "'", "cannot read: it is a directory"},  // ran the defaults
      {"--config /dev/zero", "/dev/zero:1:1: expected a key"},              // read without end
      {"--resume '" + dir / "nothing-here" + "'", "not the folder of a stopped dynaq run"},
  };
  // Without a GPU, asking for one is a mistake the user can correct (a GPU machine runs it).
  if (!query_gpu().present) cases.push_back({"--backend cuda", "--backend cuda: no usable GPU"});
  expect_each_refused("run", cases, dir.path());
}

TEST(RunCommand, HelpExplainsEveryOptionWithItsDefault) {
  const auto r = run_dynaq("run --help");
  ASSERT_EQ(r.exit_code, 0);
  for (const char* option : {"--env", "--alpha", "--gamma", "--epsilon", "--planning-steps", "--q-init",
                             "--planning-draw", "--max-episode-steps", "--seeds", "--seed", "--episodes", "--steps",
                             "--backend", "--out", "--save-tables", "--algo", "--kappa", "--theta", "--model",
                             "--backup", "--model-capacity", "--config", "--resume", "--shard", "--chunk-agents",
                             "--near-optimal-steps", "--save-agent-metrics", "--quiet"})
    EXPECT_TRUE(contains(r.out, option)) << option;
  EXPECT_TRUE(contains(r.out, "dyna-maze")) << "default of --env";
  EXPECT_TRUE(contains(r.out, "0.95")) << "default of --gamma";
  // Every option states its default: an option's entry is its line and the indented lines after it.
  std::vector<std::string> entries;
  for (const std::string& line : lines_of(r.out.substr(r.out.find("Options:")))) {
    if (line.rfind("  -", 0) == 0) entries.push_back(line);
    else if (!entries.empty() && line.rfind("      ", 0) == 0) entries.back() += line;
  }
  EXPECT_GT(entries.size(), 30u);
  for (const std::string& entry : entries) {
    if (!contains(entry, "--help")) {
      EXPECT_TRUE(contains(entry, "default")) << entry;
    }
  }
}

// ---- Config files ----------------------------------------------------------------------------

// The result files that must not change when a run is repeated, resumed, sharded or split
// over MPI processes; summary.json may differ only in its "execution" and "timings" members.
const std::vector<std::string> kResultFiles = {"curves.csv", "points.csv", "config.toml", "q.npy",
                                               "agent_steps.npy", "agent_greedy_return.npy"};

std::string summary_without_execution(const std::string& folder) {
  std::string kept;
  for (const std::string& line : lines_of(read_file(folder + "/summary.json")))
    if (!contains(line, "\"execution\"") && !contains(line, "\"timings\"")) kept += line + "\n";
  return kept;
}

void expect_same_results(const std::string& expected, const std::string& actual, const std::string& what) {
  for (const std::string& file : kResultFiles) {
    ASSERT_TRUE(fs::exists(expected + "/" + file)) << file;
    EXPECT_EQ(read_file(expected + "/" + file), read_file(actual + "/" + file)) << what << ": " << file;
  }
  EXPECT_EQ(summary_without_execution(expected), summary_without_execution(actual)) << what;
  EXPECT_FALSE(fs::exists(actual + "/chunks")) << what;
}

TEST(RunCommand, ConfigTomlRepeatsTheRunByteForByte) {
  TempFolder dir;
  std::ofstream(dir / "sweep.toml") << "# a small sweep\n"
                                       "[run]\n"
                                       "env = [\"dyna-maze\", \"frozen-lake-4x4\"]\n"
                                       "planning_steps = [0, 5]  # underscores work too\n"
                                       "alpha = [0.1,\n         0.5]\n"
                                       "q-init = -0.5\n"
                                       "seeds = 3\n"
                                       "episodes = 4\n"
                                       "seed = 9\n"
                                       "save-agent-metrics = true\n"
                                       "quiet = true\n";
  ASSERT_EQ(run_dynaq("run --config '" + dir / "sweep.toml" + "' --out '" + dir / "a" + "'").exit_code, 0);
  const std::string config = read_file(dir / "a/config.toml");
  EXPECT_TRUE(contains(config, "env = [\"dyna-maze\", \"frozen-lake-4x4\"]\n")) << config;
  EXPECT_TRUE(contains(config, "alpha = [0.1, 0.5]\n")) << config;
  EXPECT_TRUE(contains(config, "q-init = [-0.5]\n")) << config;
  EXPECT_TRUE(contains(config, "seed = 9\n")) << config;
  EXPECT_TRUE(contains(config, "chunk-agents = 4096\n")) << config;
  EXPECT_EQ(lines_of(read_file(dir / "a/curves.csv")).size(), 1u + 2 * 2 * 2 * 4);
  // The written configuration runs the same sweep again.
  ASSERT_EQ(run_dynaq("run -q --config '" + dir / "a/config.toml" + "' --out '" + dir / "b" + "'").exit_code, 0);
  for (const std::string file : {"curves.csv", "points.csv", "config.toml", "agent_steps.npy"})
    EXPECT_EQ(read_file(dir / "a/" + file), read_file(dir / "b/" + file)) << file;
  EXPECT_EQ(summary_without_execution(dir / "a"), summary_without_execution(dir / "b"));
  // Options on the command line win over the file's.
  ASSERT_EQ(run_dynaq("run --config '" + dir / "sweep.toml" + "' --seeds 2 -n 50 --out '" + dir / "c" + "'").exit_code, 0);
  const std::string overridden = read_file(dir / "c/config.toml");
  EXPECT_TRUE(contains(overridden, "seeds = 2\n")) << overridden;
  EXPECT_TRUE(contains(overridden, "planning-steps = [50]\n")) << overridden;
  EXPECT_TRUE(contains(overridden, "seed = 9\n")) << overridden;
}

TEST(RunCommand, BadConfigFilesAreRefusedAtTheirLineAndColumn) {
  TempFolder dir;
  const std::vector<BadInput> cases = {
      {"seeds = 3\nalhpa = [0.1]\n",
       "sweep.toml:2:1: unknown key 'alhpa' (did you mean 'alpha'?); the keys are the options of dynaq run: env, alpha,"},
      {"[run]\nalpha = [0.1, 1.5]\n", "sweep.toml:2:15: --alpha 1.5 is outside (0, 1]"},
      {"seeds = \"ten\"\n", "sweep.toml:1:9: --seeds: 'ten' is not a non-negative integer"},
      {"seeds = [1, 2]\n", "sweep.toml:1:9: 'seeds' takes one value, not an array"},
      {"save-tables = \"yes\"\n", "sweep.toml:1:15: 'save-tables' is a switch: write true or false"},
      {"env = [\"dyna-maze\"\nseeds = 3\n", "sweep.toml:2:1: expected ',' or ']' in the array"},
      {"resume = \"x\"\n", "sweep.toml:1:1: 'resume' cannot be set in a config file"},
      {"alpha = true\n", "sweep.toml:1:9: 'alpha' takes numbers or names, not a boolean"},
      {"algo = [\"dyna-q\", \"dyna-z\"]\n", "sweep.toml:1:19: --algo: 'dyna-z' is not one of"},
      // Two spellings of one option would have joined their lists into one axis.
      {"planning_steps = [0]\nplanning-steps = [5]\n",
       "sweep.toml:2:1: 'planning-steps' sets the same option as 'planning_steps' at line 1; give it once"},
  };
  for (std::size_t k = 0; k < cases.size(); ++k) {
    std::ofstream(dir / "sweep.toml", std::ios::trunc) << cases[k].args;
    const std::string out = dir / ("out" + std::to_string(k));
    const auto r = run_dynaq("run --config '" + dir / "sweep.toml" + "' --out '" + out + "'");
    EXPECT_EQ(r.exit_code, 2) << cases[k].args;
    EXPECT_TRUE(contains(r.err, dir / cases[k].message)) << cases[k].args << "\nstderr: " << r.err;
    EXPECT_FALSE(fs::exists(out)) << cases[k].args;
  }
}

// A folder another dynaq process is writing (here: this test holds its lock) is refused, by run,
// resume and merge alike, instead of two processes racing in it.
TEST(RunCommand, AFolderInUseByAnotherProcessIsRefused) {
  TempFolder dir;
  const std::string shards = "run -q --seeds 4 --episodes 1 --chunk-agents 2 --shard ";
  ASSERT_EQ(run_dynaq(shards + "0/2 --out '" + dir / "s0" + "'").exit_code, 0);
  ASSERT_EQ(run_dynaq(shards + "1/2 --out '" + dir / "s1" + "'").exit_code, 0);
  fs::create_directories(dir / "merged");
  std::vector<int> locks;
  for (const std::string folder : {"s0", "merged"}) {
    locks.push_back(::open((dir / folder).c_str(), O_RDONLY | O_DIRECTORY));
    ASSERT_GE(locks.back(), 0);
    ASSERT_EQ(::flock(locks.back(), LOCK_EX | LOCK_NB), 0);
  }
  for (const std::string& command :
       {"run -q --seeds 2 --episodes 1 --overwrite --out '" + dir / "s0" + "'", "run -q --resume '" + dir / "s0" + "'",
        "merge '" + dir / "merged" + "' '" + dir / "s0" + "' '" + dir / "s1" + "'"}) {
    const auto r = run_dynaq(command);
    EXPECT_EQ(r.exit_code, 2) << command << "\n" << r.err;
    EXPECT_TRUE(contains(r.err, "is being written by another dynaq process right now")) << command << "\n" << r.err;
  }
  EXPECT_TRUE(fs::exists(dir / "s0/chunks/config.toml")) << "the overwrite went ahead";
  EXPECT_TRUE(fs::is_empty(dir / "merged"));
  for (const int fd : locks) ::close(fd);
  const auto free = run_dynaq("merge -q '" + dir / "merged" + "' '" + dir / "s0" + "' '" + dir / "s1" + "'");
  EXPECT_EQ(free.exit_code, 0) << free.err;
}

// ---- Interruption and resumption ---------------------------------------------------------

// A sweep of 2 environments x 2 n x 7 seeds in chunks of 3 agents: 12 chunks, some holding
// parts of a point, some whole points.
const std::string kChunkedSweep =
    "run --env frozen-lake-4x4,frozen-lake-4x4-deterministic -n 0,5 --seeds 7 --episodes 5 --chunk-agents 3 "
    "--save-tables --save-agent-metrics -q";

TEST(RunCommand, ARunKilledAtAnyChunkResumesToTheSameBytes) {
  TempFolder dir;
  ASSERT_EQ(run_dynaq(kChunkedSweep + " --out '" + dir / "whole" + "'").exit_code, 0);
  for (int stop : {1, 5, 11}) {
    const std::string out = dir / ("stopped" + std::to_string(stop));
    // DYNAQ_STOP_AFTER_CHUNKS=K: the run kills itself (SIGKILL) after writing K chunks.
    const auto killed = run_dynaq(kChunkedSweep + " --out '" + out + "'", "DYNAQ_STOP_AFTER_CHUNKS=" + std::to_string(stop));
    EXPECT_EQ(killed.exit_code, 128 + SIGKILL) << killed.err;
    EXPECT_FALSE(fs::exists(out + "/curves.csv"));
    std::size_t chunks = 0;
    for (const auto& entry : fs::directory_iterator(out + "/chunks"))
      chunks += entry.path().filename().string().rfind("chunk-", 0) == 0;
    EXPECT_EQ(chunks, static_cast<std::size_t>(stop)) << "every finished chunk is kept";
    // A second interruption of the resumed run, then the resumption that finishes it, on
    // another engine and thread count: still the same bytes.
    if (stop == 1) {
      const auto again = run_dynaq("run --resume '" + out + "' -q", "DYNAQ_STOP_AFTER_CHUNKS=2");
      EXPECT_EQ(again.exit_code, 128 + SIGKILL);
    }
    const auto resumed = run_dynaq("run --resume '" + out + "' --backend reference --quiet");
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    expect_same_results(dir / "whole", out, "stopped after " + std::to_string(stop));
    EXPECT_TRUE(contains(read_file(out + "/summary.json"), "\"chunks_resumed\": " + std::to_string(stop == 1 ? 3 : stop)));
  }
}

TEST(RunCommand, ARunKilledFromOutsideResumesToTheSameBytes) {
  TempFolder dir;
  const std::string sweep = "run --env dyna-maze -n 0,5 --seeds 800 --episodes 30 --chunk-agents 20 --threads 1 -q "
                            "--save-tables";
  ASSERT_EQ(run_dynaq(sweep + " --out '" + dir / "whole" + "'").exit_code, 0);
  // Start the run in the background, wait for a few chunks, and kill it hard.
  const std::string out = dir / "killed";
  const auto started = run_shell(dynaq_binary() + " " + sweep + " --out '" + out + "' >/dev/null 2>&1 & echo $!");
  const pid_t pid = static_cast<pid_t>(std::stol(started.out));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::size_t chunks = 0;
  while (chunks < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    chunks = 0;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(out + "/chunks", error))
      chunks += entry.path().extension() == ".bin";  // not "chunk-000003.bin.partial-PID"
  }
  ASSERT_EQ(::kill(pid, SIGKILL), 0) << "the run ended before it could be killed";
  while (::kill(pid, 0) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_FALSE(fs::exists(out + "/curves.csv")) << "the run finished before the kill";
  const auto resumed = run_dynaq("run --resume '" + out + "' -q");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  for (const std::string file : {"curves.csv", "points.csv", "config.toml", "q.npy"})
    EXPECT_EQ(read_file(dir / "whole/" + file), read_file(out + "/" + file)) << file;
  EXPECT_EQ(summary_without_execution(dir / "whole"), summary_without_execution(out));
}

TEST(RunCommand, ResumeRefusesAnotherConfigurationOrVersion) {
  TempFolder dir;
  const std::string out = dir / "run";
  ASSERT_EQ(run_dynaq(kChunkedSweep + " --out '" + out + "'", "DYNAQ_STOP_AFTER_CHUNKS=2").exit_code, 128 + SIGKILL);
  // A new run may not take over the folder by accident.
  auto r = run_dynaq(kChunkedSweep + " --out '" + out + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "holds an unfinished run")) << r.err;
  EXPECT_TRUE(contains(r.err, "dynaq run --resume")) << r.err;
  // Options that change the results cannot be given to a resumed run.
  r = run_dynaq("run --resume '" + out + "' --seeds 8 -q");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "a resumed run keeps the configuration it started with")) << r.err;
  EXPECT_TRUE(contains(r.err, "seeds = 7  became  seeds = 8")) << r.err;
  r = run_dynaq("run --resume '" + out + "' --out '" + dir / "elsewhere" + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--out cannot be given with --resume")) << r.err;
  // A chunk written by another version of dynaq.
  const std::string chunk = out + "/chunks/chunk-000001.bin";
  const std::string original = read_file(chunk);
  std::string other = original;
  const std::size_t at = other.find("dynaq-version " DYNAQ_VERSION "\n");
  ASSERT_NE(at, std::string::npos);
  other.replace(at, std::string("dynaq-version " DYNAQ_VERSION).size(), "dynaq-version 0.0.0-old");
  std::ofstream(chunk, std::ios::binary | std::ios::trunc) << other;
  r = run_dynaq("run --resume '" + out + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "chunk-000001.bin was written by dynaq 0.0.0-old, but this is dynaq " DYNAQ_VERSION))
      << r.err;
  std::ofstream(chunk, std::ios::binary | std::ios::trunc) << original;
  // A configuration edited after chunks were written for it.
  std::string config = read_file(out + "/chunks/config.toml");
  config.replace(config.find("seed = 0\n"), 9, "seed = 1\n");
  std::ofstream(out + "/chunks/config.toml", std::ios::trunc) << config;
  r = run_dynaq("run --resume '" + out + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "belongs to another configuration than this run's")) << r.err;
  EXPECT_FALSE(fs::exists(out + "/curves.csv"));
  // A finished run has nothing to resume.
  ASSERT_EQ(run_dynaq("run --seeds 2 --episodes 2 -q --out '" + dir / "done" + "'").exit_code, 0);
  r = run_dynaq("run --resume '" + dir / "done" + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "that run is finished")) << r.err;
}

// ---- Shards and MPI ------------------------------------------------------------------------

TEST(RunCommand, ShardsMergeIntoTheBytesOfTheWholeRun) {
  TempFolder dir;
  ASSERT_EQ(run_dynaq(kChunkedSweep + " --out '" + dir / "whole" + "'").exit_code, 0);
  for (int k = 0; k < 3; ++k) {
    const auto r = run_dynaq(kChunkedSweep + " --shard " + std::to_string(k) + "/3 --out '" + dir / ("shard" + std::to_string(k)) + "'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_FALSE(fs::exists(dir / ("shard" + std::to_string(k)) + "/curves.csv"));
  }
  const std::string shards = " '" + dir / "shard2" + "' '" + dir / "shard0" + "' '" + dir / "shard1" + "'";
  const auto merged = run_dynaq("merge '" + dir / "merged" + "'" + shards);
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_TRUE(contains(merged.out, "merged 3 shards")) << merged.out;
  expect_same_results(dir / "whole", dir / "merged", "merged");

  // Refusals: a shard missing or given twice, OUT one of the shards, a shard incomplete, a shard
  // of another sweep.
  auto r = run_dynaq("merge '" + dir / "m1" + "' '" + dir / "shard0" + "' '" + dir / "shard1" + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "shard 2/3 is not among the folders given")) << r.err;
  r = run_dynaq("merge '" + dir / "m1" + "'" + shards + " '" + dir / "shard1/" + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "shard 1/3 is given twice")) << r.err;
  // With --overwrite this deleted shard1's chunks before reading them.
  r = run_dynaq("merge --overwrite '" + dir / "shard1" + "'" + shards);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "is also given as a shard")) << r.err;
  EXPECT_TRUE(fs::exists(dir / "shard1/chunks/chunk-000004.bin"));
  fs::remove(dir / "shard1/chunks/chunk-000004.bin");
  r = run_dynaq("merge '" + dir / "m2" + "'" + shards);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "1 of the sweep's 12 chunks are missing: 4 (shard 1/3)")) << r.err;
  ASSERT_EQ(run_dynaq(kChunkedSweep + " --seed 5 --shard 1/3 --out '" + dir / "other1" + "'").exit_code, 0);
  r = run_dynaq("merge '" + dir / "m3" + "' '" + dir / "shard0" + "' '" + dir / "other1" + "' '" + dir / "shard2" + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "holds a shard of another sweep")) << r.err;
  EXPECT_TRUE(contains(r.err, "'seed' differs")) << r.err;
  r = run_dynaq("merge '" + dir / "m4" + "' '" + dir / "whole" + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "not the folder of a shard")) << r.err;
  for (const std::string m : {"m1", "m2", "m3", "m4"}) EXPECT_FALSE(fs::exists(dir / m)) << m;
  // A shard resumes like any run.
  ASSERT_EQ(run_dynaq("run --resume '" + dir / "shard1" + "' -q").exit_code, 0);
  ASSERT_EQ(run_dynaq("merge -q '" + dir / "m5" + "'" + shards).exit_code, 0);
  expect_same_results(dir / "whole", dir / "m5", "merged after resuming a shard");
}

TEST(RunCommand, MpirunWithTwoAndThreeRanksWritesTheBytesOfOneProcess) {
  if (!DYNAQ_HAVE_MPI) GTEST_SKIP() << "this dynaq was built without MPI (configure with Open MPI: libopenmpi-dev)";
  const std::string mpirun = DYNAQ_MPIEXEC;
  if (mpirun.empty() || !have_program("'" + mpirun + "'")) GTEST_SKIP() << "mpirun was not found";
  TempFolder dir;
  ASSERT_EQ(run_dynaq(kChunkedSweep + " --out '" + dir / "whole" + "'").exit_code, 0);
  for (int ranks : {2, 3}) {
    const std::string out = dir / ("mpi" + std::to_string(ranks));
    // CI runs as root on 2 cores: allow both.
    const auto r = run_shell("'" + mpirun + "' --allow-run-as-root --oversubscribe -np " + std::to_string(ranks) + " " +
                             dynaq_binary() + " " + kChunkedSweep + " --threads 1 --out '" + out + "'");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    expect_same_results(dir / "whole", out, std::to_string(ranks) + " ranks");
    const std::string summary = read_file(out + "/summary.json");
    EXPECT_TRUE(contains(summary, "\"mpi\": {\"ranks\": " + std::to_string(ranks))) << summary;
    EXPECT_TRUE(contains(summary, "\"local_rank\": " + std::to_string(ranks - 1))) << summary;
  }
}

// ---- Presets ---------------------------------------------------------------------------------

TEST(RunCommand, PresetsRunTheBooksSettingsAndTheCommandLineOverridesThem) {
  TempFolder dir;
  const auto r = run_dynaq("run --preset figure-8.4 --seeds 3 -q --out '" + dir / "out" + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string curves = read_file(dir / "out/curves.csv");
  // Both algorithms, the book's alpha 1 and n 10, 3000 steps in buckets of 30, and --seeds 3 winning.
  EXPECT_TRUE(contains(curves, "\n0,blocking-maze,1,0.95,0.1,10,0,pairs,0,dyna-q,,")) << curves.substr(0, 600);
  EXPECT_TRUE(contains(curves, "\n1,blocking-maze,1,0.95,0.1,10,0,pairs,0,dyna-q-plus,1e-04,"));
  EXPECT_TRUE(contains(curves, ",3000,"));
  EXPECT_FALSE(contains(curves, ",3030,"));
  EXPECT_TRUE(contains(read_file(dir / "out/config.toml"), "seeds = 3"));

  const auto unknown = run_dynaq("run --preset figure-9.9 --out '" + dir / "bad" + "'");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_TRUE(contains(unknown.err, "--preset: 'figure-9.9' is not one of: figure-8.2, figure-8.4, figure-8.5")) << unknown.err;
  const auto both = run_dynaq("run --preset figure-8.4 --config x.toml --out '" + dir / "bad" + "'");
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_TRUE(contains(both.err, "alternatives")) << both.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "bad"));
}

// ---- On a terminal -------------------------------------------------------------------------

TEST(RunCommand, AProgressBarOnATerminalOnly) {
  TempFolder dir;
  // Not a terminal (the tests' stderr is a file): nothing on stderr.
  const auto plain = run_dynaq("run --seeds 50 --episodes 10 --chunk-agents 10 --out '" + dir / "a" + "'");
  ASSERT_EQ(plain.exit_code, 0);
  EXPECT_EQ(plain.err, "");
  if (!have_program("script")) GTEST_SKIP() << "script (util-linux) is needed to run dynaq on a terminal";
  if (run_shell("script -qec true /dev/null").exit_code != 0)
    GTEST_SKIP() << "script cannot open a pseudo-terminal here (no /dev/pts?)";
  // script(1) gives dynaq a pseudo-terminal and records what it shows.
  const auto shown = run_shell("script -qec \"" + dynaq_binary() + " run --seeds 50 --episodes 10 --chunk-agents 10 --out '" +
                               dir / "b" + "'\" /dev/null");
  ASSERT_EQ(shown.exit_code, 0) << shown.out;
  EXPECT_TRUE(contains(shown.out, "100% [############################] 50/50 agents")) << shown.out;
  EXPECT_TRUE(contains(shown.out, "agents/s")) << shown.out;
  const auto quiet = run_shell("script -qec \"" + dynaq_binary() + " run -q --seeds 50 --episodes 10 --out '" +
                               dir / "c" + "'\" /dev/null");
  EXPECT_FALSE(contains(quiet.out, "agents/s")) << quiet.out;
}

}  // namespace
}  // namespace dynaq
