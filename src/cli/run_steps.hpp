// The steps of `dynaq run` from options to result files, shared by the command line
// (run_command.cpp adds MPI, a progress bar and signals around them) and the Python module
// (python/src/run_binding.cpp adds progress and Ctrl-C through Python):
//   plan_run            every option checked and the sweep planned; nothing written
//   make_engine         the engine --backend names
//   prepare_run_folder  the folder readied: resumed, or new with its config.toml
//   run_control         what run_sweep needs to run this shard into the folder
//   run_sweep           (sweep layer) the chunks
//   execution_of        summary.json's "execution", then choose_statistics_backend
//   write_run_results   the result files from the chunks, the chunks then removed
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "dynaq/engine.hpp"
#include "dynaq/sweep.hpp"
#include "options.hpp"

namespace dynaq::cli {

// A run's sweep and how it is to be run, from its options.
struct RunPlan {
  Sweep sweep;
  std::uint32_t shard_index = 0;  // --shard K/N, or (0, 1)
  std::uint32_t shard_count = 1;
  int threads = 0;                // --threads; 0: all cores
  std::uint32_t batch = 0;        // --batch; 0: as many as fit
  std::string config_text;        // config.toml (with its shard)
  ChunkIdentity identity;
};

// Checks every option and plans the sweep (environments loaded, contents checked against
// --env-fingerprint); nothing runs or is written. Throws InputError naming the option.
RunPlan plan_run(const RunOptions& o);

// The folder the run writes: --resume's, --out, or a new one under dynaq-runs/.
std::string run_folder(const RunOptions& o);
// A fresh folder name under dynaq-runs/ that no earlier run used: STEM-DATE-TIME.
std::string default_output_folder(const std::string& stem);
// Where a run keeps its chunks (and config.toml) until the results are written.
std::string chunk_folder(const std::string& out);

// "dynaq: warning: TEXT" on stderr.
void warn(const std::string& text);

// The engine --backend names (auto, reference, cpu, cuda), with --cuda-kernel, --threads and
// --batch already parsed; `auto` takes the GPU when one is present. Throws InputError.
std::unique_ptr<Engine> make_engine(const std::string& backend, const std::string& kernel, int threads,
                                    std::uint32_t batch);

// Readies `out` for a run: a resumed run must have the configuration it started with
// (environments compared by content) and loses its writers' leftovers; a new one gets a
// prepared folder with config.toml. Then refuses chunks of another run. Throws InputError.
void prepare_run_folder(const RunOptions& o, const std::string& out, const RunPlan& plan);

// run_sweep's control for the plan's shard into `out` (progress and chunk_stored left unset).
SweepRunControl run_control(const RunPlan& plan, const std::string& out);

// summary.json's "execution" for a run of `engine` started at `start` (chunk counts from
// `report`); its statistics backend is set by choose_statistics_backend.
ExecutionInfo execution_of(const std::string& command, const Engine& engine, const SweepRunReport& report,
                           std::chrono::steady_clock::time_point start);

// Sets where the statistics over seeds are computed: on the GPU when the agents ran there, with
// a fall-back to the host (and a warning) under --backend auto. `execution` must stay where it
// is until the results are written: the fall-back writes into it.
void choose_statistics_backend(ExecutionInfo& execution, const Engine& engine, const std::string& backend);

// Writes the result files from the chunks in `out`/chunks, then removes the chunks.
WrittenResults write_run_results(const RunPlan& plan, const std::string& out, const ExecutionInfo& execution);

}  // namespace dynaq::cli
