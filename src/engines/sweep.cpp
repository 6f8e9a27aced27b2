// Sweeps: planning the grid, running it group by group, and summarising it into files.
#include "dynaq/sweep.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "dynaq/errors.hpp"
#include "dynaq/format.hpp"
#include "dynaq/npy.hpp"
#include "dynaq/random.hpp"
#include "dynaq/result_files.hpp"

namespace dynaq {

const char* planning_draw_name(PlanningDraw draw) {
  return draw == PlanningDraw::kPairs ? "pairs" : "states";
}

AgentParams GridPoint::agent_params() const {
  return AgentParams{static_cast<float>(alpha), static_cast<float>(gamma), static_cast<float>(q_init),
                     probability_threshold(epsilon), planning_steps, max_episode_steps, planning_draw};
}

namespace {

std::string format_bytes(std::uint64_t bytes) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(bytes >= (std::uint64_t{1} << 30) ? 2 : 1);
  if (bytes >= (std::uint64_t{1} << 30)) out << bytes / 1073741824.0 << " GiB";
  else if (bytes >= (std::uint64_t{1} << 20)) out << bytes / 1048576.0 << " MiB";
  else out << bytes / 1024.0 << " KiB";
  return out.str();
}

std::uint64_t available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::uint64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024;
  const long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? std::uint64_t(pages) * std::uint64_t(page) : ~std::uint64_t{0};
}

// True when a terminating outcome can be reached from the start distribution.
bool can_terminate(const TabularMdp& mdp) {
  std::vector<std::uint8_t> seen(mdp.n_states, 0);
  std::deque<std::uint32_t> frontier(mdp.start_state.begin(), mdp.start_state.end());
  for (std::uint32_t s : mdp.start_state) seen[s] = 1;
  while (!frontier.empty()) {
    const std::uint32_t s = frontier.front();
    frontier.pop_front();
    for (std::uint32_t p = s * mdp.n_actions; p < (s + 1) * mdp.n_actions; ++p)
      for (std::uint32_t i = mdp.pair_begin[p]; i < mdp.pair_begin[p + 1]; ++i) {
        if (mdp.probability[i] <= 0.0) continue;
        if (mdp.terminated[i]) return true;
        if (!seen[mdp.next_state[i]]) {
          seen[mdp.next_state[i]] = 1;
          frontier.push_back(mdp.next_state[i]);
        }
      }
  }
  return false;
}

void check_range(const std::vector<double>& values, const char* option, double low, bool low_open,
                 double high) {
  for (double v : values) {
    const bool ok = std::isfinite(v) && (low_open ? v > low : v >= low) && v <= high;
    if (!ok)
      throw InputError(std::string(option) + " " + format_double(v) + " is outside " +
                       (low_open ? "(" : "[") + format_double(low) + ", " + format_double(high) + "]");
  }
}

