// Running a sweep's chunks through an engine (run.hpp): blocks of consecutive chunks, the greedy
// policies evaluated, and one chunk file per chunk.
#include "dynaq/sweep/run.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "dynaq/sweep/chunk_files.hpp"
#include "dynaq/sweep/metrics.hpp"
#include "dynaq/sweep/time_axis.hpp"
#include "dynaq/value_iteration.hpp"

namespace dynaq {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The greedy policy of one agent's final Q (first maximal action, as greedy_policy), evaluated
// exactly on the environment's final phase with the point's step limit.
PolicyEvaluation evaluate_greedy(const TabularMdp& mdp, const float* q, std::uint32_t step_limit) {
  PolicyEvaluationOptions options;
  options.horizon = step_limit;
  try {
    return policy_evaluation(mdp, greedy_policy(q, mdp.n_states, mdp.n_actions), options);
  } catch (const ConvergenceError&) {
    // Only a stochastic environment without a step limit can get here; the value is unknown.
    PolicyEvaluation unknown;
    unknown.expected_return = kNaN;
    unknown.expected_steps = kNaN;
    unknown.terminates = false;
    return unknown;
  }
}

// Extends `block` (chunk-shaped: one point's consecutive seeds, or whole points of one
// environment) by the chunk that follows it, when the two still form such a block.
bool extend_block(const Sweep& sweep, Chunk& block, const Chunk& next) {
  if (next.environment != block.environment || sweep.first_agent(next) != sweep.first_agent(block) + sweep.n_agents(block))
    return false;
  if (block.n_points == 1 && next.n_points == 1 && next.first_point == block.first_point) {
    block.n_seeds += next.n_seeds;
    return true;
  }
  const std::uint32_t seeds = sweep.spec.seeds;
  if (block.first_seed == 0 && block.n_seeds == seeds && next.first_seed == 0 && next.n_seeds == seeds) {
    block.n_points += next.n_points;
    return true;
  }
  return false;
}

// Host memory one engine run of merged chunks may fill with final tables and metrics: as much as
// the cpu engine's batch of tables (plan_sweep's memory check counts one of those).
constexpr std::uint64_t kBlockTableBytes = std::uint64_t{1} << 30;

// Runs `chunks` (consecutive, together forming `block`) in one engine run, and returns one record
// per chunk. Agents never depend on their neighbours, so each record has the bits it would have
// had from a run of its chunk alone.
std::vector<ChunkRecord> run_chunks(const Sweep& sweep, const Chunk& block, const std::vector<const Chunk*>& chunks,
                                    Engine& engine, const SweepRunControl& control,
                                    const std::function<void(std::uint64_t)>& agents_done) {
  const auto start = std::chrono::steady_clock::now();
  const AgentGroup group = sweep.group_for(block);
  GroupResults results;
  engine.run(group, results, [&](std::uint64_t done) {
    if (agents_done) agents_done(done);
  });

  const std::uint32_t agents = group.n_agents();
  const Environment& env = sweep.environments[block.environment];
  const TabularMdp& final_mdp = *env.phases.back().mdp;
  const std::uint64_t pairs = std::uint64_t{env.n_states()} * env.n_actions();
  const std::uint64_t length = time_length(sweep.budget);

  // Every metric of every agent of the block, then each chunk's slice of them.
  const std::vector<AgentMetric> metrics = agent_metrics(sweep.budget.kind);
  std::vector<std::vector<double>> arrays(metrics.size());
  for (std::size_t m = 0; m < metrics.size(); ++m) {
    if (metrics[m].extract != nullptr) metrics[m].extract(results, arrays[m]);
    else arrays[m].assign(agents, 0.0);
    if (arrays[m].size() != std::uint64_t{agents} * (metrics[m].curve ? length : 1))
      throw std::logic_error(std::string("the engine returned the wrong number of values of ") + metrics[m].name);
  }
  const auto array = [&](const char* name) -> std::vector<double>& {
    for (std::size_t m = 0; m < metrics.size(); ++m)
      if (std::string(metrics[m].name) == name) return arrays[m];
    throw std::logic_error(std::string("no metric ") + name);
  };
  std::vector<double>& greedy_return = array("greedy_return");
  std::vector<double>& greedy_steps = array("greedy_steps");
  std::vector<double>& greedy_terminates = array("greedy_terminates");
  const int threads = control.threads > 0 ? control.threads : omp_get_max_threads();
  // Each agent's evaluation is independent and deterministic: threads cannot change a bit.
#pragma omp parallel for num_threads(threads) schedule(dynamic, 16)
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(agents); ++i) {
    const std::uint32_t local = static_cast<std::uint32_t>(i);
    const std::uint32_t limit = sweep.points[block.first_point + local / block.n_seeds].max_episode_steps;
    const PolicyEvaluation value = evaluate_greedy(final_mdp, results.q.data() + local * pairs, limit);
    greedy_return[local] = value.expected_return;
    greedy_steps[local] = value.expected_steps;
    greedy_terminates[local] = std::isnan(value.expected_steps) ? kNaN : value.terminates ? 1.0 : 0.0;
  }

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<ChunkRecord> records;
  for (const Chunk* chunk : chunks) {
    const std::uint64_t offset = sweep.first_agent(*chunk) - sweep.first_agent(block);
    const std::uint64_t count = sweep.n_agents(*chunk);
    ChunkRecord record;
    record.chunk = chunk->index;
    record.first_agent = sweep.first_agent(*chunk);
    record.agents = static_cast<std::uint32_t>(count);
    record.identity = control.identity;
    record.environment_fingerprint = sweep.environment_fingerprints[block.environment];
    record.engine = engine.name() + ": " + engine.device();
    // A chunk that is the whole block (every chunk, on the cpu engine) takes the arrays as they are.
    const bool whole = chunks.size() == 1;
    for (std::size_t m = 0; m < metrics.size(); ++m) {
      const std::uint64_t per_agent = metrics[m].curve ? length : 1;
      record.names.push_back(metrics[m].name);
      if (whole)
        record.arrays.push_back(std::move(arrays[m]));
      else
        record.arrays.emplace_back(arrays[m].begin() + offset * per_agent, arrays[m].begin() + (offset + count) * per_agent);
    }
    if (sweep.spec.save_tables) {
      if (whole)
        record.q = std::move(results.q);
      else
        record.q.assign(results.q.begin() + offset * pairs, results.q.begin() + (offset + count) * pairs);
    }
    // The block's time, shared by agents.
    record.seconds = seconds * double(count) / double(agents);
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace

SweepRunReport run_sweep(const Sweep& sweep, Engine& engine, const SweepRunControl& control) {
  if (control.shard_count == 0 || control.shard_index >= control.shard_count)
    throw std::logic_error("run_sweep: bad shard");
  SweepRunReport report;
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::uint32_t> present = chunks_in_folder(sweep, control.chunk_folder, control.identity);
  std::vector<std::uint8_t> done(sweep.chunks.size(), 0);
  for (std::uint32_t c : present) done[c] = 1;

  std::vector<const Chunk*> todo;
  std::uint64_t agents_todo = 0;
  for (const Chunk& chunk : sweep.chunks) {
    if (sweep.shard_of(chunk.index, control.shard_count) != control.shard_index) continue;
    if (done[chunk.index]) {
      ++report.chunks_present;
      continue;
    }
    todo.push_back(&chunk);
    agents_todo += sweep.n_agents(chunk);
  }
  std::uint64_t agents_before = 0;
  if (control.progress) control.progress(0, agents_todo);
  const std::uint64_t preferred = engine.preferred_group_agents();
  for (std::size_t first = 0; first < todo.size();) {
    // As many consecutive chunks as the engine would take and the host can hold the results of.
    Chunk block = *todo[first];
    std::vector<const Chunk*> chunks{todo[first]};
    // Per agent: its final tables, and its metrics three times (the engine's results, the
    // block's arrays, the chunk records).
    const std::uint64_t bytes_per_agent =
        sweep.group_for(block).table_bytes_per_agent() + (time_length(sweep.budget) * 2 + 3) * sizeof(double) * 3;
    const std::uint64_t most = std::min(preferred, std::max<std::uint64_t>(1, kBlockTableBytes / bytes_per_agent));
    for (std::size_t next = first + 1; next < todo.size(); ++next) {
      Chunk wider = block;
      if (std::uint64_t{sweep.n_agents(block)} + sweep.n_agents(*todo[next]) > most || !extend_block(sweep, wider, *todo[next]))
        break;
      block = wider;
      chunks.push_back(todo[next]);
    }
    const std::vector<ChunkRecord> records = run_chunks(sweep, block, chunks, engine, control, [&](std::uint64_t done) {
      if (control.progress) control.progress(agents_before + done, agents_todo);
    });
    for (const ChunkRecord& record : records) {
      write_chunk_file(control.chunk_folder, record);
      agents_before += record.agents;
      ++report.chunks_run;
      report.agents_run += record.agents;
      if (control.progress) control.progress(agents_before, agents_todo);
      if (control.chunk_stored) control.chunk_stored(report.chunks_run);
    }
    first += chunks.size();
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace dynaq
