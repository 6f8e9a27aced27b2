// Sutton & Barto figure 8.2 with 1000 seeds per point: the curves have the book's shape.
//
// Dyna maze, alpha 0.1, gamma 0.95, epsilon 0.1, n = 0, 5, 50, 50 episodes. The first episode
// is a random walk (868.7 steps in expectation with random tie-breaking); n = 50 is near its
// plateau by episode 3, n = 5 by about episode 6, n = 0 only after about 25 episodes; the
// plateau under epsilon 0.1 is about 17 steps, not the 14 of the shortest path.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "dynaq/sweep.hpp"

namespace dynaq {
namespace {

class Figure82 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SweepSpec spec;
    spec.set("env", {"dyna-maze"});
    spec.set("planning-steps", {"0", "5", "50"});
    spec.seeds = 1000;
    spec.episodes = 50;
    spec.seed = 8;
    const Sweep sweep = plan_sweep(spec);
    const std::string folder = ::testing::TempDir() + "dynaq_figure_8_2_" + std::to_string(::getpid());
    std::filesystem::remove_all(folder);
    SweepRunControl control;
    control.chunk_folder = folder;
    control.identity = ChunkIdentity{DYNAQ_VERSION, 1};
    auto engine = make_cpu_engine(CpuEngineOptions{});
    run_sweep(sweep, *engine, control);
    SweepAnalysis analysis(sweep, collect_chunk_files(sweep, {folder}, control.identity));
    for (std::uint32_t p = 0; p < 3; ++p) points_[p] = analysis.point(p);
    std::filesystem::remove_all(folder);
  }

  // Mean episode length over the 1000 seeds of point p at episode e (1-based).
  static double mean_steps(std::uint32_t point, std::uint32_t episode) {
    return points_[point].curves.at(0).at(episode - 1).mean;
  }
  static double plateau(std::uint32_t point) {
    double sum = 0.0;
    for (std::uint32_t e = 41; e <= 50; ++e) sum += mean_steps(point, e);
    return sum / 10.0;
  }

  static PointStatistics points_[3];
};
PointStatistics Figure82::points_[3];

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

TEST_F(Figure82, GreedyPoliciesAreOptimalAfterFiftyEpisodesWithPlanning) {
  // On the true maze the optimal policy reaches the goal in 14 steps. With 50 planning steps
  // every agent's final greedy policy reaches it (return 1, the optimal return).
  const PointStatistics& p = points_[2];
  EXPECT_EQ(p.optimal_return, 1.0);
  EXPECT_EQ(p.optimal_steps, 14.0);
  for (std::size_t k = 0; k < p.scalar_names.size(); ++k)
    if (p.scalar_names[k] == "greedy_return") {
      EXPECT_EQ(p.scalars[k].mean, 1.0);
      EXPECT_EQ(p.greedy_return_gap, 0.0);
    }
}

TEST_F(Figure82, MorePlanningReachesNearOptimalSooner) {
  // The threshold: 1.2 x the expected episode length of the epsilon-greedy policy on Q*, the
  // same for every n (about 1.2 x 15.9 on this maze with epsilon 0.1).
  for (std::uint32_t n = 0; n < 3; ++n) {
    EXPECT_GT(points_[n].near_optimal_threshold, 18.5);
    EXPECT_LT(points_[n].near_optimal_threshold, 19.5);
    ASSERT_TRUE(points_[n].episodes_to_near_optimal.has_value()) << n;
  }
  EXPECT_LE(*points_[2].episodes_to_near_optimal, 4u);
  EXPECT_GE(*points_[1].episodes_to_near_optimal, 5u);
  EXPECT_LE(*points_[1].episodes_to_near_optimal, 10u);
  EXPECT_GE(*points_[0].episodes_to_near_optimal, 20u);
}

}  // namespace
}  // namespace dynaq
