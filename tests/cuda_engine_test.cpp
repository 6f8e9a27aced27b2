// The cuda engine and value iteration on a GPU, bit for bit against the reference engine and the
// host solver. Without a GPU every test here skips, saying why (query_gpu's reason), except the
// ones that check the errors a machine without a GPU must give. cuda_emulation_test.cpp runs the
// same cases through the host emulation of the device everywhere.
//
// CudaSanitizer.* are small runs of every kernel, meant for compute-sanitizer (memcheck,
// racecheck), which slows kernels by orders of magnitude: scripts/gpu_check.sh runs them so.
// DISABLED_CudaTiming.* print timings of every kernel version for the log of a GPU session.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <tuple>
#include <utility>

#include "cli_test_support.hpp"
#include "cuda_test_cases.hpp"
#include "dynaq/cuda_runtime_checks.hpp"
#include "dynaq/cuda_value_iteration.hpp"
#include "dynaq/detail/cuda_engine_driver.hpp"
#include "dynaq/engine.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/generators.hpp"
#include "dynaq/value_iteration.hpp"
#include "engine_test_support.hpp"

namespace dynaq {
namespace {

using testing_support::Nans;
using testing_support::CudaCase;
using testing_support::CudaCases;
using testing_support::describe;
using testing_support::every_version;
using testing_support::expect_same;
using testing_support::expect_every_version_matches_the_reference;
using testing_support::group_of;
using testing_support::kernel_options;
using testing_support::point;
using testing_support::run_group;

#define DYNAQ_REQUIRE_GPU()                                            \
  do {                                                                 \
    const GpuStatus gpu_ = query_gpu();                                \
    if (!gpu_.present) GTEST_SKIP() << "no GPU: " << gpu_.reason;      \
  } while (0)




// ---- Without a GPU: clear errors ----------------------------------------------------------------

TEST(CudaEngineWithoutGpu, MakingTheEngineSaysWhy) {
  const GpuStatus gpu = query_gpu();
  if (gpu.present) GTEST_SKIP() << "a GPU is present: " << gpu.name;
  try {
    make_cuda_engine(CudaEngineOptions{});
    ADD_FAILURE() << "made a cuda engine without a GPU";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "no usable GPU: " + gpu.reason);
  }
  const Environment env = load_environment("frozen-lake-4x4");
  EXPECT_THROW(value_iteration_cuda(env.first(), ValueIterationOptions{}), std::runtime_error);
#ifdef DYNAQ_HAVE_CUDA
  // With the CUDA code built, bad options are input errors before any device is looked for (as
  // the host solver's); a build without it says "no GPU" first.
  ValueIterationOptions bad;
  bad.gamma = 2.0;
  EXPECT_THROW(value_iteration_cuda(env.first(), bad), InputError);
#endif
}

// ---- The engine on a GPU ----------------------------------------------------------------------

TEST(CudaEngine, EveryKernelVersionMatchesTheReferenceOnEveryShape) {
  DYNAQ_REQUIRE_GPU();
  expect_every_version_matches_the_reference([](const CudaEngineOptions& o) { return make_cuda_engine(o); },
                                             Nans::kAnyNan);
}

// Many agents per block and many blocks: the cpu engine is the (faster) oracle here, itself
// checked against the reference by engine_parity_test.cpp.
TEST(CudaEngine, ThousandsOfAgentsMatchTheCpuEngineWithAndWithoutChunks) {
  DYNAQ_REQUIRE_GPU();
  const CudaCases all(false);
  for (std::size_t k : {std::size_t{1}, std::size_t{6}, std::size_t{7}}) {  // stochastic chain, Dyna maze, blocking maze
    CudaCase c = all.cases[k];
    c.seeds = 700;
    SCOPED_TRACE(c.label);
    const AgentGroup group = group_of(c, 99);
    const GroupResults expected = run_group(*make_cpu_engine(CpuEngineOptions{0, 0, 0}), group);
    for (const CudaEngineOptions& o : {kernel_options(CudaKernel::kAuto), kernel_options(CudaKernel::kGlobal, 0, 333),
                                       kernel_options(CudaKernel::kShared, 0, 1000), kernel_options(CudaKernel::kShared, 64)}) {
      SCOPED_TRACE(describe(o));
      expect_same(expected, run_group(*make_cuda_engine(o), group), group, Nans::kAnyNan);
    }
  }
}

TEST(CudaEngine, TheSelfCheckPassesAndTheEngineNamesItsDevice) {
  DYNAQ_REQUIRE_GPU();
  const CudaCases all(false);
  const AgentGroup group = group_of(all.cases[6]);
  CudaEngineOptions o;  // defaults: auto kernel, self-check on
  const auto engine = make_cuda_engine(o);
  EXPECT_EQ(engine->name(), "cuda");
  EXPECT_NE(engine->device().find(query_gpu().name), std::string::npos) << engine->device();
  expect_same(run_group(*make_reference_engine(), group), run_group(*engine, group), group, Nans::kAnyNan);
}

TEST(CudaEngine, TheStraightforwardEntryPointStillMatches) {
  DYNAQ_REQUIRE_GPU();
  const CudaCases all(false);
  const AgentGroup group = group_of(all.cases[0]);
  GroupResults actual;
  run_group_on_gpu(group, actual);
  expect_same(run_group(*make_reference_engine(), group), actual, group, Nans::kAnyNan);
}

TEST(CudaEngine, ProgressReachesEveryAgentAndImpossibleOptionsAreRefused) {
  DYNAQ_REQUIRE_GPU();
  const CudaCases all(false);
  const AgentGroup group = group_of(all.cases[0]);
  std::uint64_t last = 0;
  GroupResults results;
  make_cuda_engine(kernel_options(CudaKernel::kShared, 2, 4, 10))->run(group, results, [&](std::uint64_t done) { last = done; });
  EXPECT_EQ(last, group.n_agents());
  EXPECT_THROW(run_group(*make_cuda_engine(kernel_options(CudaKernel::kShared, 100000)), group), InputError);
  const Environment big = load_environment("random-maze:100x100:1");
  AgentGroup large = group;
  large.environment = &big;
  EXPECT_THROW(run_group(*make_cuda_engine(kernel_options(CudaKernel::kShared)), large), InputError);
}

// ---- Value iteration on a GPU -----------------------------------------------------------------

void expect_same_solution(const ValueIterationResult& expected, const ValueIterationResult& actual) {
  EXPECT_EQ(expected.iterations, actual.iterations);
  EXPECT_EQ(std::memcmp(&expected.residual, &actual.residual, sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(&expected.v_start, &actual.v_start, sizeof(double)), 0);
  ASSERT_EQ(expected.v.size(), actual.v.size());
  ASSERT_EQ(expected.q.size(), actual.q.size());
  EXPECT_EQ(std::memcmp(expected.v.data(), actual.v.data(), expected.v.size() * sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(expected.q.data(), actual.q.data(), expected.q.size() * sizeof(double)), 0);
}

TEST(CudaValueIteration, EverySweepHasTheHostsBits) {
  DYNAQ_REQUIRE_GPU();
  for (const std::string spec : {"dyna-maze", "frozen-lake-8x8", "taxi", "random-maze:300x300:2", "garnet:5000:4:3:7"})
    for (double gamma : {0.9, 0.99}) {
      SCOPED_TRACE(spec + ", gamma " + std::to_string(gamma));
      const Environment env = load_environment(spec);
      ValueIterationOptions o;
      o.gamma = gamma;
      expect_same_solution(value_iteration(env.first(), o), value_iteration_cuda(env.first(), o));
    }
}

TEST(CudaValueIteration, ErrorsAreTheHostsErrors) {
  DYNAQ_REQUIRE_GPU();
  // Too few sweeps for a slow contraction; and for values that are still arriving (the far
  // corner of a 300x300 maze is hundreds of steps from the goal).
  for (const auto& [spec, gamma, sweeps] : {std::tuple<std::string, double, std::uint64_t>{"dyna-maze", 0.999, 5},
                                            {"random-maze:300x300:2", 0.9, 300}}) {
    SCOPED_TRACE(spec);
    const Environment env = load_environment(spec);
    ValueIterationOptions o;
    o.gamma = gamma;
    o.max_iterations = sweeps;
    std::string host, device;
    try {
      value_iteration(env.first(), o);
    } catch (const ConvergenceError& e) {
      host = e.what();
    }
    try {
      value_iteration_cuda(env.first(), o);
    } catch (const ConvergenceError& e) {
      device = e.what();
    }
    EXPECT_FALSE(host.empty());
    EXPECT_EQ(host, device);
  }
}

// ---- dynaq solve --backend -----------------------------------------------------------------

using testing_support::contains;
using testing_support::run_dynaq;

TEST(CudaSolveCommand, TheBackendIsChosenCheckedAndReported) {
  const auto cpu = run_dynaq("solve --env dyna-maze --backend cpu --json");
  EXPECT_EQ(cpu.exit_code, 0) << cpu.err;
  EXPECT_TRUE(contains(cpu.out, "\"backend\": \"cpu\"")) << cpu.out;
  // auto keeps small MDPs on the CPU even with a GPU present.
  const auto small = run_dynaq("solve --env dyna-maze --json");
  EXPECT_TRUE(contains(small.out, "\"backend\": \"cpu\"")) << small.out;
  const auto bad = run_dynaq("solve --env dyna-maze --backend gpu");
  EXPECT_EQ(bad.exit_code, kExitInputError);
  EXPECT_TRUE(contains(bad.err, "--backend gpu: expected auto, cpu or cuda")) << bad.err;

  const GpuStatus gpu = query_gpu();
  const auto cuda = run_dynaq("solve --env dyna-maze --backend cuda --json");
  if (!gpu.present) {
    EXPECT_EQ(cuda.exit_code, kExitRuntimeError) << cuda.out;
    EXPECT_TRUE(contains(cuda.err, "--backend cuda: no usable GPU: " + gpu.reason)) << cuda.err;
    EXPECT_TRUE(cuda.out.empty()) << cuda.out;
    return;
  }
  EXPECT_EQ(cuda.exit_code, 0) << cuda.err;
  EXPECT_TRUE(contains(cuda.out, "\"backend\": \"cuda\"")) << cuda.out;
  // Everything but the backend is the same text, to the last digit.
  std::string same = cuda.out;
  same.replace(same.find("\"cuda\""), 6, "\"cpu\"");
  EXPECT_EQ(same, cpu.out);
}

// A whole run on the GPU, statistics over seeds included (cuda_statistics.hpp), writes the cpu
// engine's bytes; only summary.json says where it ran.
TEST(CudaRunCommand, CurvesAndPointsAreTheCpuEnginesBytes) {
  DYNAQ_REQUIRE_GPU();
  testing_support::TempFolder dir;
  const std::string grid = "run --env dyna-maze,frozen-lake-4x4,random-maze:30x30:2 -n 0,5 --seeds 300 --episodes 20 -q ";
  const auto cpu = run_dynaq(grid + "--backend cpu --out '" + dir / "cpu" + "'");
  ASSERT_EQ(cpu.exit_code, 0) << cpu.err;
  const auto cuda = run_dynaq(grid + "--backend cuda --out '" + dir / "cuda" + "'");
  ASSERT_EQ(cuda.exit_code, 0) << cuda.err;
  for (const char* file : {"/curves.csv", "/points.csv"})
    EXPECT_EQ(testing_support::read_file(dir / "cpu" + file), testing_support::read_file(dir / "cuda" + file)) << file;
  EXPECT_TRUE(contains(testing_support::read_file(dir / "cuda/summary.json"), "\"statistics\": \"cuda\""));
  // auto takes the GPU when there is one, and the same bytes come out.
  const auto automatic = run_dynaq(grid + "--out '" + dir / "auto" + "'");
  ASSERT_EQ(automatic.exit_code, 0) << automatic.err;
  EXPECT_TRUE(automatic.err.empty()) << "no fallback warning: " << automatic.err;
  EXPECT_EQ(testing_support::read_file(dir / "cpu/curves.csv"), testing_support::read_file(dir / "auto/curves.csv"));
  EXPECT_TRUE(contains(testing_support::read_file(dir / "auto/summary.json"), "\"engine\": \"cuda\""));
}

// ---- Small runs for compute-sanitizer ---------------------------------------------------------

TEST(CudaSanitizer, EveryKernelOnSmallGroups) {
  DYNAQ_REQUIRE_GPU();
  const CudaCases all(false);
  for (std::size_t k : {std::size_t{2}, std::size_t{4}, std::size_t{5}, std::size_t{6}}) {
    CudaCase c = all.cases[k];
    c.seeds = 2;
    if (c.budget.kind == BudgetKind::kEpisodes) c.budget.episodes = 2;
    SCOPED_TRACE(c.label);
    const AgentGroup group = group_of(c);
    const GroupResults expected = run_group(*make_reference_engine(), group);
    for (const CudaEngineOptions& o : {kernel_options(CudaKernel::kGlobal, 32, 3, 50), kernel_options(CudaKernel::kShared, 4, 5, 50),
                                       kernel_options(CudaKernel::kShared, 0, 0, 0)}) {
      SCOPED_TRACE(describe(o));
      expect_same(expected, run_group(*make_cuda_engine(o), group), group, Nans::kAnyNan);
    }
  }
  const Environment lake = load_environment("frozen-lake-8x8");
  expect_same_solution(value_iteration(lake.first(), ValueIterationOptions{}),
                       value_iteration_cuda(lake.first(), ValueIterationOptions{}));
}

// ---- Timings, for the log of a GPU session ----------------------------------------------------

TEST(CudaTiming, DISABLED_KernelVersionsOnTheDynaMaze) {
  DYNAQ_REQUIRE_GPU();
  const Environment env = load_environment("dyna-maze");
  for (std::uint32_t n : {0u, 5u, 50u})
    for (std::uint32_t agents : {10000u, 100000u}) {
      AgentGroup group;
      group.environment = &env;
      group.points = {point(0.1f, 0.95f, 0.1, n)};
      group.seeds_per_point = agents;
      group.budget = testing_support::step_budget(2000, 200);
      // Each kernel version planning from the environment (plain Dyna-Q on this fixed maze) and
      // from the model tables.
      for (const auto& [kernel, model_from_environment] :
           {std::pair{CudaKernel::kGlobal, true}, std::pair{CudaKernel::kShared, true},
            std::pair{CudaKernel::kGlobal, false}, std::pair{CudaKernel::kShared, false}}) {
        CudaEngineOptions options = kernel_options(kernel);
        options.model_from_environment = model_from_environment;
        const auto engine = make_cuda_engine(options);
        GroupResults results;
        engine->run(group, results, nullptr);  // warm-up
        const auto start = std::chrono::steady_clock::now();
        engine->run(group, results, nullptr);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double updates = double(agents) * 2000.0 * (1.0 + n);
        std::cout << "dyna-maze n=" << n << " agents=" << agents << " kernel=" << cuda_kernel_name(kernel)
                  << " model=" << (model_from_environment ? "environment" : "tables") << ": " << seconds << " s, "
                  << updates / seconds << " Q backups/s\n";
      }
    }
}

}  // namespace
}  // namespace dynaq
