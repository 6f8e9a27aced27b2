// The per-agent scores of finished runs, arranged for the aggregate metrics of
// aggregate_metrics.hpp: `dynaq compare` reads one or more results folders (`dynaq run
// --save-agent-metrics`) and turns them into algorithms, each a runs x tasks score matrix.
//
// An algorithm is one setting of the parameters that vary within an environment (the grid's
// axes but env, as `dynaq plot` tells its lines apart), in one results folder; its tasks are the
// environments, its runs the seeds. A score is an agent's value of a per-agent quantity of
// points.csv (`final_return`, `auc_steps`, `greedy_return`, ...): scalars come from
// agent_NAME.npy, final_M and auc_M from the curve agent_M.npy (the last value, and the area
// under the curve with the bucket widths of curves.csv). Every point's mean score is checked
// against points.csv, so that arrays from another run are refused.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dynaq/aggregate_metrics.hpp"

namespace dynaq {

enum class Normalization {
  kNone,
  // Returns divided by the optimal return, episode lengths as the optimal length divided by
  // them: 1 is optimal, higher is better (points.csv's optimal_return and optimal_steps).
  kOptimal,
};

struct ScoreRequest {
  std::vector<std::string> runs;  // results folders
  std::string metric = "greedy_return";
  Normalization normalization = Normalization::kNone;
};

struct ComparedAlgorithm {
  std::string run;                                 // the results folder
  std::uint32_t first_point = 0;                   // its point in the first task (in its run)
  std::map<std::string, std::string> parameters;   // the varying parameters (CSV column -> value)
  std::string label;                               // "n = 5" or "RUN: n = 5", for people
  ScoreMatrix scores;
};

struct RunScores {
  std::string metric;
  bool normalized = false;
  bool lower_is_better = false;          // episode lengths, model error, work (unnormalised)
  std::vector<std::string> tasks;        // environments, in the first run's order
  std::vector<std::string> varying;      // the CSV columns that tell algorithms apart
  std::uint64_t seed = 0;                // the first run's sweep seed
  std::vector<ComparedAlgorithm> algorithms;
};

// Reads the runs. Throws InputError naming the folder, the file or the option at fault: a
// folder without results, a metric the run does not have (listing those it has), missing
// agent arrays, runs whose environments differ, fewer than 2 seeds, a point that cannot be
// normalised.
RunScores read_run_scores(const ScoreRequest& request);

// Whether smaller values of a per-agent quantity are better (steps, model error, work).
bool lower_is_better(const std::string& metric);

// Reads a float64 .npy file as npy.hpp writes it: its shape and values. Throws InputError
// naming the file when it is not one.
std::vector<double> read_npy_float64(const std::string& path, std::vector<std::uint64_t>& shape);

}  // namespace dynaq
