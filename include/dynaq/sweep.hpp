// A sweep: a grid of hyper-parameters over environments, N seeds per grid point, run in
// chunks by one engine, and summarised into result files whose bytes do not depend on the
// engine, the thread count, the batch size, interruptions, resumption or sharding.
//
// The sweep layer, stage by stage (src/sweep/, one header each under include/dynaq/sweep/):
//   grid.hpp         the axes and what the user asked for (SweepSpec)
//   plan.hpp         plan_sweep: environments loaded, the grid expanded, chunks, checks
//   applicability.hpp, varying_axes.hpp   which axes mean something where, and which vary
//   identity.hpp     config.toml and the hash every chunk file carries
//   metrics.hpp      the per-agent metrics kept in chunk files
//   run.hpp          run_sweep: the chunks through an engine into chunk files
//   chunk_files.hpp  which chunk files on disk belong to the sweep
//   analysis.hpp     statistics per grid point, read from the chunk files
//   results.hpp      the result files and the terminal table
// Finished chunks are the only input of the result files, so a run, a resumed run and a merge
// of shards read the same inputs in the same order.
#pragma once

#include "dynaq/sweep/analysis.hpp"
#include "dynaq/sweep/applicability.hpp"
#include "dynaq/sweep/chunk_files.hpp"
#include "dynaq/sweep/grid.hpp"
#include "dynaq/sweep/identity.hpp"
#include "dynaq/sweep/metrics.hpp"
#include "dynaq/sweep/plan.hpp"
#include "dynaq/sweep/results.hpp"
#include "dynaq/sweep/run.hpp"
#include "dynaq/sweep/time_axis.hpp"
#include "dynaq/sweep/varying_axes.hpp"
