// Aggregate metrics over runs and tasks, with stratified bootstrap confidence intervals: the
// estimators of Agarwal et al., "Deep Reinforcement Learning at the Edge of the Statistical
// Precipice" (NeurIPS 2021), as their library rliable computes them, so that `dynaq compare`
// gives rliable's numbers on the same scores (tests/aggregate_metrics_test.cpp checks this
// against fixtures made with rliable by scripts/make_rliable_fixtures.py).
//
// A score matrix holds one algorithm's scores: runs (seeds) x tasks (environments), as rliable's
// `num_runs x num_tasks` arrays. Higher scores are better.
//
// The bootstrap resamples are drawn from Philox4x32-10 (random.hpp), so that every machine gets
// the same intervals. Stream layout:
//   key     = { low 32 bits of the seed, high 32 bits of the seed }
//   counter = { stream, resample r, kPurposeBootstrap, block b }
// A resample of a runs x tasks matrix draws one run index for every cell, cells in row-major
// (run, task) order: cell c takes word c mod 4 of block c / 4 and becomes the run
// uniform_index(word, runs) of the same task (rliable's StratifiedBootstrap: runs are
// resampled within each task, never across tasks). Each argument of a statistic has its own
// stream (rliable's StratifiedIndependentBootstrap for the probability of improvement), and
// resample r of a stream is the same whatever else is computed. The purpose word keeps these
// draws apart from every agent's (whose purposes are small integers).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace dynaq {

// "boot": the purpose word of bootstrap resamples.
inline constexpr std::uint32_t kPurposeBootstrap = 0x626f6f74u;

struct ScoreMatrix {
  std::uint32_t runs = 0;
  std::uint32_t tasks = 0;
  std::vector<double> values;  // [run * tasks + task]

  double at(std::uint32_t run, std::uint32_t task) const { return values[std::size_t{run} * tasks + task]; }
};

// ---- Point estimates (rliable.metrics) --------------------------------------------------------

// The interquartile mean: the mean of all scores (runs and tasks pooled) after dropping the
// floor(N/4) lowest and floor(N/4) highest (scipy.stats.trim_mean with 0.25).
double interquartile_mean(const ScoreMatrix& scores);
// The median over tasks of each task's mean score (aggregate_median).
double median_of_task_means(const ScoreMatrix& scores);
// The mean over tasks of each task's mean score (aggregate_mean).
double mean_of_task_means(const ScoreMatrix& scores);
// threshold - mean(min(score, threshold)) over all scores: how far below the threshold (1, the
// optimum of normalised scores) the runs fall on average (aggregate_optimality_gap).
double optimality_gap(const ScoreMatrix& scores, double threshold = 1.0);
// P(X > Y): per task, the probability that a random run of X scores above a random run of Y,
// ties counting one half (the Mann-Whitney U statistic over nx * ny), averaged over tasks.
// X and Y need the same tasks; their runs may differ.
double probability_of_improvement(const ScoreMatrix& x, const ScoreMatrix& y);
// For each threshold tau, the fraction of all scores above tau (the run-score distribution,
// rliable's performance profile).
std::vector<double> performance_profile(const ScoreMatrix& scores, const std::vector<double>& thresholds);
// The same two from all the scores sorted ascending (the same bits), for a caller that wants
// both with one sort.
double interquartile_mean_of_sorted(const std::vector<double>& sorted);
std::vector<double> performance_profile_of_sorted(const std::vector<double>& sorted, const std::vector<double>& thresholds);
// `count` thresholds evenly spaced from `low` to `high` (both included), as numpy.linspace.
std::vector<double> evenly_spaced(double low, double high, std::uint32_t count);

// ---- Stratified bootstrap ------------------------------------------------------------------

struct BootstrapSettings {
  std::uint64_t seed = 0;
  std::uint32_t resamples = 2000;
  double confidence = 0.95;
};

struct Interval {
  double low;
  double high;
};

// The run indices of resample `resample` of a runs x tasks matrix from `stream`, one per cell in
// row-major order (the layout above).
std::vector<std::uint32_t> resample_indices(std::uint64_t seed, std::uint32_t stream, std::uint32_t resample,
                                            std::uint32_t runs, std::uint32_t tasks);
// `scores` with cell (i, j) replaced by scores(indices[i * tasks + j], j).
ScoreMatrix resampled(const ScoreMatrix& scores, const std::vector<std::uint32_t>& indices);

// The percentile interval of bootstrap estimates: the (1 - confidence) / 2 and
// 1 - (1 - confidence) / 2 quantiles, by linear interpolation (numpy.percentile, which rliable's
// method "percentile" uses). `estimates` is reordered.
Interval percentile_interval(std::vector<double>& estimates, double confidence);

// A statistic of one or more score matrices, giving one or more numbers.
using Statistic = std::function<std::vector<double>(const std::vector<const ScoreMatrix*>&)>;

// For each number the statistic gives, its percentile interval over `settings.resamples`
// stratified resamples, argument k drawn from stream streams[k].
std::vector<Interval> bootstrap_intervals(const std::vector<const ScoreMatrix*>& arguments,
                                          const std::vector<std::uint32_t>& streams, const Statistic& statistic,
                                          const BootstrapSettings& settings);

// An estimate as `dynaq compare` prints it: kPrintedDigits significant digits ("%.4g"); NaN
// and infinities as "nan", "inf", "-inf".
inline constexpr int kPrintedDigits = 4;
std::string printed_estimate(double value);

}  // namespace dynaq
