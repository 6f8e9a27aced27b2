// A sweep's result files: curves.csv, points.csv, summary.json and config.toml, and on request
// q.npy and agent_<metric>.npy, computed from the chunk files alone (so a run, a resumed run
// and a merge of shards write the same bytes), and the short table `dynaq run` prints.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dynaq/statistics.hpp"
#include "dynaq/sweep/chunk_files.hpp"
#include "dynaq/sweep/plan.hpp"

namespace dynaq {

// One MPI process of a run: where it ran and how much of the sweep it computed.
struct RankExecution {
  int rank = 0;
  std::string host;
  int local_rank = 0;
  std::string gpu;  // the CUDA device it was given; "": none on its node
  std::uint64_t chunks_run = 0;
};

// How this run was executed: summary.json's "execution" object, and what computes the
// statistics over seeds.
struct ExecutionInfo {
  std::string command;
  std::string engine;
  std::string device;
  double wall_seconds = 0.0;
  // Chunks found done (a resumed run) and run now; a merge has neither.
  std::optional<std::uint64_t> chunks_resumed;
  std::optional<std::uint64_t> chunks_run;  // unset under mpirun: each rank says its own
  std::vector<RankExecution> mpi_ranks;     // under mpirun, every process, by rank
  std::vector<std::string> merged_shards;   // `dynaq merge`: the shards' folders
  // What computed the statistics over seeds ("cpu" or "cuda"), and how.
  std::string statistics_backend = "cpu";
  ColumnSummarizer summarize_columns = dynaq::summarize_columns;
};

struct WrittenResults {
  std::vector<std::string> files;                // names, in the folder
  std::vector<std::vector<double>> first_curve;  // [point][time] mean of the first curve metric
};

// Writes curves.csv, points.csv, summary.json, config.toml and on request q.npy and
// agent_*.npy into `directory`, all renamed into place together, reading every chunk once.
WrittenResults write_sweep_results(const Sweep& sweep, const ChunkFiles& files, const std::string& directory,
                                   const ExecutionInfo& execution, const std::string& config_toml);

// A short table for people: mean episode length (or cumulative reward) at a few points in
// time.
std::string results_table(const Sweep& sweep, const WrittenResults& results);

}  // namespace dynaq
