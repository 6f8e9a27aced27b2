// Running a sweep's chunks (src/sweep/run.cpp, run_sweep): an engine that takes several chunks per run
// (the GPU) writes every chunk with the bits of a run of that chunk alone.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "cuda_test_cases.hpp"
#include "dynaq/agent_metrics_store.hpp"
#include "dynaq/detail/cuda_engine_driver.hpp"
#include "dynaq/sweep.hpp"

namespace dynaq {
namespace {

// The cpu engine, asking for up to `preferred` agents per run, and recording each run's group.
class ManyChunksEngine final : public Engine {
 public:
  explicit ManyChunksEngine(std::uint64_t preferred) : preferred_(preferred), cpu_(make_cpu_engine(CpuEngineOptions{})) {}
  std::string name() const override { return "many-chunks"; }
  std::string device() const override { return cpu_->device(); }
  std::uint64_t preferred_group_agents() const override { return preferred_; }
  void run(const AgentGroup& group, GroupResults& results, const ProgressCallback& progress) override {
    groups.push_back(group);
    cpu_->run(group, results, progress);
  }
  std::vector<AgentGroup> groups;

 private:
  std::uint64_t preferred_;
  std::unique_ptr<Engine> cpu_;
};

struct RunFolder {
  std::string path;
  explicit RunFolder(const std::string& name)
      : path(::testing::TempDir() + "dynaq_sweep_" + std::to_string(::getpid()) + "_" + name) {
    std::filesystem::remove_all(path);
  }
  ~RunFolder() { std::filesystem::remove_all(path); }
};

void run_into(const Sweep& sweep, Engine& engine, const std::string& folder) {
  SweepRunControl control;
  control.chunk_folder = folder;
  control.identity = ChunkIdentity{DYNAQ_VERSION, 7};
  control.threads = 2;
  const SweepRunReport report = run_sweep(sweep, engine, control);
  EXPECT_EQ(report.chunks_run, sweep.chunks.size());
}

bool same_bits(const void* a, const void* b, std::size_t bytes) { return bytes == 0 || std::memcmp(a, b, bytes) == 0; }

void expect_same_chunks(const Sweep& sweep, const std::string& expected, const std::string& actual) {
  for (const Chunk& chunk : sweep.chunks) {
    SCOPED_TRACE("chunk " + std::to_string(chunk.index));
    const ChunkRecord e = read_chunk_file(expected + "/" + chunk_file_name(chunk.index));
    const ChunkRecord a = read_chunk_file(actual + "/" + chunk_file_name(chunk.index));
    EXPECT_EQ(a.first_agent, e.first_agent);
    EXPECT_EQ(a.agents, e.agents);
    ASSERT_EQ(a.names, e.names);
    for (std::size_t m = 0; m < e.arrays.size(); ++m) {
      ASSERT_EQ(a.arrays[m].size(), e.arrays[m].size()) << e.names[m];
      EXPECT_TRUE(same_bits(a.arrays[m].data(), e.arrays[m].data(), e.arrays[m].size() * sizeof(double))) << e.names[m];
    }
    ASSERT_EQ(a.q.size(), e.q.size());
    EXPECT_TRUE(same_bits(a.q.data(), e.q.data(), e.q.size() * sizeof(float)));
  }
}

struct Layout {
  std::string label;
  SweepSpec spec;
  std::size_t runs_unlimited;  // engine runs when any number of agents may go together
};

std::vector<Layout> layouts() {
  std::vector<Layout> all;
  Layout seeds_split;  // more seeds than a chunk holds: each point's seeds over several chunks
  seeds_split.label = "one point's seeds over several chunks, two environments";
  seeds_split.spec.set("env", {"dyna-maze", "frozen-lake-4x4"});
  seeds_split.spec.set("planning-steps", {"0", "5"});
  seeds_split.spec.seeds = 10;
  seeds_split.spec.episodes = 3;
  seeds_split.spec.chunk_agents = 4;
  seeds_split.runs_unlimited = 4;  // one per point: a block is one point's seeds, or whole points
  all.push_back(seeds_split);
  Layout points_together;  // fewer seeds than a chunk holds: whole points per chunk
  points_together.label = "whole points per chunk, a steps budget, Q tables saved";
  points_together.spec.set("env", {"blocking-maze"});
  points_together.spec.set("planning-steps", {"0", "3", "10"});
  points_together.spec.set("alpha", {"0.1", "0.5", "0.9"});
  points_together.spec.seeds = 3;
  points_together.spec.budget_kind = BudgetKind::kSteps;
  points_together.spec.steps = 1200;
  points_together.spec.bucket_steps = 100;
  points_together.spec.save_tables = true;
  points_together.spec.chunk_agents = 7;
  points_together.runs_unlimited = 1;
  all.push_back(points_together);
  return all;
}

TEST(RunSweep, AnEngineTakingManyChunksPerRunWritesEachChunksOwnBits) {
  for (const Layout& layout : layouts()) {
    SCOPED_TRACE(layout.label);
    const Sweep sweep = plan_sweep(layout.spec);
    ASSERT_GT(sweep.chunks.size(), 3u);
    RunFolder one("one"), many("many"), some("some");
    const auto cpu = make_cpu_engine(CpuEngineOptions{});
    run_into(sweep, *cpu, one.path);

    ManyChunksEngine unlimited(1000000);
    run_into(sweep, unlimited, many.path);
    expect_same_chunks(sweep, one.path, many.path);
    EXPECT_EQ(unlimited.groups.size(), layout.runs_unlimited) << "chunks were run together";
    for (const AgentGroup& g : unlimited.groups) EXPECT_GT(g.n_agents(), 0u);

    // A limit below two chunks' agents: every run is a single chunk again.
    ManyChunksEngine small(5);
    run_into(sweep, small, some.path);
    expect_same_chunks(sweep, one.path, some.path);
    for (const AgentGroup& g : small.groups) EXPECT_LE(g.n_agents(), std::max<std::uint32_t>(5, sweep.chunk_agents));
  }
}

// Shards take runs of consecutive chunks in turn: long runs in a large sweep (for a GPU to take
// together), single chunks in turn when a shard would otherwise get fewer than four runs.
TEST(RunSweep, ShardsTakeRunsOfConsecutiveChunksInTurn) {
  SweepSpec large;
  large.set("env", {"dyna-maze"});
  large.set("planning-steps", {"0", "5", "50"});
  large.seeds = 200000;
  const Sweep sweep = plan_sweep(large);
  ASSERT_EQ(sweep.chunk_agents, 4096u);
  ASSERT_EQ(sweep.chunks.size(), 147u);  // 49 per point
  // Two shards: runs of 16 chunks (65,536 agents); 147 / 8 would allow 18.
  for (std::uint32_t c = 0; c < sweep.chunks.size(); ++c) EXPECT_EQ(sweep.shard_of(c, 2), (c / 16) % 2) << c;
  // Eight shards: 147 / 32 = 4 chunks per run, so that each shard has four or five runs.
  for (std::uint32_t c = 0; c < sweep.chunks.size(); ++c) EXPECT_EQ(sweep.shard_of(c, 8), (c / 4) % 8) << c;
  // A small sweep: chunk c goes to shard c mod N.
  const Sweep small = plan_sweep(layouts().front().spec);
  for (std::uint32_t c = 0; c < small.chunks.size(); ++c) EXPECT_EQ(small.shard_of(c, 3), c % 3) << c;
}

// The cuda engine takes many chunks per run; through the host emulation of the device, its
// chunk files are the cpu engine's.
TEST(RunSweep, TheEmulatedCudaEngineRunsChunksTogetherWithTheSameBits) {
  for (const Layout& layout : layouts()) {
    SCOPED_TRACE(layout.label);
    const Sweep sweep = plan_sweep(layout.spec);
    RunFolder one("cpu"), device("device");
    run_into(sweep, *make_cpu_engine(CpuEngineOptions{}), one.path);
    const auto engine = make_device_engine(make_emulated_device(testing_support::small_emulated_device()),
                                           CudaEngineOptions{}, "cuda-emulated");
    EXPECT_GT(engine->preferred_group_agents(), std::uint64_t{sweep.chunk_agents});
    run_into(sweep, *engine, device.path);
    expect_same_chunks(sweep, one.path, device.path);
  }
}

}  // namespace
}  // namespace dynaq
