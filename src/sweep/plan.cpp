// Planning a sweep (plan.hpp), stage by stage: the axis values parsed, the budget, the
// environments loaded, the grid expanded, the episode-end checks, the chunks, the memory.
#include "dynaq/sweep/plan.hpp"

#include <algorithm>
#include <functional>
#include <set>
#include <stdexcept>

#include "dynaq/environment_fingerprint.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/format.hpp"
#include "dynaq/mdp_analysis.hpp"
#include "dynaq/messages.hpp"
#include "dynaq/sweep/applicability.hpp"
#include "dynaq/sweep/time_axis.hpp"

namespace dynaq {

AgentGroup Sweep::group_for(const Chunk& chunk) const {
  AgentGroup group;
  group.environment = &environments[chunk.environment];
  group.seeds_per_point = chunk.n_seeds;
  group.sweep_seed = spec.seed;
  group.budget = budget;
  group.keep_tables = true;
  group.first_agent = static_cast<std::uint32_t>(first_agent(chunk));
  for (std::uint32_t p = chunk.first_point; p < chunk.first_point + chunk.n_points; ++p)
    group.points.push_back(points[p].agent_params());
  return group;
}

std::uint32_t Sweep::shard_of(std::uint32_t chunk, std::uint32_t shard_count) const {
  const std::uint64_t by_agents = 65536 / std::max<std::uint32_t>(1, chunk_agents);
  const std::uint64_t by_spread = chunks.size() / (std::uint64_t{4} * shard_count);
  const std::uint64_t run = std::max<std::uint64_t>(1, std::min(by_agents, by_spread));
  return static_cast<std::uint32_t>((chunk / run) % shard_count);
}

std::vector<std::uint32_t> Sweep::chunks_holding(std::uint64_t first, std::uint64_t count) const {
  std::vector<std::uint32_t> found;
  // Chunks are in agent order: find the last chunk starting at or before `first`.
  auto it = std::upper_bound(chunks.begin(), chunks.end(), first,
                             [this](std::uint64_t agent, const Chunk& c) { return agent < first_agent(c); });
  if (it != chunks.begin()) --it;
  for (; it != chunks.end() && first_agent(*it) < first + count; ++it) found.push_back(it->index);
  return found;
}

namespace {

// Every value of every axis is parsed once here, so that a bad value is reported before
// anything is loaded or run, and its canonical form goes to config.toml.
void parse_axis_values(Sweep& sweep) {
  const auto& axes = grid_axes();
  const SweepSpec& spec = sweep.spec;
  if (spec.axis_values.size() != axes.size()) throw std::logic_error("SweepSpec has the wrong number of axes");
  sweep.axis_literals.resize(axes.size());
  for (std::size_t a = 0; a < axes.size(); ++a) {
    if (spec.axis_values[a].empty()) throw InputError(std::string("--") + axes[a].key + " needs at least one value");
    for (const std::string& text : spec.axis_values[a]) {
      PointSettings settings;
      axes[a].parse(text, settings);
      sweep.axis_literals[a].push_back(axes[a].toml(settings));
    }
  }
  refuse_repeated_values(sweep.axis_literals);
  if (spec.seeds == 0) throw InputError("--seeds must be at least 1");
}

RunBudget plan_budget(const SweepSpec& spec) {
  RunBudget budget;
  budget.kind = spec.budget_kind;
  if (spec.budget_kind == BudgetKind::kEpisodes) {
    if (spec.episodes == 0) throw InputError("--episodes must be at least 1");
    budget.episodes = spec.episodes;
  } else {
    if (spec.steps == 0) throw InputError("--steps must be at least 1");
    if (spec.steps > 0xFFFFFFFFull)
      throw InputError("--steps " + std::to_string(spec.steps) + " is more than the 2^32 - 1 real steps an agent can take");
    budget.steps = spec.steps;
    budget.bucket_steps = spec.bucket_steps > 0 ? spec.bucket_steps : std::max<std::uint64_t>(1, spec.steps / 100);
    if (budget.bucket_steps > spec.steps)
      throw InputError("--bucket " + std::to_string(budget.bucket_steps) + " is longer than --steps " + std::to_string(spec.steps));
    budget.n_buckets = static_cast<std::uint32_t>((spec.steps + budget.bucket_steps - 1) / budget.bucket_steps);
  }
  if (spec.near_optimal_steps && !(*spec.near_optimal_steps > 0.0))
    throw InputError("--near-optimal-steps " + format_double(*spec.near_optimal_steps) + " is not positive");
  return budget;
}

void load_environments(Sweep& sweep) {
  const std::vector<std::string>& names = sweep.spec.values("env");
  for (const std::string& name : names) {
    sweep.environments.push_back(load_environment(name));
    schedule_view(sweep.environments.back());  // checks the number of phases
    sweep.environment_fingerprints.push_back(environment_fingerprint(sweep.environments.back()));
  }
  refuse_ambiguous_environment_names(names, sweep.environments);
  refuse_unreached_phases(sweep.budget, sweep.environments);
}

// The grid: environment outermost, then the other axes in table order. A point that differs
// from an earlier one only in axes that do not apply to it is that point (applicability.hpp).
void expand_grid(Sweep& sweep) {
  const auto& axes = grid_axes();
  const SweepSpec& spec = sweep.spec;
  const std::size_t env_axis = grid_axis_index("env");
  for (std::uint32_t e = 0; e < sweep.environments.size(); ++e) {
    std::set<std::string> collapsed;
    PointSettings base;
    axes[env_axis].parse(spec.axis_values[env_axis][e], base);
    std::function<void(std::size_t, const PointSettings&)> expand = [&](std::size_t a, const PointSettings& s) {
      if (a == axes.size()) {
        const PointSettings point = without_inapplicable(s);
        if (!collapsed.insert(settings_key(point)).second) return;
        const Environment& env = sweep.environments[e];
        const std::uint32_t limit = point.max_episode_steps ? *point.max_episode_steps : env.first().max_episode_steps;
        sweep.points.push_back(GridPoint{e, point, limit});
        return;
      }
      if (a == env_axis) return expand(a + 1, s);
      for (const std::string& text : spec.axis_values[a]) {
        PointSettings next = s;
        axes[a].parse(text, next);
        expand(a + 1, next);
      }
    };
    expand(0, base);
  }
  refuse_inapplicable_values(sweep.axis_literals, sweep.points);
}

// What the outputs asked for need of the grid, that its agents can be numbered, and that every
// episode can end.
void check_points(const Sweep& sweep) {
  const std::vector<Environment>& envs = sweep.environments;
  if (sweep.spec.save_tables)
    for (const Environment& env : envs)
      if (env.n_states() != envs.front().n_states() || env.n_actions() != envs.front().n_actions())
        throw InputError("--save-tables writes one q.npy of shape agents x states x actions, but --env " +
                         envs.front().name + " and " + env.name + " differ in shape; run them separately");
  if (sweep.n_agents() > 0xFFFFFFFFull)
    throw InputError("the grid has " + std::to_string(sweep.points.size()) + " points x --seeds " +
                     std::to_string(sweep.spec.seeds) + " = " + std::to_string(sweep.n_agents()) +
                     " agents, more than the 2^32 - 1 a sweep can hold");
  if (sweep.budget.kind != BudgetKind::kEpisodes) return;
  for (const GridPoint& point : sweep.points) {
    if (point.max_episode_steps != 0) continue;
    const Environment& env = envs[point.environment];
    for (const EnvironmentPhase& phase : env.phases)
      if (!can_terminate(*phase.mdp))
        throw InputError("--env " + env.name + ": no terminal state can be reached from the start" +
                         (env.phases.size() > 1 ? " in phase starting at step " + std::to_string(phase.start_step) : std::string()) +
                         " and there is no step limit, so episodes would never end; set --max-episode-steps");
  }
}

// The largest tables one agent of the sweep holds, checking what only an environment can tell
// (e.g. a counts model's capacity).
std::uint64_t largest_agent_bytes(const Sweep& sweep) {
  std::uint64_t largest = 0;
  for (std::uint32_t e = 0; e < sweep.environments.size(); ++e) {
    AgentGroup probe;
    probe.environment = &sweep.environments[e];
    for (const GridPoint& p : sweep.points)
      if (p.environment == e) probe.points.push_back(p.agent_params());
    probe.validate();
    largest = std::max(largest, probe.table_bytes_per_agent());
  }
  return largest;
}

// Chunk size: a fixed number of agents, chosen from the sweep alone (never from the machine)
// so that the chunk layout, and with it resumption and sharding, is the same everywhere.
// Auto: at most 4096 agents, and at most 256 MiB of final tables per chunk.
void plan_chunks(Sweep& sweep, std::uint64_t largest_agent) {
  if (sweep.spec.chunk_agents > 0) {
    sweep.chunk_agents = sweep.spec.chunk_agents;
  } else {
    const std::uint64_t fit = std::max<std::uint64_t>(1, (std::uint64_t{256} << 20) / std::max<std::uint64_t>(1, largest_agent));
    sweep.chunk_agents = static_cast<std::uint32_t>(std::min<std::uint64_t>(4096, fit));
  }
  const std::uint32_t seeds = sweep.spec.seeds;
  for (std::uint32_t p = 0; p < sweep.points.size();) {
    const std::uint32_t e = sweep.points[p].environment;
    std::uint32_t end = p;
    while (end < sweep.points.size() && sweep.points[end].environment == e) ++end;
    if (seeds >= sweep.chunk_agents) {
      for (; p < end; ++p)
        for (std::uint32_t s = 0; s < seeds; s += sweep.chunk_agents)
          sweep.chunks.push_back(Chunk{static_cast<std::uint32_t>(sweep.chunks.size()), e, p, 1, s,
                                       std::min(sweep.chunk_agents, seeds - s)});
    } else {
      const std::uint32_t per_chunk = sweep.chunk_agents / seeds;
      for (; p < end; p += std::min(per_chunk, end - p))
        sweep.chunks.push_back(Chunk{static_cast<std::uint32_t>(sweep.chunks.size()), e, p,
                                     std::min(per_chunk, end - p), 0, seeds});
    }
  }
}

// Memory, at the largest moment: one chunk's metrics and final tables while the engine holds
// a batch of tables, or one grid point's metrics while its statistics are computed, or the
// arrays written whole (q.npy, agent_*.npy).
void check_memory(const Sweep& sweep, std::uint64_t largest_agent) {
  const SweepSpec& spec = sweep.spec;
  const std::uint64_t per_agent_values = time_length(sweep.budget) * 2 + 3;
  std::uint64_t chunk_bytes = 0;
  for (const Chunk& c : sweep.chunks)
    chunk_bytes = std::max(chunk_bytes, std::uint64_t{sweep.n_agents(c)} *
                                            (per_agent_values * 8 * 2 + 2 * largest_agent));
  const std::uint64_t batch_bytes = std::max<std::uint64_t>(largest_agent, std::min<std::uint64_t>(largest_agent * sweep.chunk_agents, std::uint64_t{1} << 30));
  const std::uint64_t point_bytes = std::uint64_t{spec.seeds} * (per_agent_values * 8 + 16);
  // The agent_*.npy arrays are gathered point by point and q.npy after them, both held until
  // written, while one chunk at a time is read into them.
  std::uint64_t array_bytes = 0;
  const std::uint64_t q_bytes_per_agent =
      spec.save_tables ? std::uint64_t{sweep.environments.front().n_states()} * sweep.environments.front().n_actions() * 4 : 0;
  if (spec.save_tables) array_bytes += sweep.n_agents() * q_bytes_per_agent;
  if (spec.save_agent_metrics) array_bytes += sweep.n_agents() * per_agent_values * 8;
  if (array_bytes > 0) array_bytes += std::uint64_t{sweep.chunk_agents} * (per_agent_values * 8 + q_bytes_per_agent);
  const std::uint64_t needed = std::max({chunk_bytes + batch_bytes, point_bytes, array_bytes});
  const std::uint64_t available = available_memory_bytes();
  if (needed > available)
    throw InputError("this sweep needs " + format_bytes(needed) + " of memory at once (" + std::to_string(sweep.n_agents()) +
                     " agents, " + std::to_string(spec.seeds) + " per point, " + format_bytes(largest_agent) +
                     " of tables per agent), but only " + format_bytes(available) +
                     " is available; reduce --seeds, the grid, --episodes, --steps or --chunk-agents" +
                     (spec.save_tables || spec.save_agent_metrics ? ", or drop --save-tables and --save-agent-metrics" : ""));
}

}  // namespace

Sweep plan_sweep(const SweepSpec& spec) {
  Sweep sweep;
  sweep.spec = spec;
  parse_axis_values(sweep);
  sweep.budget = plan_budget(spec);
  load_environments(sweep);
  expand_grid(sweep);
  check_points(sweep);
  const std::uint64_t largest_agent = largest_agent_bytes(sweep);
  plan_chunks(sweep, largest_agent);
  check_memory(sweep, largest_agent);
  return sweep;
}

}  // namespace dynaq
