// The cuda engine without a GPU: its plan, its layouts, the staging phases of the shared kernel,
// and whole runs of the host emulation of the device (cuda_engine_driver.hpp), which runs the very
// kernel bodies and index arithmetic of kernels/agent_kernels.cu, compared bit for bit with the
// reference engine on many shapes: kernel versions, agents per block, chunk sizes and steps per
// launch. These run everywhere; cuda_engine_test.cpp runs the same cases on a GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <set>

#include "cuda_test_cases.hpp"
#include "dynaq/cuda_runtime_checks.hpp"
#include "dynaq/detail/agent_kernels.hpp"
#include "dynaq/detail/cuda_engine_driver.hpp"
#include "dynaq/errors.hpp"
#include "engine_test_support.hpp"

namespace dynaq {
namespace {

using testing_support::Nans;
using testing_support::CudaCase;
using testing_support::CudaCases;
using testing_support::episode_budget;
using testing_support::describe;
using testing_support::every_version;
using testing_support::expect_same;
using testing_support::expect_every_version_matches_the_reference;
using testing_support::group_of;
using testing_support::kernel_options;
using testing_support::point;
using testing_support::run_group;
using testing_support::step_budget;
using testing_support::with_algorithm;
using testing_support::with_counts;
using testing_support::with_model_tables;

// An H100 as the plan sees it (registers allow 672 threads per block for either kernel: 96
// registers, as ptxas of nvcc 13.0 reports them for sm_90).
DeviceLimits h100() {
  DeviceLimits l = hopper_limits(std::uint64_t{79} << 30);
  l.max_threads_global = 672;
  l.max_threads_shared = 672;
  return l;
}

// A small device: two multiprocessors, so that auto plans put many agents in a block, and an
// H100's shared memory per block (the Dyna-Q+ tables of 33 agents of a maze fit).
DeviceLimits small_device() {
  DeviceLimits l = h100();
  l.multiprocessors = 2;
  l.max_threads_global = 256;
  l.max_threads_shared = 256;
  return l;
}


std::unique_ptr<Engine> emulated(const CudaEngineOptions& o, const DeviceLimits& limits = small_device()) {
  EmulationOptions e;
  e.limits = limits;
  return make_device_engine(make_emulated_device(e), o, "cuda-emulated");
}

// A group of `seeds` agents per grid point on `env`, the points differing only in n.
AgentGroup group_on(const Environment& env, std::vector<std::uint32_t> planning_steps, std::uint32_t seeds,
                    RunBudget budget) {
  AgentGroup group;
  group.environment = &env;
  for (const std::uint32_t n : planning_steps) group.points.push_back(point(0.1f, 0.95f, 0.1, n));
  group.seeds_per_point = seeds;
  group.budget = budget;
  return group;
}

// ---- The plan --------------------------------------------------------------------------------

TEST(CudaPlan, TheDynaMazeRunsTheSharedKernelWithItsEnvironmentStaged) {
  const Environment env = load_environment("dyna-maze");
  AgentGroup group = group_on(env, {50}, 100000, episode_budget(50));
  const KernelPlan plan = plan_kernels(group, CudaEngineOptions{}, h100());
  EXPECT_EQ(plan.kernel, CudaKernel::kShared) << plan.why;
  EXPECT_TRUE(plan.shared.stage_environment);
  // Plain Dyna-Q on a fixed deterministic maze plans from the staged environment: a block holds
  // Q, the observed pairs and the counters of each agent, 2 x 217 words + 72 B = 1808 B, and
  // (232448 - schedule 712 - environment 4540) / 1808 = 125 agents (agent_kernels.cu).
  EXPECT_TRUE(plan.model_from_environment);
  EXPECT_EQ(plan.shared.table[table_id::model_next], kNoRegion);
  EXPECT_EQ(plan.shared.table[table_id::model_reward], kNoRegion);
  EXPECT_EQ(sizeof(ScheduleView), 712u);
  EXPECT_EQ(plan.agents_per_block, 125u);
  EXPECT_EQ(plan.threads_per_block, 128u);
  EXPECT_LE(plan.shared.bytes, h100().shared_bytes_per_block);
  EXPECT_GT(shared_layout(group, 126, true, true).bytes, h100().shared_bytes_per_block);
  EXPECT_EQ(plan.chunk_agents, 100000u);
  EXPECT_EQ(plan.steps_per_launch, 65536u / 51);
  // With the model tables staged: (232448 - 712 - 4540) / 3544 per agent = 64.
  const KernelPlan staged = plan_kernels(group, with_model_tables(CudaEngineOptions{}), h100());
  EXPECT_FALSE(staged.model_from_environment);
  EXPECT_EQ(staged.agents_per_block, 64u);
  EXPECT_EQ(staged.threads_per_block, 64u);
  EXPECT_GT(shared_layout(group, 65, true).bytes, h100().shared_bytes_per_block);

  // Few agents spread over every multiprocessor.
  group.seeds_per_point = 1000;
  const KernelPlan few = plan_kernels(group, CudaEngineOptions{}, h100());
  EXPECT_EQ(few.agents_per_block, (1000u + 131) / 132);
  EXPECT_EQ(few.threads_per_block, 32u);
}

// Planning may read the environment only where every recorded model entry is the environment's
// own: plain Dyna-Q, one phase, one outcome per pair.
TEST(CudaPlan, OnlyAFixedDeterministicEnvironmentUnderPlainDynaQStandsForTheModel) {
  const Environment maze = load_environment("dyna-maze");
  const Environment slippery = load_environment("frozen-lake-4x4");
  const Environment blocking = load_environment("blocking-maze");
  const RunBudget budget = episode_budget(5);
  EXPECT_TRUE(model_is_environment(group_on(maze, {5, 50}, 3, budget)));
  EXPECT_FALSE(model_is_environment(group_on(slippery, {5}, 3, budget)));  // several outcomes per pair
  EXPECT_FALSE(model_is_environment(group_on(blocking, {5}, 3, budget)));  // a schedule: two phases
  AgentGroup mixed = group_on(maze, {5}, 3, budget);
  mixed.points.push_back(with_algorithm(point(0.1f, 0.95f, 0.1, 5), Algorithm::kDynaQPlus, 1e-3f));
  EXPECT_FALSE(model_is_environment(mixed));  // Dyna-Q+ adds a bonus to what it reads
  AgentGroup counts = group_on(maze, {5}, 3, budget);
  counts.points[0] = with_counts(counts.points[0], BackupKind::kSample, 2);
  EXPECT_FALSE(model_is_environment(counts));
  AgentGroup states = group_on(maze, {5}, 3, budget);
  states.points[0].planning_draw = PlanningDraw::kStates;
  EXPECT_FALSE(model_is_environment(states));
  EXPECT_FALSE(plan_kernels(group_on(slippery, {5}, 3, budget), CudaEngineOptions{}, h100()).model_from_environment);
  EXPECT_TRUE(plan_kernels(group_on(maze, {5}, 3, budget), kernel_options(CudaKernel::kGlobal), h100())
                  .model_from_environment);
}

TEST(CudaPlan, ALargeMazeRunsTheGlobalKernelAndRefusesTheSharedOne) {
  const Environment env = load_environment("random-maze:100x100:1");
  const AgentGroup group = group_on(env, {5}, 1000, step_budget(1000, 100));
  const KernelPlan plan = plan_kernels(group, CudaEngineOptions{}, h100());
  EXPECT_EQ(plan.kernel, CudaKernel::kGlobal) << plan.why;
  EXPECT_EQ(plan.threads_per_block, 128u);
  try {
    plan_kernels(group, kernel_options(CudaKernel::kShared), h100());
    ADD_FAILURE() << "the shared kernel was planned for tables of 640 KB";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("CUDA kernel shared: the tables of one agent of --env random-maze:100x100:1"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(plan_kernels(group, kernel_options(CudaKernel::kGlobal, 2048), h100()), InputError);
}

TEST(CudaPlan, AgentsPerBlockBeyondWhatFitsIsRefused) {
  const Environment env = load_environment("dyna-maze");
  const AgentGroup group = group_on(env, {5}, 10, episode_budget(5));
  const std::uint32_t limit = h100().shared_bytes_per_block;
  const bool model = model_is_environment(group);
  std::uint32_t with_env = 1, without_env = 1;
  while (shared_layout(group, with_env + 1, true, model).bytes <= limit) ++with_env;
  while (shared_layout(group, without_env + 1, false, model).bytes <= limit) ++without_env;
  ASSERT_GT(without_env, with_env);
  EXPECT_TRUE(plan_kernels(group, kernel_options(CudaKernel::kShared, with_env), h100()).shared.stage_environment);
  // More agents than fit beside the environment: the environment stays in global memory.
  const KernelPlan more = plan_kernels(group, kernel_options(CudaKernel::kShared, without_env), h100());
  EXPECT_EQ(more.agents_per_block, without_env);
  EXPECT_FALSE(more.shared.stage_environment);
  EXPECT_THROW(plan_kernels(group, kernel_options(CudaKernel::kShared, without_env + 1), h100()), InputError);
}

TEST(CudaPlan, ChunksFollowTheFreeDeviceMemory) {
  const Environment env = load_environment("dyna-maze");
  const AgentGroup group = group_on(env, {5, 50}, 5000, episode_budget(50, 100));
  DeviceLimits limits = h100();
  limits.free_bytes = 8u << 20;  // 8 MiB
  const KernelPlan plan = plan_kernels(group, CudaEngineOptions{}, limits);
  const std::uint64_t per_agent = group.table_bytes_per_agent() + metric_bytes_per_agent(group.budget);
  EXPECT_GT(plan.chunk_agents, 1000u);
  EXPECT_LT(plan.chunk_agents, group.n_agents());
  EXPECT_LE(plan.device_bytes, limits.free_bytes * 9 / 10);
  EXPECT_GT(plan.device_bytes + per_agent + kArenaOverheadBytes, limits.free_bytes * 9 / 10)
      << "one more agent would have fitted";

  limits.free_bytes = per_agent;  // not even one agent beside the environment
  try {
    plan_kernels(group, CudaEngineOptions{}, limits);
    ADD_FAILURE() << "planned a run that does not fit";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not even one agent fits the GPU's memory"), std::string::npos) << e.what();
  }
}

// The arena is what AgentGroup::table_bytes_per_agent() says, plus alignment.
TEST(CudaPlan, TheArenaHoldsExactlyTheTablesAndMetrics) {
  const CudaCases all(false);
  for (const CudaCase& c : all.cases) {
    SCOPED_TRACE(c.label);
    const AgentGroup group = group_of(c);
    const std::uint64_t per_agent = group.table_bytes_per_agent() + metric_bytes_per_agent(group.budget);
    for (std::uint32_t agents : {1u, 7u, 1000u}) {
      const ArenaLayout arena = arena_layout(group, agents);
      EXPECT_GE(arena.bytes, agents * per_agent);
      EXPECT_LE(arena.bytes, agents * per_agent + kArenaOverheadBytes);
      // Regions in increasing order, 256-byte aligned, not overlapping.
      std::map<std::uint64_t, std::uint64_t> regions;  // offset -> end
      const AgentTablesView v = arena.tables(nullptr);
      const TableLengths lengths = v.lengths();
      for (std::uint32_t id = 0; id < kTableCount; ++id)
        if (arena.table[id] != kNoOffset)
          regions[arena.table[id]] = arena.table[id] + table_element_bytes(id) * agents * lengths.of(table_per(id));
      regions[arena.counters] = arena.counters + agents * sizeof(AgentCounters);
      for (std::uint32_t id = 0; id < kMetricCount; ++id)
        if (arena.metric[id] != kNoOffset)
          regions[arena.metric[id]] = arena.metric[id] + metric_element_bytes(id) * agents * arena.metrics_per_agent;
      std::uint64_t end = 0;
      for (const auto& [offset, region_end] : regions) {
        EXPECT_EQ(offset % 256, 0u);
        EXPECT_GE(offset, end);
        end = region_end;
      }
      EXPECT_LE(end, arena.bytes);
    }
  }
}

// ---- The shared-memory layout ----------------------------------------------------------------

// Every region of a layout: [offset, offset + bytes), with its alignment.
struct Region {
  std::string name;
  std::uint64_t offset, bytes, alignment;
};

std::vector<Region> regions_of(const SharedLayout& l, const AgentGroup& group) {
  std::vector<Region> r;
  r.push_back({"schedule", l.schedule, sizeof(ScheduleView), alignof(ScheduleView)});
  r.push_back({"counters", l.counters, std::uint64_t{l.agents_per_block} * sizeof(AgentCounters), 8});
  for (std::uint32_t id = 0; id < kTableCount; ++id)
    if (l.table[id] != kNoRegion)
      r.push_back({table_name(id), l.table[id], 4ull * l.agents_per_block * l.strides.of(table_per(id)), 4});
  if (l.stage_environment)
    for (std::uint32_t p = 0; p < l.n_phases; ++p) {
      const SharedPhaseLayout& at = l.phase[p];
      const std::uint64_t pairs = std::uint64_t{group.environment->n_states()} * group.environment->n_actions();
      r.push_back({"thresholds", at.outcome_threshold, 8ull * at.n_outcomes, 8});
      r.push_back({"pair_begin", at.pair_begin, 4 * (pairs + 1), 4});
      r.push_back({"next_state", at.next_state, 4ull * at.n_outcomes, 4});
      r.push_back({"reward", at.reward, 4ull * at.n_outcomes, 4});
      r.push_back({"terminated", at.terminated, at.n_outcomes, 1});
    }
  return r;
}

TEST(SharedLayout, RegionsAreAlignedDisjointAndInsideTheBlocksMemory) {
  const CudaCases all(false);
  for (const CudaCase& c : all.cases) {
    SCOPED_TRACE(c.label);
    const AgentGroup group = group_of(c);
    for (std::uint32_t agents : {1u, 2u, 31u, 32u, 33u, 63u})
      for (bool staged : {false, true}) {
        const SharedLayout l = shared_layout(group, agents, staged);
        std::vector<Region> regions = regions_of(l, group);
        std::sort(regions.begin(), regions.end(), [](const Region& a, const Region& b) { return a.offset < b.offset; });
        std::uint64_t end = 0;
        for (const Region& r : regions) {
          EXPECT_EQ(r.offset % r.alignment, 0u) << r.name;
          EXPECT_GE(r.offset, end) << r.name << " overlaps the region before it";
          end = r.offset + r.bytes;
        }
        EXPECT_LE(end, l.bytes);
        EXPECT_EQ(l.bytes % 16, 0u);
      }
  }
}

// When the 32 threads of a warp touch the same element of their own agents' slices, they hit 32
// distinct banks (4-byte words modulo 32).
TEST(SharedLayout, LockstepAccessesOfAWarpAreFreeOfBankConflicts) {
  const CudaCases all(false);
  for (const CudaCase& c : all.cases) {
    SCOPED_TRACE(c.label);
    const AgentGroup group = group_of(c);
    const SharedLayout l = shared_layout(group, 64, true);
    const TableLengths lengths =
        table_lengths(group.environment->n_states(), group.environment->n_actions(), group.model_slots());
    for (TablePer per : {TablePer::kPair, TablePer::kSlot, TablePer::kState}) {
      EXPECT_EQ(l.strides.of(per) % 2, 1u);
      EXPECT_GE(l.strides.of(per), lengths.of(per));
      EXPECT_LE(l.strides.of(per), lengths.of(per) + 1);
    }
    for (std::uint32_t id = 0; id < kTableCount; ++id) {
      if (l.table[id] == kNoRegion) continue;
      const std::uint32_t stride = l.strides.of(table_per(id));
      for (std::uint64_t k : {std::uint64_t{0}, std::uint64_t{1}, lengths.of(table_per(id)) - 1})
        for (std::uint32_t warp_first : {0u, 32u}) {
          std::set<std::uint32_t> banks;
          for (std::uint32_t j = warp_first; j < warp_first + 32; ++j) banks.insert((l.table[id] / 4 + j * stride + k) % 32);
          EXPECT_EQ(banks.size(), 32u) << "table " << table_name(id) << ", element " << k;
        }
    }
  }
}

// ---- The staging phases, index by index ------------------------------------------------------

// Stages block 1 of a chunk in and out, one thread at a time in reverse order as the emulation
// does, and checks every word: each element of each agent of the block lands at its padded place,
// padding and other blocks' agents are not touched.
TEST(SharedStaging, EveryElementLandsInItsPlaceAndNothingElseChanges) {
  const CudaCases all(false);
  for (const CudaCase& c : all.cases) {
    SCOPED_TRACE(c.label);
    const AgentGroup group = group_of(c);
    // With the model tables staged, and where the plan reads the model from the environment,
    // without them.
    for (const bool model_from_environment : {false, true}) {
      if (model_from_environment && !model_is_environment(group)) continue;
      SCOPED_TRACE(model_from_environment ? "model from the environment" : "model tables staged");
      const std::uint32_t chunk = 11, per_block = 4, threads = 32, block = 1;  // block 1: agents 4..7
      const ArenaLayout arena = arena_layout(group, chunk);
      std::vector<std::uint64_t> arena_words(arena.bytes / 8 + 1);
      unsigned char* base = reinterpret_cast<unsigned char*>(arena_words.data());
      // Every 4-byte word of the arena holds its own index.
      for (std::uint64_t w = 0; w < arena.bytes / 4; ++w) {
        const std::uint32_t value = static_cast<std::uint32_t>(w);
        std::memcpy(base + 4 * w, &value, 4);
      }
      const std::vector<std::uint64_t> before = arena_words;
      AdvanceArgs args{};
      args.chunk.tables = arena.tables(base);
      args.chunk.n_agents = chunk;
      args.schedule = schedule_view(*group.environment);
      const SharedLayout layout = shared_layout(group, per_block, true, model_from_environment);
      if (model_from_environment) {  // the model tables stay in global memory, untouched by staging
        EXPECT_EQ(layout.table[table_id::model_next], kNoRegion);
        EXPECT_EQ(layout.table[table_id::model_reward], kNoRegion);
      }
      constexpr std::uint32_t kUntouched = 0xFFFFFFFFu;
      std::vector<std::uint64_t> smem_words(layout.bytes / 8 + 1, ~std::uint64_t{0});
      unsigned char* smem = reinterpret_cast<unsigned char*>(smem_words.data());
      for (std::uint32_t t = threads; t-- > 0;) shared_block_phase(0, args, layout, smem, block, t, threads);

      const AgentTablesView global = args.chunk.tables;
      const AgentTablesView local = shared_tables(layout, smem, global);
      const TableLengths lengths = global.lengths();
      for_each_table(global, local, [&](std::uint32_t id, TablePer per, TableNeed, auto* g, auto* s) {
        if (layout.table[id] == kNoRegion) return;
        const std::uint64_t length = lengths.of(per), stride = layout.strides.of(per);
        for (std::uint64_t j = 0; j < per_block; ++j) {
          for (std::uint64_t k = 0; k < length; ++k)
            ASSERT_EQ(std::memcmp(&s[j * stride + k], &g[(block * per_block + j) * length + k], 4), 0)
                << "table " << table_name(id) << ", agent " << j << ", element " << k;
          for (std::uint64_t k = length; k < stride; ++k)
            ASSERT_EQ(std::memcmp(&s[j * stride + k], &kUntouched, 4), 0) << "padding written, table " << table_name(id);
        }
      });
      EXPECT_EQ(std::memcmp(local.counters, global.counters + block * per_block, per_block * sizeof(AgentCounters)), 0);
      const ScheduleView& staged = *reinterpret_cast<const ScheduleView*>(smem + layout.schedule);
      for (std::uint32_t p = 0; p < staged.n_phases; ++p) {
        const TabularMdp& m = *group.environment->phases[p].mdp;
        const MdpView& v = staged.phase[p];
        EXPECT_EQ(std::vector<std::uint32_t>(v.pair_begin, v.pair_begin + m.pair_begin.size()), m.pair_begin);
        EXPECT_EQ(std::vector<std::uint32_t>(v.next_state, v.next_state + m.n_outcomes()), m.next_state);
        EXPECT_EQ(std::vector<float>(v.reward, v.reward + m.n_outcomes()), m.reward);
        EXPECT_EQ(std::vector<std::uint8_t>(v.terminated, v.terminated + m.n_outcomes()), m.terminated);
        EXPECT_EQ(std::vector<std::uint64_t>(v.outcome_threshold, v.outcome_threshold + m.n_outcomes()), m.outcome_threshold);
        EXPECT_EQ(v.probability, m.probability.data()) << "probabilities stay in global memory";
        EXPECT_EQ(staged.start_step[p], args.schedule.start_step[p]);
      }

      // Staging back what was staged in changes nothing; changing one word of agent 2 of the block
      // in shared memory changes exactly the matching word of chunk agent 6 in global memory.
      for (std::uint32_t t = threads; t-- > 0;) shared_block_phase(2, args, layout, smem, block, t, threads);
      EXPECT_EQ(arena_words, before);
      const std::uint32_t pairs = lengths.pairs;
      local.q[2 * layout.strides.pairs + pairs - 1] = 1234.5f;
      for (std::uint32_t t = threads; t-- > 0;) shared_block_phase(2, args, layout, smem, block, t, threads);
      std::uint64_t changed = 0;
      for (std::size_t w = 0; w < arena_words.size(); ++w) changed += arena_words[w] != before[w];
      EXPECT_EQ(changed, 1u);
      EXPECT_EQ(global.q[6 * pairs + pairs - 1], 1234.5f);
    }
  }
}

// ---- Whole runs of the emulation against the reference ----------------------------------------

TEST(CudaEmulation, EveryKernelVersionMatchesTheReferenceOnEveryShape) {
  expect_every_version_matches_the_reference([](const CudaEngineOptions& o) { return emulated(o); }, Nans::kExactBits);
}

TEST(CudaEmulation, OneLaunchStepAtATimeAndOneAgentPerChunk) {
  const CudaCases all(false);
  const CudaCase& c = all.cases[2];  // the schedule switch, by steps
  const AgentGroup group = group_of(c);
  const GroupResults expected = run_group(*make_reference_engine(), group);
  expect_same(expected, run_group(*emulated(kernel_options(CudaKernel::kShared, 2, 1, 1)), group), group);
  expect_same(expected, run_group(*emulated(kernel_options(CudaKernel::kGlobal, 2, 1, 1)), group), group);
}

TEST(CudaEmulation, ChunksChosenByFreeMemoryGiveTheUnsplitResults) {
  const CudaCases all(false);
  const CudaCase& c = all.cases[6];  // the Dyna maze
  const AgentGroup group = group_of(c);
  const GroupResults expected = run_group(*make_reference_engine(), group);
  DeviceLimits tight = small_device();
  // Room for about 3 agents beside the environment: the plan splits the 12 agents.
  const KernelPlan plan_one = plan_kernels(group, CudaEngineOptions{}, tight);
  const std::uint64_t per_agent = group.table_bytes_per_agent() + metric_bytes_per_agent(group.budget);
  tight.free_bytes = static_cast<std::uint64_t>(
      double(plan_one.environment.bytes + 256 + kArenaOverheadBytes + 3 * per_agent + per_agent / 2) / 0.9);
  const KernelPlan plan = plan_kernels(group, CudaEngineOptions{}, tight);
  EXPECT_EQ(plan.chunk_agents, 3u);
  expect_same(expected, run_group(*emulated(kernel_options(CudaKernel::kAuto), tight), group), group);
}

TEST(CudaEmulation, WithoutKeptTablesTheMetricsAreTheSame) {
  const CudaCases all(false);
  const CudaCase& c = all.cases[5];
  const AgentGroup group = group_of(c, 3, false);
  const GroupResults expected = run_group(*make_reference_engine(), group);
  const GroupResults actual = run_group(*emulated(kernel_options(CudaKernel::kShared, 4, 5, 50)), group);
  EXPECT_TRUE(actual.q.empty());
  expect_same(expected, actual, group);
}

// A wrong stride or offset in the shared layout (the kind of off-by-one the staging arithmetic
// could have) makes the comparison with the reference fail: the tests above would catch it.
TEST(CudaEmulation, AnOffByOneInTheSharedLayoutIsCaught) {
  const CudaCases all(false);
  const CudaCase& c = all.cases[2];  // a steps budget: corrupted counters end in an error, not a hang
  const AgentGroup group = group_of(c);
  const GroupResults expected = run_group(*make_reference_engine(), group);
  // (A layout changed consistently for every phase is still a valid layout unless regions
  // overlap: these make them overlap by one element.)
  const std::uint32_t pairs = c.env->n_states() * c.env->n_actions();
  const std::vector<std::pair<std::string, std::function<void(SharedLayout&)>>> tampers = {
      {"Q stride one word short of the Q-table", [pairs](SharedLayout& l) { l.strides.pairs = pairs - 1; }},
      {"Q region sized for one agent too few", [](SharedLayout& l) {
         l.table[table_id::model_next] = l.table[table_id::q] + 4 * (l.agents_per_block - 1) * l.strides.pairs;
       }},
      {"counters one agent late", [](SharedLayout& l) { l.counters += sizeof(AgentCounters); }},
  };
  for (const auto& [name, tamper] : tampers) {
    EmulationOptions e;
    e.limits = small_device();
    e.tamper_shared_layout = tamper;
    const auto engine = make_device_engine(make_emulated_device(e), kernel_options(CudaKernel::kShared, 4), "cuda-emulated");
    GroupResults actual;
    try {
      engine->run(group, actual, nullptr);
    } catch (const std::runtime_error& e) {
      SCOPED_TRACE(e.what());  // a run that fails on corrupted tables is caught too
      continue;
    }
    EXPECT_NE(first_difference(expected, actual), "") << name << " went unnoticed";
  }
}

TEST(CudaEmulation, TheSelfCheckRefusesADeviceThatComputesWrongBits) {
  const CudaCases all(false);
  const AgentGroup group = group_of(all.cases[1]);
  EmulationOptions e;
  e.limits = small_device();
  const std::uint32_t pairs = group.environment->n_states() * group.environment->n_actions();
  e.tamper_shared_layout = [pairs](SharedLayout& l) { l.strides.pairs = pairs - 1; };
  CudaEngineOptions o = kernel_options(CudaKernel::kShared, 4);
  o.self_check = true;
  GroupResults results;
  try {
    make_device_engine(make_emulated_device(e), o, "cuda")->run(group, results, nullptr);
    ADD_FAILURE() << "the self-check passed a wrong device";
  } catch (const CudaSelfCheckError& error) {
    EXPECT_NE(std::string(error.what()).find("disagrees with the cpu engine on a self-check of 2 agents"),
              std::string::npos)
        << error.what();
  }
  EXPECT_TRUE(results.total_steps.empty()) << "nothing was written";
  // A faithful device passes it.
  e.tamper_shared_layout = nullptr;
  const GroupResults expected = run_group(*make_reference_engine(), group);
  expect_same(expected, run_group(*make_device_engine(make_emulated_device(e), o, "cuda"), group), group);
}

// --backend auto: a GPU that fails its self-check hands the group, and every later one, to the
// cpu engine, with one warning; the results are the reference's bits either way.
TEST(CudaEmulation, AutoFallsBackToTheCpuEngineWhenTheDeviceFailsItsSelfCheck) {
  const CudaCases all(false);
  const AgentGroup group = group_of(all.cases[1]);
  const GroupResults expected = run_group(*make_reference_engine(), group);
  CudaEngineOptions o = kernel_options(CudaKernel::kShared, 4);
  o.self_check = true;
  EmulationOptions e;
  e.limits = small_device();

  std::vector<std::string> warnings;
  const auto record = [&warnings](const std::string& text) { warnings.push_back(text); };
  // A faithful device keeps every group.
  const auto faithful = make_fallback_engine(make_device_engine(make_emulated_device(e), o, "cuda"),
                                             make_cpu_engine(CpuEngineOptions{}), record);
  expect_same(expected, run_group(*faithful, group), group);
  EXPECT_EQ(faithful->name(), "cuda");
  EXPECT_TRUE(warnings.empty());

  const std::uint32_t pairs = group.environment->n_states() * group.environment->n_actions();
  e.tamper_shared_layout = [pairs](SharedLayout& l) { l.strides.pairs = pairs - 1; };
  const auto engine = make_fallback_engine(make_device_engine(make_emulated_device(e), o, "cuda"),
                                           make_cpu_engine(CpuEngineOptions{}), record);
  expect_same(expected, run_group(*engine, group), group);
  expect_same(expected, run_group(*engine, group), group);
  ASSERT_EQ(warnings.size(), 1u) << "one warning, at the first failure";
  EXPECT_NE(warnings[0].find("the cuda engine failed (the cuda engine"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("running the rest on the cpu engine"), std::string::npos) << warnings[0];
  EXPECT_EQ(engine->name(), "cpu");
  EXPECT_NE(engine->device().find("ran 0 group(s) first, then failed: the cuda engine"), std::string::npos)
      << engine->device();
}

// The user's mistakes are not device failures: the fallback would refuse them too.
TEST(CudaEmulation, AutoDoesNotFallBackOnAnInputError) {
  class Refusing final : public Engine {
   public:
    std::string name() const override { return "refusing"; }
    std::string device() const override { return "none"; }
    void run(const AgentGroup&, GroupResults&, const ProgressCallback&) override { throw InputError("bad group"); }
  };
  int warned = 0;
  const auto engine = make_fallback_engine(std::make_unique<Refusing>(), make_cpu_engine(CpuEngineOptions{}),
                                           [&warned](const std::string&) { ++warned; });
  const CudaCases all(false);
  GroupResults results;
  EXPECT_THROW(engine->run(group_of(all.cases[0]), results, nullptr), InputError);
  EXPECT_EQ(warned, 0);
  EXPECT_EQ(engine->name(), "refusing");
}

TEST(CudaEmulation, ProgressCountsFinishedAgentsAndAnInterruptedRunWritesNothing) {
  const CudaCases all(false);
  const AgentGroup group = group_of(all.cases[0]);
  std::vector<std::uint64_t> reports;
  GroupResults results;
  emulated(kernel_options(CudaKernel::kShared, 2, 4, 10))->run(group, results, [&](std::uint64_t done) { reports.push_back(done); });
  ASSERT_FALSE(reports.empty());
  EXPECT_TRUE(std::is_sorted(reports.begin(), reports.end()));
  EXPECT_EQ(reports.back(), group.n_agents());

  GroupResults untouched;
  untouched.total_steps = {42};
  EXPECT_THROW(emulated(kernel_options(CudaKernel::kGlobal, 32, 4, 10))
                   ->run(group, untouched, [](std::uint64_t done) {
                     if (done >= 4) throw std::runtime_error("interrupted");
                   }),
               std::runtime_error);
  EXPECT_EQ(untouched.total_steps, std::vector<std::uint64_t>{42});
}

TEST(CudaEmulation, InvalidGroupsAreRefusedBeforeAnythingRuns) {
  const auto slippery =
      single_phase(std::make_shared<TabularMdp>(testing_support::chain_with_slip(8)), "slippery");
  AgentGroup group;
  group.environment = &slippery;
  group.seeds_per_point = 1;
  group.budget = step_budget(10, 10);
  group.points = {testing_support::with_counts(point(0.1f, 0.9f, 0.1, 1), BackupKind::kSample, 2)};
  EXPECT_THROW(run_group(*emulated(kernel_options(CudaKernel::kAuto)), group), InputError);
}

TEST(CudaKernelNames, ParseAndPrint) {
  for (CudaKernel k : {CudaKernel::kAuto, CudaKernel::kGlobal, CudaKernel::kShared})
    EXPECT_EQ(parse_cuda_kernel(cuda_kernel_name(k)), k);
  EXPECT_THROW(parse_cuda_kernel("fast"), InputError);
}

}  // namespace
}  // namespace dynaq
