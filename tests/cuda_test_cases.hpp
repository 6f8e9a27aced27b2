// The groups the cuda engine is checked on, against the reference engine: on the host emulation
// of the device (cuda_emulation_test.cpp) and on a GPU (cuda_engine_test.cpp).
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dynaq/detail/cuda_engine_driver.hpp"
#include "dynaq/engine.hpp"
#include "dynaq/environment.hpp"
#include "dynaq/random.hpp"
#include "engine_test_support.hpp"

namespace dynaq::testing_support {

struct CudaCase {
  std::string label;
  const Environment* env;
  std::vector<AgentParams> points;
  RunBudget budget;
  std::uint32_t seeds;
  bool fits_shared = true;  // its tables fit a block's shared memory on an H100
};

// Owns the environments the cases point to.
class CudaCases {
 public:
  // `large`: also the 100x100 random maze (tables of 640 KB per agent: the global kernel only).
  explicit CudaCases(bool large) {
    const Environment* corridor12 = keep(single_phase(std::make_shared<TabularMdp>(corridor(12)), "corridor"));
    const Environment* slippery9 = keep(single_phase(std::make_shared<TabularMdp>(chain_with_slip(9)), "slippery"));
    const Environment* slippery8 = keep(single_phase(std::make_shared<TabularMdp>(chain_with_slip(8)), "slippery"));
    Environment schedule;
    schedule.name = "corridor then slippery";
    schedule.phases = {{0, std::make_shared<TabularMdp>(corridor(9))}, {150, std::make_shared<TabularMdp>(chain_with_slip(9))}};
    const Environment* switching = keep(std::move(schedule));
    const Environment* dyna = keep(load_environment("dyna-maze"));
    const Environment* blocking = keep(load_environment("blocking-maze"));
    const Environment* lake = keep(load_environment("frozen-lake-4x4"));
    const Environment* overflowing =
        keep(single_phase(std::make_shared<TabularMdp>(overflowing_corridor(6)), "overflowing"));

    cases.push_back({"deterministic corridor, grid over n and alpha", corridor12,
                     {point(0.1f, 0.95f, 0.1, 0), point(0.5f, 0.9f, 0.1, 5), point(1.0f, 1.0f, 0.0, 20)},
                     episode_budget(15), 5});
    cases.push_back({"stochastic chain, start distribution, states-then-actions draws, step limit", slippery9,
                     {point(0.2f, 0.9f, 0.3, 3, 0.0f, PlanningDraw::kStates, 40),
                      point(0.2f, 0.9f, 0.3, 3, 1.0f, PlanningDraw::kPairs, 7)},
                     episode_budget(12), 6});
    cases.push_back({"schedule switch at step 150, steps budget", switching,
                     {point(0.1f, 0.95f, 0.1, 10), point(0.3f, 0.95f, 1.0, 2, -0.5f, PlanningDraw::kStates, 25)},
                     step_budget(400, 37), 5});
    cases.push_back({"Dyna-Q+ (pairs and states draws) and the bonus in action selection, across a switch", switching,
                     {with_algorithm(point(0.1f, 0.95f, 0.1, 10), Algorithm::kDynaQPlus, 0.01f),
                      with_algorithm(point(0.1f, 0.95f, 0.1, 4, 0.0f, PlanningDraw::kStates), Algorithm::kDynaQPlus, 0.05f),
                      with_algorithm(point(0.2f, 0.9f, 0.05, 5), Algorithm::kDynaQPlusAction, 0.02f)},
                     step_budget(500, 50), 4});
    cases.push_back({"prioritized sweeping, with and without the direct update, across a switch", switching,
                     {with_algorithm(point(0.5f, 0.95f, 0.1, 5), Algorithm::kPrioritized, 0.0001f),
                      with_algorithm(point(0.5f, 0.95f, 0.1, 20, 0.0f, PlanningDraw::kPairs, 60),
                                     Algorithm::kPrioritizedDirect, 0.0f)},
                     step_budget(600, 100), 4});
    cases.push_back({"count-based models, sample and expected backups, beside the last-outcome model", slippery8,
                     {with_counts(point(0.1f, 0.9f, 0.2, 6), BackupKind::kSample, 3),
                      with_counts(point(0.1f, 0.9f, 0.2, 6, 0.5f, PlanningDraw::kStates), BackupKind::kExpected, 5),
                      with_counts(with_algorithm(point(0.1f, 0.9f, 0.2, 3), Algorithm::kDynaQPlus, 0.01f),
                                  BackupKind::kExpected, 3),
                      point(0.1f, 0.9f, 0.2, 6)},
                     step_budget(700, 70), 3});
    cases.push_back({"the Dyna maze, n = 0, 5, 50, with greedy rollouts", dyna,
                     {point(0.1f, 0.95f, 0.1, 0), point(0.1f, 0.95f, 0.1, 5), point(0.1f, 0.95f, 0.1, 50)},
                     episode_budget(8, 60), 4});
    cases.push_back({"the blocking maze across its switch at step 1000", blocking,
                     {point(1.0f, 0.95f, 0.1, 10), with_algorithm(point(1.0f, 0.95f, 0.1, 10), Algorithm::kDynaQPlus, 0.001f)},
                     step_budget(1400, 200), 3});
    cases.push_back({"FrozenLake 4x4, slippery, with its step limit", lake,
                     {point(0.1f, 0.99f, 0.1, 5, 0.0f, PlanningDraw::kPairs, 100),
                      with_counts(point(0.1f, 0.99f, 0.1, 5, 0.0f, PlanningDraw::kPairs, 100), BackupKind::kExpected, 3)},
                     episode_budget(40), 4});
    // Q overflows to infinity, then NaN, in the kernels too (engine_parity_test.cpp checks that
    // the reference's tables hold both).
    cases.push_back({"rewards near the float maximum: Q overflows to infinity, then NaN", overflowing,
                     {point(0.5f, 0.99f, 0.1, 5), with_algorithm(point(0.5f, 0.99f, 0.1, 5), Algorithm::kPrioritized, 0.0f),
                      with_counts(point(0.5f, 0.99f, 0.1, 3), BackupKind::kExpected, 1),
                      with_algorithm(point(0.5f, 0.99f, 0.1, 5, 0.0f, PlanningDraw::kStates), Algorithm::kDynaQPlus, 1e38f)},
                     step_budget(200, 50), 3});
    if (large) {
      const Environment* big = keep(load_environment("random-maze:100x100:1"));
      cases.push_back({"random-maze:100x100:1", big, {point(0.1f, 0.95f, 0.1, 5)}, step_budget(3000, 500), 3, false});
    }
  }