template <typename T>
void check_not_empty(const std::vector<T>& values, const char* option) {
  if (values.empty()) throw InputError(std::string(option) + " needs at least one value");
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

AgentGroup Sweep::group_for(std::uint32_t environment) const {
  AgentGroup group;
  group.environment = &environments[environment];
  group.seeds_per_point = spec.seeds;
  group.sweep_seed = spec.seed;
  group.budget = budget;
  group.keep_tables = spec.save_tables;
  bool first = true;
  for (std::uint32_t p = 0; p < points.size(); ++p) {
    if (points[p].environment != environment) continue;
    if (first) group.first_agent = p * spec.seeds;
    first = false;
    group.points.push_back(points[p].agent_params());
  }
  return group;
}

std::uint64_t Sweep::result_bytes() const {
  std::uint64_t bytes = 0;
  const std::uint64_t per_agent_metrics =
      budget.kind == BudgetKind::kEpisodes ? std::uint64_t{budget.episodes} * 12 : std::uint64_t{budget.n_buckets} * 12;
  for (std::uint32_t e = 0; e < environments.size(); ++e) {
    const AgentGroup group = group_for(e);
    bytes += group.n_agents() * (per_agent_metrics + 8);
    if (spec.save_tables)
      bytes += std::uint64_t{group.n_agents()} * environments[e].n_states() * environments[e].n_actions() * 16;
  }
  return bytes;
}

Sweep plan_sweep(const SweepSpec& spec) {
  Sweep sweep;
  sweep.spec = spec;
  check_not_empty(spec.environments, "--env");
  check_not_empty(spec.alphas, "--alpha");
  check_not_empty(spec.gammas, "--gamma");
  check_not_empty(spec.epsilons, "--epsilon");
  check_not_empty(spec.planning_steps, "--planning-steps");
  check_not_empty(spec.q_inits, "--q-init");
  check_not_empty(spec.planning_draws, "--planning-draw");
  check_not_empty(spec.max_episode_steps, "--max-episode-steps");
  check_range(spec.alphas, "--alpha", 0.0, true, 1.0);
  check_range(spec.gammas, "--gamma", 0.0, false, 1.0);
  check_range(spec.epsilons, "--epsilon", 0.0, false, 1.0);
  for (double q : spec.q_inits)
    if (!std::isfinite(q) || !std::isfinite(static_cast<float>(q)))
      throw InputError("--q-init " + format_double(q) + " is not a finite float32");
  if (spec.seeds == 0) throw InputError("--seeds must be at least 1");

  RunBudget& budget = sweep.budget;
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

  for (const std::string& name : spec.environments) {
    sweep.environments.push_back(load_environment(name));
    schedule_view(sweep.environments.back());  // checks the number of phases
  }

  for (std::uint32_t e = 0; e < sweep.environments.size(); ++e)
    for (double alpha : spec.alphas)
      for (double gamma : spec.gammas)
        for (double epsilon : spec.epsilons)
          for (std::uint32_t n : spec.planning_steps)
            for (double q_init : spec.q_inits)
              for (PlanningDraw draw : spec.planning_draws)
                for (const auto& limit : spec.max_episode_steps) {
                  const Environment& env = sweep.environments[e];
                  const std::uint32_t resolved = limit ? *limit : env.first().max_episode_steps;
                  sweep.points.push_back(GridPoint{e, alpha, gamma, epsilon, n, q_init, draw, limit, resolved});
                }

  if (spec.save_tables)
    for (const Environment& env : sweep.environments)
      if (env.n_states() != sweep.environments.front().n_states() ||
          env.n_actions() != sweep.environments.front().n_actions())
        throw InputError("--save-tables writes one q.npy of shape agents x states x actions, but --env " +
                         sweep.environments.front().name + " and " + env.name +
                         " differ in shape; run them separately");

  if (sweep.n_agents() > 0xFFFFFFFFull)
    throw InputError("the grid has " + std::to_string(sweep.points.size()) + " points x --seeds " +
                     std::to_string(spec.seeds) + " = " + std::to_string(sweep.n_agents()) +
                     " agents, more than the 2^32 - 1 a sweep can hold");

  if (budget.kind == BudgetKind::kEpisodes)
    for (const GridPoint& point : sweep.points) {
      if (point.max_episode_steps != 0) continue;
      const Environment& env = sweep.environments[point.environment];
      for (const EnvironmentPhase& phase : env.phases)
        if (!can_terminate(*phase.mdp))
          throw InputError("--env " + env.name + ": no terminal state can be reached from the start" +
                           (env.phases.size() > 1 ? " in phase starting at step " + std::to_string(phase.start_step) : std::string()) +
                           " and there is no step limit, so episodes would never end; set --max-episode-steps");
    }

  // Memory: results for every agent, plus one batch of tables (at least one agent's).
  std::uint64_t largest_agent = 0;
  for (std::uint32_t e = 0; e < sweep.environments.size(); ++e)
    largest_agent = std::max(largest_agent, sweep.group_for(e).table_bytes_per_agent());
  const std::uint64_t needed = sweep.result_bytes() + std::max<std::uint64_t>(largest_agent, std::min<std::uint64_t>(largest_agent * sweep.n_agents(), std::uint64_t{1} << 30));
  const std::uint64_t available = available_memory_bytes();
  if (needed > available)
    throw InputError("this sweep needs " + format_bytes(needed) + " of memory (" + std::to_string(sweep.n_agents()) +
                     " agents: " + format_bytes(sweep.result_bytes()) + " of results" +
                     (spec.save_tables ? " and saved tables" : "") + ", " + format_bytes(largest_agent) +
                     " of tables per agent), but only " + format_bytes(available) +
                     " is available; reduce --seeds, the grid, --episodes or --steps" +
                     (spec.save_tables ? ", or drop --save-tables" : ""));
  return sweep;
}

MeanStderr mean_and_stderr(const double* values, std::size_t count, std::size_t stride) {
  if (count == 0) return MeanStderr{std::nan(""), std::nan("")};
  double sum = 0.0;
  for (std::size_t i = 0; i < count; ++i) sum += values[i * stride];
  const double mean = sum / static_cast<double>(count);
  if (count == 1) return MeanStderr{mean, 0.0};
  double squares = 0.0;
  for (std::size_t i = 0; i < count; ++i) {
    const double d = values[i * stride] - mean;
    squares += d * d;
  }
  const double variance = squares / static_cast<double>(count - 1);
  return MeanStderr{mean, std::sqrt(variance / static_cast<double>(count))};
}

SweepResults run_sweep(const Sweep& sweep, Engine& engine, bool show_progress) {
  SweepResults results;
  results.engine = engine.name();
  results.device = engine.device();
  const auto start = std::chrono::steady_clock::now();
  for (std::uint32_t e = 0; e < sweep.environments.size(); ++e) {
    const AgentGroup group = sweep.group_for(e);
    results.groups.emplace_back();
    const auto group_start = std::chrono::steady_clock::now();
    auto last_print = group_start;
    const ProgressCallback progress = [&](std::uint64_t done) {
      if (!show_progress) return;
      const auto now = std::chrono::steady_clock::now();
      if (done < group.n_agents() && now - last_print < std::chrono::milliseconds(200)) return;
      last_print = now;
      const double elapsed = std::chrono::duration<double>(now - group_start).count();
      const double left = done > 0 ? elapsed * (group.n_agents() - done) / done : 0.0;
      std::fprintf(stderr, "\r%s: %llu/%u agents (%3.0f%%), %.1f s elapsed, ~%.1f s left   ",
                   group.environment->name.c_str(), static_cast<unsigned long long>(done), group.n_agents(),
                   100.0 * done / group.n_agents(), elapsed, left);
      if (done == group.n_agents()) std::fprintf(stderr, "\n");
      std::fflush(stderr);
    };
    engine.run(group, results.groups.back(), progress);
    const GroupResults& r = results.groups.back();
    for (std::uint32_t i = 0; i < group.n_agents(); ++i) {
      results.real_steps += r.total_steps[i];
      results.planning_updates += r.total_steps[i] * group.params_of(i).planning_steps;
    }
  }
  results.run_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return results;
}

namespace {

// The rows of one point's curve: (time label, metric arrays over seeds).
struct PointView {
  const GroupResults* group;
  std::uint32_t first_local_agent;
};

PointView point_view(const Sweep& sweep, const SweepResults& results, std::uint32_t point) {
  const std::uint32_t e = sweep.points[point].environment;
  std::uint32_t first_point_of_env = point;
  while (first_point_of_env > 0 && sweep.points[first_point_of_env - 1].environment == e) --first_point_of_env;
  return PointView{&results.groups[e], (point - first_point_of_env) * sweep.spec.seeds};
}

std::string parameter_header() {
  return "point,env,alpha,gamma,epsilon,planning_steps,q_init,planning_draw,max_episode_steps";
}

std::string parameter_fields(const Sweep& sweep, std::uint32_t index) {
  const GridPoint& p = sweep.points[index];
  return std::to_string(index) + "," + csv_field(sweep.environments[p.environment].name) + "," +
         format_double(p.alpha) + "," + format_double(p.gamma) + "," + format_double(p.epsilon) + "," +
         std::to_string(p.planning_steps) + "," + format_double(p.q_init) + "," +
         planning_draw_name(p.planning_draw) + "," + std::to_string(p.max_episode_steps);
}

// Per-seed values of one metric at one time index, in seed order.
std::vector<double> column(const PointView& view, std::uint32_t seeds, std::uint64_t per_agent,
                           std::uint64_t index, const std::vector<std::uint32_t>& source) {
  std::vector<double> values(seeds);
  for (std::uint32_t k = 0; k < seeds; ++k)
    values[k] = source[(std::uint64_t{view.first_local_agent} + k) * per_agent + index];
  return values;
}
std::vector<double> column(const PointView& view, std::uint32_t seeds, std::uint64_t per_agent,
                           std::uint64_t index, const std::vector<double>& source) {
  std::vector<double> values(seeds);
  for (std::uint32_t k = 0; k < seeds; ++k)
    values[k] = source[(std::uint64_t{view.first_local_agent} + k) * per_agent + index];
  return values;
}

}  // namespace

std::string curves_csv(const Sweep& sweep, const SweepResults& results) {
  std::ostringstream out;
  const RunBudget& b = sweep.budget;
  const std::uint32_t seeds = sweep.spec.seeds;
  if (b.kind == BudgetKind::kEpisodes)
    out << parameter_header() << ",episode,mean_steps,stderr_steps,mean_return,stderr_return,seeds\n";
  else
    out << parameter_header()
        << ",step,mean_cumulative_reward,stderr_cumulative_reward,mean_episodes,stderr_episodes,seeds\n";
  for (std::uint32_t p = 0; p < sweep.points.size(); ++p) {
    const PointView view = point_view(sweep, results, p);
    const std::string params = parameter_fields(sweep, p);
    if (b.kind == BudgetKind::kEpisodes) {
      for (std::uint32_t e = 0; e < b.episodes; ++e) {
        const auto steps = column(view, seeds, b.episodes, e, view.group->episode_steps);
        const auto returns = column(view, seeds, b.episodes, e, view.group->episode_return);
        const MeanStderr s = mean_and_stderr(steps.data(), seeds), r = mean_and_stderr(returns.data(), seeds);
        out << params << "," << (e + 1) << "," << format_double(s.mean) << "," << format_double(s.stderr_) << ","
            << format_double(r.mean) << "," << format_double(r.stderr_) << "," << seeds << "\n";
      }
    } else {
      for (std::uint32_t k = 0; k < b.n_buckets; ++k) {
        const std::uint64_t step = std::min<std::uint64_t>((k + 1) * b.bucket_steps, b.steps);
        const auto reward = column(view, seeds, b.n_buckets, k, view.group->bucket_cumulative_reward);
        const auto episodes = column(view, seeds, b.n_buckets, k, view.group->bucket_episodes);
        const MeanStderr r = mean_and_stderr(reward.data(), seeds), e = mean_and_stderr(episodes.data(), seeds);
        out << params << "," << step << "," << format_double(r.mean) << "," << format_double(r.stderr_) << ","
            << format_double(e.mean) << "," << format_double(e.stderr_) << "," << seeds << "\n";
      }
    }
  }
  return out.str();
}

std::string summary_json(const Sweep& sweep, const SweepResults& results, const std::string& command) {
  const RunBudget& b = sweep.budget;
  const std::uint32_t seeds = sweep.spec.seeds;
  std::ostringstream out;
  out << "{\n  \"dynaq_version\": " << json_string(DYNAQ_VERSION) << ",\n";
  out << "  \"command\": " << json_string(command) << ",\n";
  out << "  \"engine\": " << json_string(results.engine) << ",\n";
  out << "  \"device\": " << json_string(results.device) << ",\n";
  out << "  \"seed\": " << sweep.spec.seed << ",\n  \"seeds_per_point\": " << seeds << ",\n";
  out << "  \"agents\": " << sweep.n_agents() << ",\n";
  if (b.kind == BudgetKind::kEpisodes)
    out << "  \"budget\": {\"episodes\": " << b.episodes << "},\n";
  else
    out << "  \"budget\": {\"steps\": " << b.steps << ", \"bucket_steps\": " << b.bucket_steps << "},\n";
  out << "  \"timings\": {\"run_seconds\": " << json_number(results.run_seconds)
      << ", \"real_steps\": " << results.real_steps << ", \"planning_updates\": " << results.planning_updates
      << ", \"real_steps_per_second\": " << json_number(results.real_steps / std::max(results.run_seconds, 1e-9))
      << ", \"planning_updates_per_second\": "
      << json_number(results.planning_updates / std::max(results.run_seconds, 1e-9)) << "},\n";
  out << "  \"environments\": [";
  for (std::size_t e = 0; e < sweep.environments.size(); ++e) {
    const Environment& env = sweep.environments[e];
    out << (e ? ",\n" : "\n") << "    {\"name\": " << json_string(env.name) << ", \"n_states\": " << env.n_states()
        << ", \"n_actions\": " << env.n_actions() << ", \"max_outcomes_per_pair\": " << env.first().max_outcomes_per_pair()
        << ", \"phase_start_steps\": [";
    for (std::size_t k = 0; k < env.phases.size(); ++k) out << (k ? ", " : "") << env.phases[k].start_step;
    out << "]}";
  }
  out << "\n  ],\n  \"points\": [";
  for (std::uint32_t p = 0; p < sweep.points.size(); ++p) {
    const GridPoint& gp = sweep.points[p];
    const PointView view = point_view(sweep, results, p);
    out << (p ? ",\n" : "\n") << "    {\"point\": " << p << ", \"env\": " << json_string(sweep.environments[gp.environment].name)
        << ", \"alpha\": " << json_number(gp.alpha) << ", \"gamma\": " << json_number(gp.gamma)
        << ", \"epsilon\": " << json_number(gp.epsilon) << ", \"planning_steps\": " << gp.planning_steps
        << ", \"q_init\": " << json_number(gp.q_init) << ", \"planning_draw\": \"" << planning_draw_name(gp.planning_draw)
        << "\", \"max_episode_steps\": " << gp.max_episode_steps << ", \"seeds\": " << seeds;
    std::vector<double> totals(seeds);
    for (std::uint32_t k = 0; k < seeds; ++k) totals[k] = static_cast<double>(view.group->total_steps[view.first_local_agent + k]);
    const MeanStderr total = mean_and_stderr(totals.data(), seeds);
    out << ", \"mean_real_steps\": " << json_number(total.mean);
    if (b.kind == BudgetKind::kEpisodes) {
      const auto steps = column(view, seeds, b.episodes, b.episodes - 1, view.group->episode_steps);
      const auto returns = column(view, seeds, b.episodes, b.episodes - 1, view.group->episode_return);
      const MeanStderr s = mean_and_stderr(steps.data(), seeds), r = mean_and_stderr(returns.data(), seeds);
      out << ", \"final_mean_steps\": " << json_number(s.mean) << ", \"final_stderr_steps\": " << json_number(s.stderr_)
          << ", \"final_mean_return\": " << json_number(r.mean) << ", \"final_stderr_return\": " << json_number(r.stderr_);
    } else {
      const auto reward = column(view, seeds, b.n_buckets, b.n_buckets - 1, view.group->bucket_cumulative_reward);
      const MeanStderr r = mean_and_stderr(reward.data(), seeds);
      out << ", \"final_mean_cumulative_reward\": " << json_number(r.mean)
          << ", \"final_stderr_cumulative_reward\": " << json_number(r.stderr_);
    }
    out << "}";
  }
  out << "\n  ],\n  \"files\": {\"curves\": \"curves.csv\"" << (sweep.spec.save_tables ? ", \"q\": \"q.npy\"" : "")
      << "}\n}\n";
  return out.str();
}

std::string results_table(const Sweep& sweep, const SweepResults& results) {
  const RunBudget& b = sweep.budget;
  const std::uint32_t seeds = sweep.spec.seeds;
  // A few moments worth reading: 1, 2, 3, 5, 10, 20, 50, ... and the last.
  std::vector<std::uint64_t> marks;
  const std::uint64_t last = b.kind == BudgetKind::kEpisodes ? b.episodes : b.n_buckets;
  for (std::uint64_t m : {1ull, 2ull, 3ull, 5ull, 10ull, 20ull, 50ull, 100ull, 200ull, 500ull, 1000ull, 10000ull})
    if (m < last && (b.kind == BudgetKind::kEpisodes || m * 10 < last)) marks.push_back(m);
  if (b.kind == BudgetKind::kSteps) {
    marks.clear();
    for (std::uint64_t k = 1; k <= 4; ++k) marks.push_back(std::max<std::uint64_t>(1, last * k / 5));
  }
  marks.push_back(last);
  marks.erase(std::unique(marks.begin(), marks.end()), marks.end());

  std::ostringstream out;
  out << (b.kind == BudgetKind::kEpisodes ? "mean steps per episode" : "mean cumulative reward")
      << " over " << seeds << " seed" << (seeds == 1 ? "" : "s") << " per point\n";
  out << std::left << std::setw(6) << "point" << std::setw(22) << "env" << std::setw(8) << "alpha"
      << std::setw(7) << "gamma" << std::setw(8) << "epsilon" << std::setw(6) << "n";
  for (std::uint64_t m : marks) {
    const std::string label = b.kind == BudgetKind::kEpisodes ? "ep " + std::to_string(m)
                                                              : "t " + std::to_string(std::min<std::uint64_t>(m * b.bucket_steps, b.steps));
    out << std::right << std::setw(11) << label;
  }
  out << "\n";
  for (std::uint32_t p = 0; p < sweep.points.size(); ++p) {
    const GridPoint& gp = sweep.points[p];
    const PointView view = point_view(sweep, results, p);
    std::string env = sweep.environments[gp.environment].name;
    if (env.size() > 21) env = env.substr(0, 18) + "...";
    out << std::left << std::setw(6) << p << std::setw(22) << env << std::setw(8) << format_double(gp.alpha)
        << std::setw(7) << format_double(gp.gamma) << std::setw(8) << format_double(gp.epsilon) << std::setw(6)
        << gp.planning_steps << std::right;
    for (std::uint64_t m : marks) {
      const auto values = b.kind == BudgetKind::kEpisodes
                              ? column(view, seeds, b.episodes, m - 1, view.group->episode_steps)
                              : column(view, seeds, b.n_buckets, m - 1, view.group->bucket_cumulative_reward);
      std::ostringstream cell;
      cell << std::fixed << std::setprecision(1) << mean_and_stderr(values.data(), seeds).mean;
      out << std::setw(11) << cell.str();
    }
    out << "\n";
  }
  return out.str();
}

std::vector<std::string> write_sweep_results(const Sweep& sweep, const SweepResults& results,
                                             const std::string& directory, const std::string& command) {
  ResultFileSet files(directory);
  std::vector<std::string> written{"curves.csv", "summary.json"};
  files.open("curves.csv") << curves_csv(sweep, results);
  files.open("summary.json") << summary_json(sweep, results, command);
  if (sweep.spec.save_tables) {
    const Environment& env = sweep.environments.front();
    std::vector<float> q;
    q.reserve(sweep.n_agents() * env.n_states() * env.n_actions());
    for (const GroupResults& g : results.groups) q.insert(q.end(), g.q.begin(), g.q.end());
    write_npy(files.open("q.npy"), q.data(), {sweep.n_agents(), env.n_states(), env.n_actions()});
    written.push_back("q.npy");
  }
  files.commit();
  return written;
}

}  // namespace dynaq
