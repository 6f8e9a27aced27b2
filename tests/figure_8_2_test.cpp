// Sutton & Barto figure 8.2 with 1000 seeds per point: the curves have the book's shape.
//
// Dyna maze, alpha 0.1, gamma 0.95, epsilon 0.1, n = 0, 5, 50, 50 episodes. The first episode
// is a random walk (868.7 steps in expectation with random tie-breaking); n = 50 is near its
// plateau by episode 3, n = 5 by about episode 6, n = 0 only after about 25 episodes; the
// plateau under epsilon 0.1 is about 17 steps, not the 14 of the shortest path.
#include <gtest/gtest.h>

#include "dynaq/sweep.hpp"

namespace dynaq {
namespace {

class Figure82 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SweepSpec spec;
    spec.environments = {"dyna-maze"};
    spec.planning_steps = {0, 5, 50};
    spec.seeds = 1000;
    spec.episodes = 50;
    spec.seed = 8;
    sweep_ = new Sweep(plan_sweep(spec));
    auto engine = make_cpu_engine(CpuEngineOptions{});
    results_ = new SweepResults(run_sweep(*sweep_, *engine, false));
  }
  static void TearDownTestSuite() {
    delete results_;
    delete sweep_;
  }

  // Mean episode length over the 1000 seeds of point p at episode e (1-based).
  static double mean_steps(std::uint32_t point, std::uint32_t episode) {
    const GroupResults& g = results_->groups[0];
    std::vector<double> values;
    for (std::uint32_t k = 0; k < 1000; ++k) values.push_back(g.episode_steps[(point * 1000 + k) * 50 + episode - 1]);
    return mean_and_stderr(values.data(), values.size()).mean;
  }
  static double plateau(std::uint32_t point) {
    double sum = 0.0;
    for (std::uint32_t e = 41; e <= 50; ++e) sum += mean_steps(point, e);
    return sum / 10.0;
  }

  static Sweep* sweep_;
  static SweepResults* results_;
};
Sweep* Figure82::sweep_ = nullptr;
SweepResults* Figure82::results_ = nullptr;

TEST_F(Figure82, FirstEpisodeIsARandomWalkOfAbout869Steps) {
  for (std::uint32_t p = 0; p < 3; ++p) {
    EXPECT_GT(mean_steps(p, 1), 780.0) << "n index " << p;
    EXPECT_LT(mean_steps(p, 1), 960.0) << "n index " << p;
  }
}

TEST_F(Figure82, PlateauIsAbout17StepsNot14) {
  for (std::uint32_t p = 0; p < 3; ++p) {
    EXPECT_GT(plateau(p), 16.0) << "n index " << p;
    EXPECT_LT(plateau(p), 18.5) << "n index " << p;
  }
}

TEST_F(Figure82, FiftyPlanningStepsAreNearThePlateauByEpisode3) {
  EXPECT_LT(mean_steps(2, 3), 1.2 * plateau(2));
  EXPECT_GT(mean_steps(2, 2), 1.5 * plateau(2));
}

TEST_F(Figure82, FivePlanningStepsAreNearThePlateauByAboutEpisode6) {
  EXPECT_GT(mean_steps(1, 3), 2.0 * plateau(1));
  EXPECT_LT(mean_steps(1, 6), 1.2 * plateau(1));
}

TEST_F(Figure82, NoPlanningNeedsAbout25Episodes) {
  EXPECT_GT(mean_steps(0, 6), 5.0 * plateau(0));
  EXPECT_GT(mean_steps(0, 10), 4.0 * plateau(0));
  EXPECT_LT(mean_steps(0, 25), 1.6 * plateau(0));
  EXPECT_LT(mean_steps(0, 35), 1.15 * plateau(0));
}

}  // namespace
}  // namespace dynaq