  std::vector<CudaCase> cases;

 private:
  const Environment* keep(Environment env) {
    environments_.push_back(std::move(env));
    return &environments_.back();
  }
  std::deque<Environment> environments_;  // stable addresses
};

// A small emulated device: 1 GiB free, two multiprocessors (so that plans put many agents in a
// block), an H100's shared memory per block, 256 threads per block.
inline EmulationOptions small_emulated_device() {
  EmulationOptions device;
  device.limits = hopper_limits(std::uint64_t{1} << 30);
  device.limits.multiprocessors = 2;
  device.limits.max_threads_global = 256;
  device.limits.max_threads_shared = 256;
  return device;
}

inline AgentGroup group_of(const CudaCase& c, std::uint64_t seed = 20261125, bool keep_tables = true) {
  AgentGroup group;
  group.environment = c.env;
  group.points = c.points;
  group.seeds_per_point = c.seeds;
  group.first_agent = 17;
  group.sweep_seed = seed;
  group.budget = c.budget;
  group.keep_tables = keep_tables;
  return group;
}

// A kernel version with its launch shape, self-check off (the tests compare with the reference).
inline CudaEngineOptions kernel_options(CudaKernel kernel, std::uint32_t per_block = 0, std::uint32_t chunk = 0,
                                        std::uint64_t steps = 0) {
  CudaEngineOptions o;
  o.kernel = kernel;
  if (kernel == CudaKernel::kShared) o.agents_per_block = per_block;
  else o.threads_per_block = per_block;
  o.max_chunk_agents = chunk;
  o.steps_per_launch = steps;
  o.self_check = false;
  return o;
}

// The same, planning from each agent's model tables even where they are bound to equal the
// environment (CudaEngineOptions::model_from_environment off).
inline CudaEngineOptions with_model_tables(CudaEngineOptions o) {
  o.model_from_environment = false;
  return o;
}

inline std::string describe(const CudaEngineOptions& o) {
  return cuda_kernel_name(o.kernel) + " kernel, " + std::to_string(o.agents_per_block + o.threads_per_block) +
         " per block, chunks of " + std::to_string(o.max_chunk_agents) + ", " + std::to_string(o.steps_per_launch) +
         " steps per launch" + (o.model_from_environment ? "" : ", model tables always read");
}

// Every kernel version the cases run on: auto, and each version with odd block sizes, chunks
// and launch lengths, planning from the environment where it may and from the model tables.
inline std::vector<CudaEngineOptions> every_version() {
  return {kernel_options(CudaKernel::kAuto),
          kernel_options(CudaKernel::kGlobal),
          kernel_options(CudaKernel::kGlobal, 32, 7, 13),
          kernel_options(CudaKernel::kGlobal, 1, 5, 1000),
          with_model_tables(kernel_options(CudaKernel::kGlobal, 32, 7, 13)),
          kernel_options(CudaKernel::kShared),
          kernel_options(CudaKernel::kShared, 1, 5, 7),
          kernel_options(CudaKernel::kShared, 3, 0, 13),
          kernel_options(CudaKernel::kShared, 5, 11, 100),
          kernel_options(CudaKernel::kShared, 33, 0, 0),
          with_model_tables(kernel_options(CudaKernel::kShared, 5, 11, 100))};
}

// Every bit, with expect_identical's detail and first_difference's verdict (which takes any two
// NaNs alike, as the engine's self-check does).
inline void expect_same(const GroupResults& expected, const GroupResults& actual, const AgentGroup& group,
                        Nans nans = Nans::kExactBits) {
  testing_support::expect_identical(expected, actual, group, nans);
  EXPECT_EQ(first_difference(expected, actual), "");
}

// Every case (CudaCases(true)) on every kernel version (every_version) that fits it, against the
// reference engine, on the engines `make` returns (NaNs compared as `nans` says).
inline void expect_every_version_matches_the_reference(
    const std::function<std::unique_ptr<Engine>(const CudaEngineOptions&)>& make, Nans nans) {
  const CudaCases all(true);
  for (const CudaCase& c : all.cases) {
    SCOPED_TRACE(c.label);
    const AgentGroup group = group_of(c);
    const GroupResults expected = run_group(*make_reference_engine(), group);
    for (const CudaEngineOptions& o : every_version()) {
      if (o.kernel == CudaKernel::kShared && !c.fits_shared) continue;
      SCOPED_TRACE(describe(o));
      expect_same(expected, run_group(*make(o), group), group, nans);
    }
  }
}

}  // namespace dynaq::testing_support
