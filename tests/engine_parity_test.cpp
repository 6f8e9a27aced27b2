// The reference and cpu engines give bit-identical results: Q-tables, models, observed-pair
// lists and per-episode metrics, for any thread count and batch size (DESIGN.md section 3); and
// on random MDPs and parameters, so does the host emulation of the cuda engine.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <cstdlib>
#include <random>
#include <sstream>

#include "cuda_test_cases.hpp"
#include "dynaq/cuda_runtime_checks.hpp"
#include "dynaq/detail/agent_core.hpp"
#include "dynaq/detail/cuda_engine_driver.hpp"
#include "dynaq/engine.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/random.hpp"
#include "engine_test_support.hpp"

namespace dynaq {
namespace {

using testing_support::Nans;
using testing_support::chain_with_slip;
using testing_support::corridor;
using testing_support::episode_budget;
using testing_support::expect_identical;
using testing_support::overflowing_corridor;
using testing_support::point;
using testing_support::run_group;
using testing_support::step_budget;
using testing_support::with_algorithm;
using testing_support::with_counts;

struct ParityCase {
  std::string label;
  Environment env;
  std::vector<AgentParams> points;
  RunBudget budget;
};

std::vector<ParityCase> parity_cases() {
  std::vector<ParityCase> cases;
  cases.push_back({"deterministic corridor, grid over n and alpha",
                   single_phase(std::make_shared<TabularMdp>(corridor(12)), "corridor"),
                   {point(0.1f, 0.95f, 0.1, 0), point(0.5f, 0.9f, 0.1, 5), point(1.0f, 1.0f, 0.0, 20)},
                   episode_budget(15)});
  cases.push_back({"stochastic chain with start distribution, states-then-actions draws, step limit",
                   single_phase(std::make_shared<TabularMdp>(chain_with_slip(9)), "slippery"),
                   {point(0.2f, 0.9f, 0.3, 3, 0.0f, PlanningDraw::kStates, 40),
                    point(0.2f, 0.9f, 0.3, 3, 1.0f, PlanningDraw::kPairs, 7)},
                   episode_budget(12)});
  Environment schedule;
  schedule.name = "corridor then slippery";
  schedule.phases = {{0, std::make_shared<TabularMdp>(corridor(9))},
                     {150, std::make_shared<TabularMdp>(chain_with_slip(9))}};
  cases.push_back({"schedule switch at step 150, steps budget",
                   schedule,
                   {point(0.1f, 0.95f, 0.1, 10), point(0.3f, 0.95f, 1.0, 2, -0.5f, PlanningDraw::kStates, 25)},
                   step_budget(400, 37)});
  cases.push_back({"Dyna-Q+ (pairs and states draws) and the bonus in action selection, across a switch",
                   schedule,
                   {with_algorithm(point(0.1f, 0.95f, 0.1, 10), Algorithm::kDynaQPlus, 0.01f),
                    with_algorithm(point(0.1f, 0.95f, 0.1, 4, 0.0f, PlanningDraw::kStates), Algorithm::kDynaQPlus, 0.05f),
                    with_algorithm(point(0.2f, 0.9f, 0.05, 5), Algorithm::kDynaQPlusAction, 0.02f)},
                   step_budget(500, 50)});
  cases.push_back({"prioritized sweeping, with and without the direct update, across a switch",
                   schedule,
                   {with_algorithm(point(0.5f, 0.95f, 0.1, 5), Algorithm::kPrioritized, 0.0001f),
                    with_algorithm(point(0.5f, 0.95f, 0.1, 20, 0.0f, PlanningDraw::kPairs, 60), Algorithm::kPrioritizedDirect, 0.0f)},
                   step_budget(600, 100)});
  cases.push_back({"prioritized sweeping by episodes on the corridor",
                   single_phase(std::make_shared<TabularMdp>(corridor(15)), "corridor"),
                   {with_algorithm(point(1.0f, 0.9f, 0.1, 3), Algorithm::kPrioritized, 0.001f),
                    with_algorithm(point(0.3f, 0.9f, 0.2, 8), Algorithm::kPrioritizedDirect, 0.0f)},
                   episode_budget(10)});
  cases.push_back({"count-based models, sample and expected backups, mixed with the last-outcome model",
                   single_phase(std::make_shared<TabularMdp>(chain_with_slip(8)), "slippery"),
                   {with_counts(point(0.1f, 0.9f, 0.2, 6), BackupKind::kSample, 3),
                    with_counts(point(0.1f, 0.9f, 0.2, 6, 0.5f, PlanningDraw::kStates), BackupKind::kExpected, 5),
                    with_counts(with_algorithm(point(0.1f, 0.9f, 0.2, 3), Algorithm::kDynaQPlus, 0.01f), BackupKind::kExpected, 3),
                    point(0.1f, 0.9f, 0.2, 6)},
                   step_budget(700, 70)});
  // Kept last: the tests above take earlier cases by index.
  cases.push_back({"rewards near the float maximum: Q overflows to infinity, then NaN",
                   single_phase(std::make_shared<TabularMdp>(overflowing_corridor(6)), "overflowing"),
                   {point(0.5f, 0.99f, 0.1, 5), with_algorithm(point(0.5f, 0.99f, 0.1, 5), Algorithm::kPrioritized, 0.0f),
                    with_counts(point(0.5f, 0.99f, 0.1, 3), BackupKind::kExpected, 1),
                    with_algorithm(point(0.5f, 0.99f, 0.1, 5, 0.0f, PlanningDraw::kStates), Algorithm::kDynaQPlus, 1e38f),
                    with_algorithm(point(0.5f, 0.99f, 0.1, 5), Algorithm::kDynaQPlusAction, 1e38f)},
                   step_budget(200, 50)});
  return cases;
}

AgentGroup group_of(const ParityCase& c, std::uint32_t seeds, std::uint64_t seed) {
  AgentGroup group;
  group.environment = &c.env;
  group.points = c.points;
  group.seeds_per_point = seeds;
  group.first_agent = 17;
  group.sweep_seed = seed;
  group.budget = c.budget;
  group.keep_tables = true;
  return group;
}

TEST(EngineParity, CpuMatchesReferenceForEveryThreadCountAndBatchSize) {
  for (const ParityCase& c : parity_cases()) {
    SCOPED_TRACE(c.label);
    const AgentGroup group = group_of(c, 7, 20261125);
    const GroupResults expected = run_group(*make_reference_engine(), group);
    for (int threads : {1, 2, 8})
      for (std::uint32_t batch : {0u, 1u, 3u, 64u}) {
        SCOPED_TRACE("threads " + std::to_string(threads) + ", batch " + std::to_string(batch));
        const GroupResults actual = run_group(*make_cpu_engine(CpuEngineOptions{threads, batch, 0}), group);
        expect_identical(expected, actual, group);
      }
  }
}

// One engine runs a sweep's chunks one after another, reusing its tables: whatever ran before
// (another environment, other variants, more agents) must not show in the next result.
TEST(EngineParity, AnEngineReusedAcrossGroupsGivesEachGroupsOwnBits) {
  const std::vector<ParityCase> cases = parity_cases();
  const auto engine = make_cpu_engine(CpuEngineOptions{2, 5, 0});
  // Every case, then every case again in reverse order: tables shrink and grow between runs.
  std::vector<std::size_t> order;
  for (std::size_t k = 0; k < cases.size(); ++k) order.push_back(k);
  for (std::size_t k = cases.size(); k-- > 0;) order.push_back(k);
  for (const std::size_t k : order) {
    SCOPED_TRACE(cases[k].label);
    const AgentGroup group = group_of(cases[k], 4 + static_cast<std::uint32_t>(k), 99);
    expect_identical(run_group(*make_reference_engine(), group), run_group(*engine, group), group);
  }
}

// The shared core run by the straightforward CUDA kernel gives the reference's bits.
TEST(EngineParity, GpuKernelMatchesReference) {
  const GpuStatus gpu = query_gpu();
  if (!gpu.present) GTEST_SKIP() << "no GPU: " << gpu.reason;
  for (const ParityCase& c : parity_cases()) {
    SCOPED_TRACE(c.label);
    const AgentGroup group = group_of(c, 33, 20261125);
    const GroupResults expected = run_group(*make_reference_engine(), group);
    GroupResults actual;
    run_group_on_gpu(group, actual);
    expect_identical(expected, actual, group);
  }
}

TEST(EngineParity, SameSeedSameBytesOtherSeedOtherBytes) {
  const ParityCase c = parity_cases()[6];
  const AgentGroup group = group_of(c, 5, 1);
  const GroupResults a = run_group(*make_cpu_engine({2, 0, 0}), group);
  const GroupResults b = run_group(*make_cpu_engine({1, 2, 0}), group);
  expect_identical(a, b, group);
  const GroupResults other = run_group(*make_cpu_engine({2, 0, 0}), group_of(c, 5, 2));
  EXPECT_NE(0, std::memcmp(a.q.data(), other.q.data(), a.q.size() * sizeof(float)));
  EXPECT_NE(a.bucket_cumulative_reward, other.bucket_cumulative_reward);
}

// Each variant changes what is computed: a parity test over variants that silently ran plain
// Dyna-Q would prove nothing.
TEST(EngineParity, EveryVariantChangesTheResults) {
  const auto slippery = single_phase(std::make_shared<TabularMdp>(chain_with_slip(8)), "slippery");
  const AgentParams plain = point(0.2f, 0.9f, 0.1, 5);
  const std::vector<std::pair<std::string, AgentParams>> variants = {
      {"dyna-q-plus", with_algorithm(plain, Algorithm::kDynaQPlus, 0.05f)},
      {"dyna-q-plus-action", with_algorithm(plain, Algorithm::kDynaQPlusAction, 0.05f)},
      {"prioritized", with_algorithm(plain, Algorithm::kPrioritized, 0.0f)},
      {"prioritized-direct", with_algorithm(plain, Algorithm::kPrioritizedDirect, 0.0f)},
      {"counts, sample", with_counts(plain, BackupKind::kSample, 3)},
      {"counts, expected", with_counts(plain, BackupKind::kExpected, 3)},
  };
  AgentGroup group;
  group.environment = &slippery;
  group.seeds_per_point = 1;
  group.sweep_seed = 5;
  group.budget = step_budget(300, 300);
  group.keep_tables = true;
  group.points = {plain};
  const GroupResults base = run_group(*make_cpu_engine({1, 0, 0}), group);
  EXPECT_GT(base.bucket_model_error[0], 0.0) << "the last outcome of a slippery move is often wrong";
  EXPECT_EQ(base.planning_updates[0], 300u * 5);
  for (const auto& [name, p] : variants) {
    group.points = {p};
    const GroupResults other = run_group(*make_cpu_engine({1, 0, 0}), group);
    EXPECT_NE(0, std::memcmp(base.q.data(), other.q.data(), base.q.size() * sizeof(float))) << name;
    if (p.model == ModelKind::kCounts) {
      EXPECT_LT(other.bucket_model_error[0], base.bucket_model_error[0]) << name << ": counts estimate the distribution";
    }
    if (p.algorithm == Algorithm::kPrioritized || p.algorithm == Algorithm::kPrioritizedDirect) {
      EXPECT_LE(other.planning_updates[0], 300u * 5) << name;
    }
  }
}

// Both host engines refuse `group` with an InputError whose message holds `expected`.
void expect_host_engines_refuse(const AgentGroup& group, const std::string& expected) {
  std::vector<std::unique_ptr<Engine>> engines;
  engines.push_back(make_reference_engine());
  engines.push_back(make_cpu_engine({1, 0, 0}));
  for (const auto& engine : engines) {
    try {
      run_group(*engine, group);
      ADD_FAILURE() << engine->name() << " accepted the group; expected an error saying: " << expected;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  }
}

TEST(EngineParity, CountModelCapacityBelowTheEnvironmentsNeedIsRefusedNamingThePair) {
  const auto slippery = single_phase(std::make_shared<TabularMdp>(chain_with_slip(8)), "slippery");
  AgentGroup group;
  group.environment = &slippery;
  group.seeds_per_point = 1;
  group.budget = step_budget(10, 10);
  group.points = {with_counts(point(0.1f, 0.9f, 0.1, 1), BackupKind::kSample, 2)};
  expect_host_engines_refuse(group, "--model-capacity 2 is too small for --env slippery: state 1, action 1 has 3");
  group.points[0].algorithm = Algorithm::kPrioritized;  // with the counts model: refused
  group.points[0].model_capacity = 3;
  EXPECT_THROW(run_group(*make_cpu_engine({1, 0, 0}), group), InputError);
}

TEST(EngineParity, AModelOfMoreThan32BitsOfSlotsPerAgentIsRefused) {
  const auto env = single_phase(std::make_shared<TabularMdp>(corridor(12)), "corridor");  // 36 pairs
  AgentGroup group;
  group.environment = &env;
  group.seeds_per_point = 1;
  group.budget = step_budget(10, 10);
  group.points = {with_counts(point(0.1f, 0.9f, 0.1, 1), BackupKind::kSample, 1u << 27)};  // 36 x 2^27 > 2^32
  expect_host_engines_refuse(group, "gives each agent 4831838208 model slots");
}

TEST(EngineParity, AnAgentsResultsDoNotDependOnItsNeighbours) {
  const ParityCase c = parity_cases()[0];
  const AgentGroup whole = group_of(c, 4, 99);  // 3 points x 4 seeds, agents 17..28
  const GroupResults all = run_group(*make_cpu_engine({2, 0, 0}), whole);
  // Agent 17 + 6 (point 1, seed 2) alone, in a group of one.
  AgentGroup alone = whole;
  alone.points = {c.points[1]};
  alone.seeds_per_point = 1;
  alone.first_agent = 17 + 6;
  const GroupResults one = run_group(*make_reference_engine(), alone);
  const std::uint32_t pairs = c.env.n_states() * c.env.n_actions();
  EXPECT_EQ(0, std::memcmp(one.q.data(), all.q.data() + 6 * pairs, pairs * sizeof(float)));
  for (std::uint32_t e = 0; e < c.budget.episodes; ++e)
    EXPECT_EQ(one.episode_steps[e], all.episode_steps[6 * c.budget.episodes + e]);
}

// The overflow case is worth its place only if its tables hold what it is named for.
TEST(EngineParity, TheOverflowCaseMakesInfinitiesAndNaNs) {
  const ParityCase c = parity_cases().back();
  const GroupResults r = run_group(*make_reference_engine(), group_of(c, 3, 7));
  std::size_t infinite = 0, nan = 0;
  for (const float q : r.q) {
    infinite += std::isinf(q) ? 1 : 0;
    nan += std::isnan(q) ? 1 : 0;
  }
  EXPECT_GT(infinite, 0u);
  EXPECT_GT(nan, 0u);
}

// ---- Random MDPs and parameters --------------------------------------------------------------

// Rewards where float arithmetic is least forgiving: signed zeros, subnormals, values that
// overflow when summed, and plain ones.
float edgy_reward(std::mt19937_64& random) {
  static const float kRewards[] = {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, 1e-40f, -1e-40f, 3e38f, -3e38f, 1e-30f};
  std::uniform_int_distribution<int> pick(0, 12);
  const int k = pick(random);
  if (k < 10) return kRewards[k];
  return std::uniform_real_distribution<float>(-2.0f, 2.0f)(random);
}

// A random MDP of the given shape: 1 to 3 outcomes per pair (probabilities 1; 1/2 1/2; 1/4 1/4
// 1/2), next states anywhere, some outcomes terminal, a start distribution over 1 or 2 states.
// With `deterministic`, every pair has one outcome (the cuda engine then plans plain Dyna-Q from
// the environment).
TabularMdp random_mdp(std::mt19937_64& random, std::uint32_t states, std::uint32_t actions, const std::string& name,
                      bool deterministic = false) {
  MdpBuilder b(name, states, actions);
  std::uniform_int_distribution<std::uint32_t> state(0, states - 1), outcomes(1, 3), die(0, 5);
  static const std::vector<std::vector<double>> kSplits = {{1.0}, {0.5, 0.5}, {0.25, 0.25, 0.5}};
  for (std::uint32_t s = 0; s < states; ++s)
    for (std::uint32_t a = 0; a < actions; ++a)
      for (const double p : kSplits[deterministic ? 0 : outcomes(random) - 1]) b.add_outcome(s, a, p, state(random), edgy_reward(random), die(random) == 0);
  std::vector<double> start(states, 0.0);
  start[state(random)] += 0.5;
  start[state(random)] += 0.5;
  b.set_initial_distribution(start);
  return b.build();
}

AgentParams random_point(std::mt19937_64& random, bool episodes) {
  const auto one_of = [&random](auto... values) {
    using T = std::common_type_t<decltype(values)...>;
    const T choices[] = {static_cast<T>(values)...};
    return choices[std::uniform_int_distribution<std::size_t>(0, sizeof...(values) - 1)(random)];
  };
  AgentParams p = point(one_of(0.1f, 0.5f, 1.0f, 0.37f), one_of(0.0f, 0.9f, 0.99f, 1.0f), one_of(0.0, 0.1, 0.5, 1.0),
                         one_of(0u, 1u, 5u, 20u), one_of(0.0f, 1.0f, -0.5f),
                         one_of(0, 1) ? PlanningDraw::kPairs : PlanningDraw::kStates, episodes ? 25u : one_of(0u, 7u));
  switch (one_of(0, 1, 2, 3, 4, 5, 6)) {
    case 1: p = with_algorithm(p, Algorithm::kDynaQPlus, one_of(1e-3f, 0.5f, 1e38f)); break;
    case 2: p = with_algorithm(p, Algorithm::kDynaQPlusAction, one_of(1e-3f, 0.5f, 1e38f)); break;
    case 3: p = with_algorithm(p, Algorithm::kPrioritized, one_of(0.0f, 1e-4f, 1.0f)); break;
    case 4: p = with_algorithm(p, Algorithm::kPrioritizedDirect, one_of(0.0f, 1e-4f, 1.0f)); break;
    case 5: p = with_counts(p, one_of(0, 1) ? BackupKind::kSample : BackupKind::kExpected, one_of(3u, 4u)); break;
    case 6: p = with_counts(with_algorithm(p, Algorithm::kDynaQPlus, 0.01f), BackupKind::kExpected, 3); break;
    default: break;
  }
  return p;
}

// 40 trials by default (well under a second). For a longer search, set DYNAQ_PARITY_TRIALS and
// DYNAQ_PARITY_SEED: e.g. DYNAQ_PARITY_TRIALS=2000 DYNAQ_PARITY_SEED=3 dynaq_tests
// --gtest_filter=EngineParity.Random* (4500 trials over three seeds, and 600 under the sanitizers,
// passed when this test was written). Engine shapes are random too: threads, batches, chunk
// sizes, agents per block, real steps per launch and the cpu engine's lane width. Every fourth
// trial is plain Dyna-Q on a deterministic environment of one phase, which the cuda engine plans
// from the environment. Where a GPU is present, both kernel versions run every trial on it as well.
TEST(EngineParity, RandomMdpsAndParametersOnEveryEngine) {
  std::mt19937_64 random(std::getenv("DYNAQ_PARITY_SEED") ? std::strtoull(std::getenv("DYNAQ_PARITY_SEED"), nullptr, 10) : 20261125);
  const EmulationOptions device = testing_support::small_emulated_device();
  int compared = 0;
  const GpuStatus gpu = query_gpu();  // with a GPU, the real kernels run every trial too
  const bool gpu_present = gpu.present;
  const int trials = std::getenv("DYNAQ_PARITY_TRIALS") ? std::atoi(std::getenv("DYNAQ_PARITY_TRIALS")) : 40;
  for (int trial = 0; trial < trials; ++trial) {
    const std::uint32_t states = std::uniform_int_distribution<std::uint32_t>(1, 12)(random);
    const std::uint32_t actions = std::uniform_int_distribution<std::uint32_t>(1, 5)(random);
    const bool plain = trial % 4 == 1;
    Environment env;
    env.name = "random " + std::to_string(trial);
    env.phases = {{0, std::make_shared<TabularMdp>(random_mdp(random, states, actions, "first", plain))}};
    if (trial % 3 == 0 && !plain)
      env.phases.push_back({90, std::make_shared<TabularMdp>(random_mdp(random, states, actions, "second"))});
    const bool episodes = trial % 2 == 0;
    AgentGroup group;
    group.environment = &env;
    for (int k = 0; k < 3; ++k) {
      AgentParams p = random_point(random, episodes);
      if (plain) {
        p.algorithm = Algorithm::kDynaQ;
        p.model = ModelKind::kLast;
        p.planning_draw = PlanningDraw::kPairs;
      }
      group.points.push_back(p);
    }
    EXPECT_TRUE(!plain || model_is_environment(group)) << "a plain trial the cuda engine would not plan from the environment";
    group.seeds_per_point = 3;
    group.first_agent = static_cast<std::uint32_t>(random() % 1000);
    group.sweep_seed = random();
    group.budget = episodes ? episode_budget(8, trial % 4 == 0 ? 30u : 0u) : step_budget(250, 40);
    group.keep_tables = true;
    std::ostringstream what;
    what << "trial " << trial << ": " << states << " states x " << actions << " actions, " << env.phases.size()
         << " phase(s), " << (episodes ? "episodes" : "steps");
    SCOPED_TRACE(what.str());
    GroupResults expected;
    try {
      expected = run_group(*make_reference_engine(), group);
    } catch (const InputError& e) {
      // A count model smaller than some pair's distinct outcomes: refused alike by every engine.
      EXPECT_THROW(run_group(*make_cpu_engine({2, 3, 0}), group), InputError) << e.what();
      continue;
    }
    ++compared;
    const std::vector<std::uint32_t> lanes = testing_support::built_lane_widths();
    CpuEngineOptions cpu{1 + static_cast<int>(random() % 3), static_cast<std::uint32_t>(random() % 5), 0};
    cpu.lanes = lanes[static_cast<std::size_t>(trial) % lanes.size()];
    expect_identical(expected, run_group(*make_cpu_engine(cpu), group), group);
    for (const CudaKernel kernel : {CudaKernel::kGlobal, CudaKernel::kShared}) {
      CudaEngineOptions options;
      options.kernel = kernel;
      options.self_check = false;
      options.steps_per_launch = 1 + random() % 40;
      options.max_chunk_agents = random() % 5;
      if (kernel == CudaKernel::kShared) options.agents_per_block = random() % 4;
      {
        SCOPED_TRACE(cuda_kernel_name(kernel) + " kernel, emulated");
        expect_identical(expected,
                         run_group(*make_device_engine(make_emulated_device(device), options, "cuda-emulated"), group),
                         group);
      }
      if (gpu_present) {
        SCOPED_TRACE(cuda_kernel_name(kernel) + " kernel on " + gpu.name);
        expect_identical(expected, run_group(*make_cuda_engine(options), group), group, Nans::kAnyNan);
      }
    }
  }
  EXPECT_GE(compared, trials * 3 / 4) << "most trials should run, not be refused";
}

TEST(EngineParity, ReportsMismatchesWithAgentStateActionAndUlps) {
  const ParityCase c = parity_cases()[0];
  const AgentGroup group = group_of(c, 2, 3);
  GroupResults a = run_group(*make_reference_engine(), group);
  GroupResults b = a;
  b.q[5] = std::nextafter(b.q[5], 10.0f);
  const std::string report = testing_support::describe_q_mismatches(a, b, group);
  EXPECT_NE(report.find("agent 17, state 1, action 2"), std::string::npos) << report;
  EXPECT_NE(report.find("1 ulp"), std::string::npos) << report;
}

}  // namespace
}  // namespace dynaq
