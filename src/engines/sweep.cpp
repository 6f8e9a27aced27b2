// Sweeps: the grid axes, planning the grid into chunks, running chunks into chunk files, and
// summarising chunk files into result files.
#include "dynaq/sweep.hpp"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <set>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "dynaq/config_file.hpp"
#include "dynaq/environment_fingerprint.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/format.hpp"
#include "dynaq/grid_applicability.hpp"
#include "dynaq/messages.hpp"
#include "dynaq/npy.hpp"
#include "dynaq/option_values.hpp"
#include "dynaq/random.hpp"
#include "dynaq/result_files.hpp"
#include "dynaq/value_iteration.hpp"
#include "dynaq/varying_axes.hpp"

namespace dynaq {

const char* planning_draw_name(PlanningDraw draw) {
  return draw == PlanningDraw::kPairs ? "pairs" : "states";
}

const char* algorithm_name(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kDynaQ: return "dyna-q";
    case Algorithm::kDynaQPlus: return "dyna-q-plus";
    case Algorithm::kDynaQPlusAction: return "dyna-q-plus-action";
    case Algorithm::kPrioritized: return "prioritized";
    case Algorithm::kPrioritizedDirect: return "prioritized-direct";
  }
  return "?";
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---- Grid axes -----------------------------------------------------------------------------

template <typename Enum>
struct Named {
  const char* name;
  Enum value;
};
const Named<PlanningDraw> kPlanningDraws[] = {{"pairs", PlanningDraw::kPairs}, {"states", PlanningDraw::kStates}};
const Named<Algorithm> kAlgorithms[] = {{"dyna-q", Algorithm::kDynaQ},
                                        {"dyna-q-plus", Algorithm::kDynaQPlus},
                                        {"dyna-q-plus-action", Algorithm::kDynaQPlusAction},
                                        {"prioritized", Algorithm::kPrioritized},
                                        {"prioritized-direct", Algorithm::kPrioritizedDirect}};
const Named<ModelKind> kModels[] = {{"last", ModelKind::kLast}, {"counts", ModelKind::kCounts}};
const Named<BackupKind> kBackups[] = {{"sample", BackupKind::kSample}, {"expected", BackupKind::kExpected}};

template <typename Enum, std::size_t N>
Enum parse_name(const std::string& text, const char* option, const Named<Enum> (&names)[N]) {
  std::string list;
  for (const auto& n : names) {
    if (text == n.name) return n.value;
    list += std::string(list.empty() ? "" : ", ") + n.name;
  }
  throw InputError(std::string(option) + ": '" + text + "' is not one of: " + list);
}
template <typename Enum, std::size_t N>
const char* name_of(Enum value, const Named<Enum> (&names)[N]) {
  for (const auto& n : names)
    if (n.value == value) return n.name;
  return "?";
}

// A real in [low, high] (or (low, high] when low_open).
double parse_ranged(const std::string& text, const char* option, double low, bool low_open, double high) {
  const double v = parse_real(text, option);
  if (!((low_open ? v > low : v >= low) && v <= high))
    throw InputError(std::string(option) + " " + format_double(v) + " is outside " + (low_open ? "(" : "[") +
                     format_double(low) + ", " + format_double(high) + "]");
  return v;
}
double parse_non_negative(const std::string& text, const char* option) {
  const double v = parse_real(text, option);
  if (v < 0.0) throw InputError(std::string(option) + " " + format_double(v) + " is negative");
  if (!std::isfinite(static_cast<float>(v)))
    throw InputError(std::string(option) + " " + format_double(v) + " is too large for a float32");
  return v;
}
std::uint32_t parse_count32(const std::string& text, const char* option, std::uint32_t minimum) {
  const std::uint64_t v = parse_count(text, option);
  if (v > 0xFFFFFFFFull) throw InputError(std::string(option) + ": '" + text + "' is larger than 4294967295");
  if (v < minimum)
    throw InputError(std::string(option) + " " + text + " is less than " + std::to_string(minimum));
  return static_cast<std::uint32_t>(v);
}

std::string quoted(const char* text) { return toml_string(text); }

std::vector<GridAxis> make_grid_axes() {
  using S = PointSettings;
  using E = Environment;
  return {
      {"env", nullptr, "env", "dyna-maze",
       "Environments: a built-in name (see `dynaq envs`), random-maze:RxC:SEED, garnet:S:A:B:SEED, a maze .txt "
       "or MDP .json file, or a schedule A@STEP=B",
       [](const std::string& t, S& s) {
         if (t.empty()) throw InputError("--env: empty name in the list");
         s.env = t;
       },
       [](const S& s) { return toml_string(s.env); }, [](const S&, const E& e) { return e.name; }, true},
      {"alpha", nullptr, "alpha", "0.1", "Step sizes in (0, 1]",
       [](const std::string& t, S& s) { s.alpha = parse_ranged(t, "--alpha", 0.0, true, 1.0); },
       [](const S& s) { return format_double(s.alpha); }, [](const S& s, const E&) { return format_double(s.alpha); },
       false},
      {"gamma", nullptr, "gamma", "0.95", "Discount factors in [0, 1]",
       [](const std::string& t, S& s) { s.gamma = parse_ranged(t, "--gamma", 0.0, false, 1.0); },
       [](const S& s) { return format_double(s.gamma); }, [](const S& s, const E&) { return format_double(s.gamma); },
       false},
      {"epsilon", nullptr, "epsilon", "0.1", "Exploration rates in [0, 1] for epsilon-greedy",
       [](const std::string& t, S& s) { s.epsilon = parse_ranged(t, "--epsilon", 0.0, false, 1.0); },
       [](const S& s) { return format_double(s.epsilon); },
       [](const S& s, const E&) { return format_double(s.epsilon); }, false},
      {"planning-steps", "-n", "planning_steps", "5", "Planning updates per real step, >= 0",
       [](const std::string& t, S& s) { s.planning_steps = parse_count32(t, "--planning-steps", 0); },
       [](const S& s) { return std::to_string(s.planning_steps); },
       [](const S& s, const E&) { return std::to_string(s.planning_steps); }, false},
      {"q-init", nullptr, "q_init", "0", "Initial Q value of every pair (write --q-init=-1 for negatives)",
       [](const std::string& t, S& s) {
         s.q_init = parse_real(t, "--q-init");
         if (!std::isfinite(static_cast<float>(s.q_init)))
           throw InputError("--q-init " + format_double(s.q_init) + " is not a finite float32");
       },
       [](const S& s) { return format_double(s.q_init); },
       [](const S& s, const E&) { return format_double(s.q_init); }, false},
      {"planning-draw", nullptr, "planning_draw", "pairs",
       "What planning replays: pairs = a uniform observed pair; states = a uniform observed state, then a "
       "uniform action already taken there",
       [](const std::string& t, S& s) { s.planning_draw = parse_name(t, "--planning-draw", kPlanningDraws); },
       [](const S& s) { return quoted(name_of(s.planning_draw, kPlanningDraws)); },
       [](const S& s, const E&) { return std::string(name_of(s.planning_draw, kPlanningDraws)); }, true},
      {"max-episode-steps", nullptr, "max_episode_steps", "env",
       "Step limit per episode: env = the environment's own, none or 0 = no limit, or a number; hitting it "
       "truncates the episode (it still bootstraps); result files show the resolved limit, 0 for none",
       [](const std::string& t, S& s) {
         if (t == "env") s.max_episode_steps = std::nullopt;
         else if (t == "none") s.max_episode_steps = 0u;
         else s.max_episode_steps = parse_count32(t, "--max-episode-steps", 0);
       },
       [](const S& s) {
         return !s.max_episode_steps ? quoted("env")
                                     : *s.max_episode_steps == 0 ? quoted("none") : std::to_string(*s.max_episode_steps);
       },
       [](const S& s, const E& e) {
         return std::to_string(s.max_episode_steps ? *s.max_episode_steps : e.first().max_episode_steps);
       },
       false},
      {"algo", nullptr, "algorithm", "dyna-q",
       "Planning algorithm: dyna-q, dyna-q-plus (bonus kappa sqrt(tau) in planning), dyna-q-plus-action (the "
       "bonus in action selection only), prioritized (prioritized sweeping), prioritized-direct (prioritized "
       "sweeping with the direct update)",
       [](const std::string& t, S& s) { s.algorithm = parse_name(t, "--algo", kAlgorithms); },
       [](const S& s) { return quoted(name_of(s.algorithm, kAlgorithms)); },
       [](const S& s, const E&) { return std::string(name_of(s.algorithm, kAlgorithms)); }, true},
      {"kappa", nullptr, "kappa", "0.001", "Dyna-Q+ exploration bonus scale, >= 0",
       [](const std::string& t, S& s) { s.kappa = parse_non_negative(t, "--kappa"); },
       [](const S& s) { return format_double(s.kappa); }, [](const S& s, const E&) { return format_double(s.kappa); },
       false},
      {"theta", nullptr, "theta", "0.0001", "Prioritized sweeping: queue a pair when its priority exceeds this, >= 0",
       [](const std::string& t, S& s) { s.theta = parse_non_negative(t, "--theta"); },
       [](const S& s) { return format_double(s.theta); }, [](const S& s, const E&) { return format_double(s.theta); },
       false},
      {"model", nullptr, "model", "last",
       "What the model keeps of a pair: last = its last outcome; counts = every distinct outcome with its count",
       [](const std::string& t, S& s) { s.model = parse_name(t, "--model", kModels); },
       [](const S& s) { return quoted(name_of(s.model, kModels)); },
       [](const S& s, const E&) { return std::string(name_of(s.model, kModels)); }, true},
      {"backup", nullptr, "backup", "sample",
       "Planning backup under --model counts: sample = one outcome drawn by its count; expected = the expectation",
       [](const std::string& t, S& s) { s.backup = parse_name(t, "--backup", kBackups); },
       [](const S& s) { return quoted(name_of(s.backup, kBackups)); },
       [](const S& s, const E&) { return std::string(name_of(s.backup, kBackups)); }, true},
      {"model-capacity", nullptr, "model_capacity", "8", "Distinct outcomes a counts model keeps per pair, >= 1",
       [](const std::string& t, S& s) { s.model_capacity = parse_count32(t, "--model-capacity", 1); },
       [](const S& s) { return std::to_string(s.model_capacity); },
       [](const S& s, const E&) { return std::to_string(s.model_capacity); }, false},
  };
}

// ---- Helpers -------------------------------------------------------------------------------

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

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Numbers in CSV: shortest round-trip text; NaN (undefined, e.g. a confidence interval of one
// seed) is an empty field, which pandas reads as NaN; infinities are "inf" and "-inf".
std::string csv_number(double value) { return std::isnan(value) ? std::string() : format_double(value); }

std::string hex64(std::uint64_t value) {
  char buffer[20];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
  return buffer;
}

std::uint64_t time_length(const RunBudget& budget) {
  return budget.kind == BudgetKind::kEpisodes ? budget.episodes : budget.n_buckets;
}

// Width of time index k: one episode, or the bucket's real steps (the last may be shorter).
double time_width(const RunBudget& budget, std::uint64_t k) {
  if (budget.kind == BudgetKind::kEpisodes) return 1.0;
  const std::uint64_t end = std::min<std::uint64_t>((k + 1) * budget.bucket_steps, budget.steps);
  return static_cast<double>(end - k * budget.bucket_steps);
}

}  // namespace

const std::vector<GridAxis>& grid_axes() {
  static const std::vector<GridAxis> axes = make_grid_axes();
  return axes;
}

std::size_t grid_axis_index(const std::string& key) {
  const auto& axes = grid_axes();
  for (std::size_t a = 0; a < axes.size(); ++a)
    if (key == axes[a].key) return a;
  throw std::out_of_range("no grid axis '" + key + "'");
}

SweepSpec::SweepSpec() {
  for (const GridAxis& axis : grid_axes()) axis_values.push_back(split_list({axis.default_value}));
}

void SweepSpec::set(const std::string& key, std::vector<std::string> values) {
  axis_values.at(grid_axis_index(key)) = std::move(values);
}

const std::vector<std::string>& SweepSpec::values(const std::string& key) const {
  return axis_values.at(grid_axis_index(key));
}

AgentParams GridPoint::agent_params() const {
  const PointSettings& s = settings;
  AgentParams params{static_cast<float>(s.alpha), static_cast<float>(s.gamma), static_cast<float>(s.q_init),
                     probability_threshold(s.epsilon), s.planning_steps, max_episode_steps, s.planning_draw};
  params.algorithm = s.algorithm;
  params.kappa = static_cast<float>(s.kappa);
  params.theta = static_cast<float>(s.theta);
  params.model = s.model;
  params.backup = s.backup;
  params.model_capacity = s.model_capacity;
  return params;
}

namespace {
template <typename T>
void widen(const std::vector<T>& values, std::vector<double>& out) {
  out.assign(values.begin(), values.end());  // exact: counts stay below 2^53
}
}  // namespace

std::vector<AgentMetric> agent_metrics(BudgetKind budget) {
  // Curves first (the first one is the headline: the table's and the plot's default), then
  // one value per agent. For a scalar, `budget` is ignored.
  static const AgentMetric all[] = {
      {"steps", true, BudgetKind::kEpisodes, [](const GroupResults& r, std::vector<double>& o) { widen(r.episode_steps, o); }},
      {"return", true, BudgetKind::kEpisodes, [](const GroupResults& r, std::vector<double>& o) { widen(r.episode_return, o); }},
      {"cumulative_reward", true, BudgetKind::kSteps,
       [](const GroupResults& r, std::vector<double>& o) { widen(r.bucket_cumulative_reward, o); }},
      {"episodes", true, BudgetKind::kSteps, [](const GroupResults& r, std::vector<double>& o) { widen(r.bucket_episodes, o); }},
      {"model_error", true, BudgetKind::kSteps,
       [](const GroupResults& r, std::vector<double>& o) { widen(r.bucket_model_error, o); }},
      {"real_steps", false, budget, [](const GroupResults& r, std::vector<double>& o) { widen(r.total_steps, o); }},
      {"planning_updates", false, budget,
       [](const GroupResults& r, std::vector<double>& o) { widen(r.planning_updates, o); }},
      {"greedy_return", false, budget, nullptr},
      {"greedy_steps", false, budget, nullptr},
      // 1 where the greedy policy ends its episodes in a terminal state with probability 1 (no
      // step limit needed), else 0: its mean is the share of agents whose greedy_steps is not
      // a never-ending (or truncated) loop.
      {"greedy_terminates", false, budget, nullptr},
  };
  std::vector<AgentMetric> metrics;
  for (const AgentMetric& m : all)
    if (!m.curve || m.budget == budget) metrics.push_back(m);
  return metrics;
}

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

Sweep plan_sweep(const SweepSpec& spec) {
  Sweep sweep;
  sweep.spec = spec;
  const auto& axes = grid_axes();
  if (spec.axis_values.size() != axes.size()) throw std::logic_error("SweepSpec has the wrong number of axes");

  // Every value of every axis is parsed once here, so that a bad value is reported before
  // anything is loaded or run, and its canonical form goes to config.toml.
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
  if (spec.near_optimal_steps && !(*spec.near_optimal_steps > 0.0))
    throw InputError("--near-optimal-steps " + format_double(*spec.near_optimal_steps) + " is not positive");

  const std::size_t env_axis = grid_axis_index("env");
  for (const std::string& name : spec.axis_values[env_axis]) {
    sweep.environments.push_back(load_environment(name));
    schedule_view(sweep.environments.back());  // checks the number of phases
    sweep.environment_fingerprints.push_back(environment_fingerprint(sweep.environments.back()));
  }
  refuse_ambiguous_environment_names(spec.axis_values[env_axis], sweep.environments);
  refuse_unreached_phases(budget, sweep.environments);

  // The grid: environment outermost, then the other axes in table order. A point that differs
  // from an earlier one only in axes that do not apply to it is that point (grid_applicability.hpp).
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

  // Chunk size: a fixed number of agents, chosen from the sweep alone (never from the machine)
  // so that the chunk layout, and with it resumption and sharding, is the same everywhere.
  // Auto: at most 4096 agents, and at most 256 MiB of final tables per chunk.
  std::uint64_t largest_agent = 0;
  for (std::uint32_t e = 0; e < sweep.environments.size(); ++e) {
    AgentGroup probe;
    probe.environment = &sweep.environments[e];
    for (const GridPoint& p : sweep.points)
      if (p.environment == e) probe.points.push_back(p.agent_params());
    probe.validate();  // what only the environment can tell (e.g. a counts model's capacity)
    largest_agent = std::max(largest_agent, probe.table_bytes_per_agent());
  }
  if (spec.chunk_agents > 0) {
    sweep.chunk_agents = spec.chunk_agents;
  } else {
    const std::uint64_t fit = std::max<std::uint64_t>(1, (std::uint64_t{256} << 20) / std::max<std::uint64_t>(1, largest_agent));
    sweep.chunk_agents = static_cast<std::uint32_t>(std::min<std::uint64_t>(4096, fit));
  }
  const std::uint32_t seeds = spec.seeds;
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

  // Memory, at the largest moment: one chunk's metrics and final tables while the engine holds
  // a batch of tables, or one grid point's metrics while its statistics are computed, or the
  // arrays written whole (q.npy, agent_*.npy).
  const std::uint64_t per_agent_values = time_length(budget) * 2 + 3;
  std::uint64_t chunk_bytes = 0;
  for (const Chunk& c : sweep.chunks)
    chunk_bytes = std::max(chunk_bytes, std::uint64_t{sweep.n_agents(c)} *
                                            (per_agent_values * 8 * 2 + 2 * largest_agent));
  const std::uint64_t batch_bytes = std::max<std::uint64_t>(largest_agent, std::min<std::uint64_t>(largest_agent * sweep.chunk_agents, std::uint64_t{1} << 30));
  const std::uint64_t point_bytes = std::uint64_t{seeds} * (per_agent_values * 8 + 16);
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
                     " agents, " + std::to_string(seeds) + " per point, " + format_bytes(largest_agent) +
                     " of tables per agent), but only " + format_bytes(available) +
                     " is available; reduce --seeds, the grid, --episodes, --steps or --chunk-agents" +
                     (spec.save_tables || spec.save_agent_metrics ? ", or drop --save-tables and --save-agent-metrics" : ""));
  return sweep;
}

// ---- Running -------------------------------------------------------------------------------

namespace {

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

std::vector<std::uint32_t> chunks_in_folder(const Sweep& sweep, const std::string& folder,
                                            const ChunkIdentity& identity) {
  namespace fs = std::filesystem;
  std::vector<std::uint32_t> present;
  std::error_code error;
  if (!fs::is_directory(folder, error)) return present;
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder, error)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const std::string path = (fs::path(folder) / name).string();
    // "chunk-000012.bin.partial-PID" is a chunk being written (or left by a killed writer).
    if (name.rfind("chunk-", 0) != 0 || name.find(".partial-") != std::string::npos) continue;
    const ChunkRecord header = read_chunk_file(path, true);
    if (header.identity.dynaq_version != identity.dynaq_version)
      throw InputError(path + " was written by dynaq " + header.identity.dynaq_version + ", but this is dynaq " +
                       identity.dynaq_version + "; finish the run with that version, or start it again with --overwrite");
    // The environment first: a changed file is the likeliest reason for a foreign chunk, and
    // the message can name it.
    if (header.chunk < sweep.chunks.size()) {
      const std::uint32_t e = sweep.chunks[header.chunk].environment;
      if (header.environment_fingerprint != sweep.environment_fingerprints[e])
        throw InputError(path + " was computed on another content of environment " + sweep.environments[e].name +
                         " (fingerprint " + header.environment_fingerprint + " there, " +
                         sweep.environment_fingerprints[e] + " now): that environment changed since the chunk was "
                         "run; restore it, or start the run again with --overwrite");
    }
    if (header.identity.config_hash != identity.config_hash)
      throw InputError(path + " belongs to another configuration than this run's (config hash " +
                       hex64(header.identity.config_hash) + " there, " + hex64(identity.config_hash) +
                       " here); its folder's config.toml was changed, or the chunk comes from another run");
    if (header.chunk >= sweep.chunks.size() || chunk_file_name(header.chunk) != name ||
        header.first_agent != sweep.first_agent(sweep.chunks[header.chunk]) ||
        header.agents != sweep.n_agents(sweep.chunks[header.chunk]))
      throw InputError(path + " does not match chunk " + std::to_string(header.chunk) + " of this sweep");
    present.push_back(header.chunk);
  }
  return present;
}

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

// ---- Collecting chunk files ------------------------------------------------------------------

ChunkFiles collect_chunk_files(const Sweep& sweep, const std::vector<std::string>& folders,
                               const ChunkIdentity& identity, std::uint32_t shard_count) {
  ChunkFiles files;
  files.paths.assign(sweep.chunks.size(), std::string());
  for (const std::string& folder : folders)
    for (std::uint32_t c : chunks_in_folder(sweep, folder, identity))
      if (files.paths[c].empty()) files.paths[c] = (std::filesystem::path(folder) / chunk_file_name(c)).string();
  std::vector<std::uint32_t> missing;
  for (std::uint32_t c = 0; c < files.paths.size(); ++c)
    if (files.paths[c].empty()) missing.push_back(c);
  if (!missing.empty()) {
    std::string list;
    for (std::size_t k = 0; k < missing.size() && k < 8; ++k) {
      list += (k ? ", " : "") + std::to_string(missing[k]);
      if (shard_count > 1)
        list += " (shard " + std::to_string(sweep.shard_of(missing[k], shard_count)) + "/" + std::to_string(shard_count) + ")";
    }
    if (missing.size() > 8) list += ", ...";
    throw InputError(std::to_string(missing.size()) + " of the sweep's " + std::to_string(sweep.chunks.size()) +
                     " chunks are missing: " + list +
                     "; finish the shards that hold them (dynaq run --resume SHARD_DIR) and merge again");
  }
  return files;
}

// ---- Statistics ------------------------------------------------------------------------------

namespace {

// The states an episode can visit under a policy with action probabilities `pi` ([state][action]):
// from the start states, along outcomes of actions with pi > 0 that do not end the episode. In
// increasing order.
std::vector<std::uint32_t> states_on_policy(const TabularMdp& mdp, const std::vector<double>& pi) {
  const std::uint32_t S = mdp.n_states, A = mdp.n_actions;
  std::vector<std::uint8_t> seen(S, 0);
  std::vector<std::uint32_t> frontier;
  for (std::uint32_t s = 0; s < S; ++s)
    if (mdp.initial_distribution[s] > 0.0) {
      seen[s] = 1;
      frontier.push_back(s);
    }
  while (!frontier.empty()) {
    const std::uint32_t s = frontier.back();
    frontier.pop_back();
    for (std::uint32_t a = 0; a < A; ++a) {
      const std::uint32_t pair = s * A + a;
      if (!(pi[pair] > 0.0)) continue;
      for (std::uint32_t i = mdp.pair_begin[pair]; i < mdp.pair_begin[pair + 1]; ++i)
        if (!mdp.terminated[i] && mdp.probability[i] > 0.0 && !seen[mdp.next_state[i]]) {
          seen[mdp.next_state[i]] = 1;
          frontier.push_back(mdp.next_state[i]);
        }
    }
  }
  std::vector<std::uint32_t> states;
  for (std::uint32_t s = 0; s < S; ++s)
    if (seen[s]) states.push_back(s);
  return states;
}

// Whether every state of `states` (closed under the policy) can end an episode under it: a
// search backwards from the states with an ending outcome, along the policy's outcomes reversed,
// linear in the outcomes of `states`.
bool every_state_can_end(const TabularMdp& mdp, const std::vector<double>& pi, const std::vector<std::uint32_t>& states) {
  const std::uint32_t A = mdp.n_actions;
  const auto each_outcome = [&](std::uint32_t s, const auto& visit) {
    for (std::uint32_t a = 0; a < A; ++a) {
      const std::uint32_t pair = s * A + a;
      if (!(pi[pair] > 0.0)) continue;
      for (std::uint32_t i = mdp.pair_begin[pair]; i < mdp.pair_begin[pair + 1]; ++i)
        if (mdp.probability[i] > 0.0) visit(i);
    }
  };
  // Predecessors among `states`, as lists in one array (by next state).
  std::vector<std::uint32_t> begin(std::uint64_t{mdp.n_states} + 1, 0);
  for (const std::uint32_t s : states)
    each_outcome(s, [&](std::uint32_t i) { if (!mdp.terminated[i]) ++begin[mdp.next_state[i] + 1]; });
  for (std::uint32_t s = 0; s < mdp.n_states; ++s) begin[s + 1] += begin[s];
  std::vector<std::uint32_t> predecessors(begin.back()), filled(begin.begin(), begin.end() - 1);
  std::vector<std::uint8_t> ends(mdp.n_states, 0);
  std::vector<std::uint32_t> frontier;
  for (const std::uint32_t s : states)
    each_outcome(s, [&](std::uint32_t i) {
      if (!mdp.terminated[i]) {
        predecessors[filled[mdp.next_state[i]]++] = s;
      } else if (!ends[s]) {
        ends[s] = 1;
        frontier.push_back(s);
      }
    });
  while (!frontier.empty()) {
    const std::uint32_t s = frontier.back();
    frontier.pop_back();
    for (std::uint32_t k = begin[s]; k < begin[s + 1]; ++k)
      if (!ends[predecessors[k]]) {
        ends[predecessors[k]] = 1;
        frontier.push_back(predecessors[k]);
      }
  }
  return std::all_of(states.begin(), states.end(), [&](std::uint32_t s) { return ends[s] != 0; });
}

// Expected episode length of the epsilon-greedy policy on Q* (ties among maximal actions
// broken uniformly, as the agents break them), on the true MDP: by backward induction over a
// step limit, or iterated to a fixed point without one. Only the states an episode can visit
// take part. NaN without a step limit when some episode may never end, or when the iteration
// does not settle.
double epsilon_greedy_steps(const TabularMdp& mdp, const std::vector<double>& q_star, double epsilon,
                            std::uint32_t step_limit) {
  const std::uint32_t S = mdp.n_states, A = mdp.n_actions;
  // pi(a | s): epsilon / A for every action, plus (1 - epsilon) shared by the maximal ones. Q*
  // values of equally good actions can differ in their last bits, so "maximal" allows 1e-9.
  std::vector<double> pi(std::uint64_t{S} * A);
  for (std::uint32_t s = 0; s < S; ++s) {
    const double* row = &q_star[std::uint64_t{s} * A];
    const double best = *std::max_element(row, row + A);
    const double slack = 1e-9 * std::max(1.0, std::fabs(best));
    std::uint32_t ties = 0;
    for (std::uint32_t a = 0; a < A; ++a) ties += row[a] >= best - slack;
    for (std::uint32_t a = 0; a < A; ++a)
      pi[std::uint64_t{s} * A + a] = epsilon / A + (row[a] >= best - slack ? (1.0 - epsilon) / ties : 0.0);
  }
  const std::vector<std::uint32_t> states = states_on_policy(mdp, pi);
  if (step_limit == 0 && !every_state_can_end(mdp, pi, states)) return kNaN;  // infinitely long on average
  std::vector<double> steps(S, 0.0), next(S, 0.0);
  // Without a step limit, sweeps go on until nothing changes, bounded (about 2e9 outcome visits)
  // for chains that mix too slowly.
  std::uint64_t work_per_sweep = 1;
  for (const std::uint32_t s : states) work_per_sweep += A + mdp.pair_begin[(s + 1) * A] - mdp.pair_begin[s * A];
  const std::uint64_t limit =
      step_limit != 0 ? step_limit : std::max<std::uint64_t>(1000, std::min<std::uint64_t>(100000, 2'000'000'000 / work_per_sweep));
  for (std::uint64_t h = 0; h < limit; ++h) {
    double change = 0.0;
    for (const std::uint32_t s : states) {
      double value = 1.0;
      for (std::uint32_t a = 0; a < A; ++a) {
        const std::uint32_t pair = s * A + a;
        double future = 0.0;
        for (std::uint32_t i = mdp.pair_begin[pair]; i < mdp.pair_begin[pair + 1]; ++i)
          if (!mdp.terminated[i]) future += mdp.probability[i] * steps[mdp.next_state[i]];
        value += pi[pair] * future;
      }
      change = std::max(change, std::fabs(value - steps[s]));
      next[s] = value;
    }
    steps.swap(next);
    if (change < 1e-9) break;
    if (step_limit == 0 && h + 1 == limit) return kNaN;
  }
  double start = 0.0;
  for (const std::uint32_t s : states) start += mdp.initial_distribution[s] * steps[s];
  return start;
}

}  // namespace

SweepAnalysis::SweepAnalysis(const Sweep& sweep, const ChunkFiles& files, ColumnSummarizer summarize)
    : sweep_(sweep), files_(files), summarize_(std::move(summarize)) {
  for (const std::string& path : files_.paths) chunk_seconds_ += read_chunk_file(path, true).seconds;
}

const ChunkRecord& SweepAnalysis::load(std::uint32_t chunk) {
  if (loaded_chunk_ != chunk) {
    loaded_chunk_ = ~0u;
    loaded_ = read_chunk_file(files_.paths.at(chunk));
    const Chunk& c = sweep_.chunks[chunk];
    if (loaded_.first_agent != sweep_.first_agent(c) || loaded_.agents != sweep_.n_agents(c))
      throw InputError(files_.paths[chunk] + " does not match chunk " + std::to_string(chunk) + " of this sweep");
    for (const AgentMetric& m : agent_metrics(sweep_.budget.kind)) {
      const std::vector<double>* array = loaded_.find(m.name);
      const std::uint64_t expected = std::uint64_t{loaded_.agents} * (m.curve ? time_length(sweep_.budget) : 1);
      if (array == nullptr || array->size() != expected)
        throw InputError(files_.paths[chunk] + " lacks the metric '" + m.name + "' of the right size");
    }
    loaded_chunk_ = chunk;
  }
  return loaded_;
}

std::map<std::string, std::vector<double>> SweepAnalysis::agent_arrays(std::uint64_t first, std::uint64_t count) {
  std::map<std::string, std::vector<double>> out;
  const std::vector<AgentMetric> metrics = agent_metrics(sweep_.budget.kind);
  for (const AgentMetric& m : metrics) out[m.name].reserve(count * (m.curve ? time_length(sweep_.budget) : 1));
  for (std::uint32_t c : sweep_.chunks_holding(first, count)) {
    const ChunkRecord& record = load(c);
    const std::uint64_t begin = std::max(first, record.first_agent);
    const std::uint64_t end = std::min(first + count, record.first_agent + record.agents);
    for (const AgentMetric& m : metrics) {
      const std::uint64_t per_agent = m.curve ? time_length(sweep_.budget) : 1;
      const std::vector<double>& array = *record.find(m.name);
      out[m.name].insert(out[m.name].end(), array.begin() + (begin - record.first_agent) * per_agent,
                         array.begin() + (end - record.first_agent) * per_agent);
    }
  }
  return out;
}

std::vector<float> SweepAnalysis::q_tables(std::uint64_t first, std::uint64_t count) {
  std::vector<float> q;
  for (std::uint32_t c : sweep_.chunks_holding(first, count)) {
    const ChunkRecord& record = load(c);
    const std::uint64_t pairs = record.agents > 0 ? record.q.size() / record.agents : 0;
    if (q.capacity() == 0) q.reserve(count * pairs);  // no regrowth: plan_sweep counts this array once
    const std::uint64_t begin = std::max(first, record.first_agent);
    const std::uint64_t end = std::min(first + count, record.first_agent + record.agents);
    q.insert(q.end(), record.q.begin() + (begin - record.first_agent) * pairs,
             record.q.begin() + (end - record.first_agent) * pairs);
  }
  return q;
}

SweepAnalysis::Optimal SweepAnalysis::optimal_for(const GridPoint& point) {
  const std::string key = std::to_string(point.environment) + " " + format_double(point.settings.gamma) + " " +
                          std::to_string(point.max_episode_steps) + " " + format_double(point.settings.epsilon);
  auto it = optimal_cache_.find(key);
  if (it != optimal_cache_.end()) return it->second;
  const TabularMdp& mdp = *sweep_.environments[point.environment].phases.back().mdp;
  Optimal optimal{kNaN, kNaN, kNaN};
  try {
    ValueIterationOptions options;
    options.gamma = point.settings.gamma;
    const ValueIterationResult solution = value_iteration(mdp, options);
    PolicyEvaluationOptions evaluation;
    evaluation.horizon = point.max_episode_steps;
    const PolicyEvaluation best = policy_evaluation(mdp, greedy_policy(solution), evaluation);
    optimal.value_return = best.expected_return;
    optimal.value_steps = best.expected_steps;
    // 20% above what the best epsilon-greedy agent achieves: an agent whose Q is near Q* but not
    // at it (ties broken differently, values still moving) lands a few percent above.
    // Only episode budgets use it, and only when --near-optimal-steps does not set it.
    if (sweep_.budget.kind == BudgetKind::kEpisodes && !sweep_.spec.near_optimal_steps) {
      optimal.threshold = 1.2 * epsilon_greedy_steps(mdp, solution.q, point.settings.epsilon, point.max_episode_steps);
      // Episode length measures learning only where an untrained agent's episodes are longer
      // than near-optimal ones. Where the uniformly random policy (what the first episode is,
      // with ties broken at random) ends its episodes in as few steps or fewer, as on
      // FrozenLake, whose holes end episodes at once, short episodes mean failing fast: the
      // threshold means nothing and is left empty. (NaN random length: never ending, longer.)
      const double random_steps = epsilon_greedy_steps(mdp, solution.q, 1.0, point.max_episode_steps);
      if (random_steps <= optimal.threshold) optimal.threshold = kNaN;
    }
  } catch (const ConvergenceError&) {
    // gamma = 1 with reward on a never-ending cycle has no optimal value: the columns stay empty.
  }
  optimal_cache_.emplace(key, optimal);
  return optimal;
}

PointStatistics SweepAnalysis::statistics(std::uint32_t p, const AgentArrays& arrays) {
  const GridPoint& gp = sweep_.points.at(p);
  const std::uint32_t seeds = sweep_.spec.seeds;
  const std::uint64_t length = time_length(sweep_.budget);

  PointStatistics stats;
  for (const AgentMetric& m : agent_metrics(sweep_.budget.kind)) {
    const std::vector<double>& values = arrays.at(m.name);
    if (!m.curve) {
      stats.scalar_names.push_back(m.name);
      stats.scalars.push_back(summarize_sample(values));
      continue;
    }
    stats.curve_metrics.push_back(m);
    stats.curves.push_back(summarize_(values.data(), seeds, length));
    // Per agent: the value at the last episode (or bucket), and the area under its curve as a
    // step function (value times width, summed in time order).
    std::vector<double> final_values(seeds), areas(seeds);
    for (std::uint32_t s = 0; s < seeds; ++s) {
      final_values[s] = values[std::uint64_t{s} * length + length - 1];
      double area = 0.0;
      for (std::uint64_t k = 0; k < length; ++k) area += values[std::uint64_t{s} * length + k] * time_width(sweep_.budget, k);
      areas[s] = area;
    }
    stats.scalar_names.push_back(std::string("final_") + m.name);
    stats.scalars.push_back(summarize_sample(final_values));
    stats.scalar_names.push_back(std::string("auc_") + m.name);
    stats.scalars.push_back(summarize_sample(areas));
  }

  const Optimal optimal = optimal_for(gp);
  stats.optimal_return = optimal.value_return;
  stats.optimal_steps = optimal.value_steps;
  double greedy_mean = kNaN;
  for (std::size_t k = 0; k < stats.scalar_names.size(); ++k)
    if (stats.scalar_names[k] == "greedy_return") greedy_mean = stats.scalars[k].mean;
  stats.greedy_return_gap = optimal.value_return - greedy_mean;

  stats.near_optimal_threshold = kNaN;
  if (sweep_.budget.kind == BudgetKind::kEpisodes) {
    stats.near_optimal_threshold = sweep_.spec.near_optimal_steps ? *sweep_.spec.near_optimal_steps : optimal.threshold;
    const std::vector<SampleSummary>& steps = stats.curves.front();
    // The first episode from which the mean never again exceeds the threshold.
    if (!std::isnan(stats.near_optimal_threshold)) {
      std::uint64_t first = length;
      while (first > 0 && steps[first - 1].mean <= stats.near_optimal_threshold) --first;
      if (first < length) stats.episodes_to_near_optimal = static_cast<std::uint32_t>(first + 1);
    }
  }
  return stats;
}

// ---- Result files ----------------------------------------------------------------------------

namespace {

const char* const kStatNames[] = {"mean", "stderr", "ci95_low", "ci95_high", "median", "q1", "q3"};
double stat_value(const SampleSummary& s, std::size_t k) {
  const double values[] = {s.mean, s.stderr_, s.ci95_low, s.ci95_high, s.median, s.q1, s.q3};
  return values[k];
}

std::string parameter_header() {
  std::string header = "point";
  for (const GridAxis& axis : grid_axes()) header += std::string(",") + axis.column;
  return header;
}

std::string parameter_fields(const Sweep& sweep, std::uint32_t index) {
  std::string fields = std::to_string(index);
  for (std::size_t a = 0; a < grid_axes().size(); ++a) fields += "," + csv_field(shown_field(sweep, index, a));
  return fields;
}

std::string parameter_json(const Sweep& sweep, std::uint32_t index) {
  const GridPoint& p = sweep.points[index];
  std::string json = "\"point\": " + std::to_string(index);
  for (const GridAxis& axis : grid_axes()) {
    const std::string field = axis.field(p.settings, sweep.environments[p.environment]);
    const bool applies = axis_applies(axis, p.settings);  // null where it does not
    json += std::string(", \"") + axis.column + "\": " + (!applies ? "null" : axis.is_text ? json_string(field) : field);
  }
  return json;
}

std::string time_column(const RunBudget& budget) { return budget.kind == BudgetKind::kEpisodes ? "episode" : "step"; }
std::uint64_t time_label(const RunBudget& budget, std::uint64_t k) {
  return budget.kind == BudgetKind::kEpisodes ? k + 1 : std::min<std::uint64_t>((k + 1) * budget.bucket_steps, budget.steps);
}

// Curve columns: mean and standard error of every metric first (the columns dynaq has always
// written, in their order), then the interval and quantiles of every metric.
struct CurveColumn {
  std::size_t metric;
  std::size_t stat;
};
std::vector<CurveColumn> curve_columns(std::size_t n_metrics) {
  std::vector<CurveColumn> columns;
  for (std::size_t m = 0; m < n_metrics; ++m)
    for (std::size_t stat = 0; stat < 2; ++stat) columns.push_back({m, stat});
  for (std::size_t m = 0; m < n_metrics; ++m)
    for (std::size_t stat = 2; stat < 7; ++stat) columns.push_back({m, stat});
  return columns;
}

void write_curves(std::ostream& out, const Sweep& sweep, const std::vector<AgentMetric>& curves) {
  out << parameter_header() << "," << time_column(sweep.budget);
  for (const CurveColumn& c : curve_columns(curves.size())) out << "," << kStatNames[c.stat] << "_" << curves[c.metric].name;
  out << ",seeds\n";
}

}  // namespace

WrittenResults write_sweep_results(const Sweep& sweep, const ChunkFiles& files, const std::string& directory,
                                   const ExecutionInfo& execution, const std::string& config_toml) {
  SweepAnalysis analysis(sweep, files, execution.summarize_columns);
  const RunBudget& b = sweep.budget;
  const std::uint32_t seeds = sweep.spec.seeds;
  const std::uint64_t length = time_length(b);
  const std::vector<AgentMetric> metrics = agent_metrics(b.kind);
  std::vector<AgentMetric> curve_metrics;
  for (const AgentMetric& m : metrics)
    if (m.curve) curve_metrics.push_back(m);

  ResultFileSet out(directory);
  WrittenResults result;
  result.files = {"curves.csv", "points.csv", "summary.json", "config.toml"};
  std::ostream& curves = out.open("curves.csv");
  std::ostream& points = out.open("points.csv");
  write_curves(curves, sweep, curve_metrics);

  // One pass over the points, reading each chunk once: statistics, the work done, and the
  // per-agent arrays when they are to be saved.
  std::ostringstream points_json;
  std::uint64_t real_steps = 0, planning_updates = 0;
  std::map<std::string, std::vector<double>> saved;
  for (std::uint32_t p = 0; p < sweep.points.size(); ++p) {
    const SweepAnalysis::AgentArrays arrays = analysis.point_arrays(p);
    const PointStatistics stats = analysis.statistics(p, arrays);
    for (double v : arrays.at("real_steps")) real_steps += static_cast<std::uint64_t>(v);
    for (double v : arrays.at("planning_updates")) planning_updates += static_cast<std::uint64_t>(v);
    if (sweep.spec.save_agent_metrics)
      for (const AgentMetric& m : metrics) {
        std::vector<double>& all = saved[m.name];
        const std::vector<double>& part = arrays.at(m.name);
        all.insert(all.end(), part.begin(), part.end());
      }
    result.first_curve.emplace_back();
    for (const SampleSummary& s : stats.curves.front()) result.first_curve.back().push_back(s.mean);

    const std::string params = parameter_fields(sweep, p);
    const std::vector<CurveColumn> columns = curve_columns(stats.curves.size());
    for (std::uint64_t k = 0; k < length; ++k) {
      curves << params << "," << time_label(b, k);
      for (const CurveColumn& c : columns) curves << "," << csv_number(stat_value(stats.curves[c.metric][k], c.stat));
      curves << "," << seeds << "\n";
    }
    if (p == 0) {
      points << parameter_header() << ",seeds";
      for (const std::string& name : stats.scalar_names)
        for (const char* stat : kStatNames) points << "," << stat << "_" << name;
      points << ",optimal_return,optimal_steps,greedy_return_gap";
      if (b.kind == BudgetKind::kEpisodes) points << ",near_optimal_threshold,episodes_to_near_optimal";
      points << "\n";
    }
    points << params << "," << seeds;
    for (const SampleSummary& s : stats.scalars)
      for (std::size_t k = 0; k < 7; ++k) points << "," << csv_number(stat_value(s, k));
    points << "," << csv_number(stats.optimal_return) << "," << csv_number(stats.optimal_steps) << ","
           << csv_number(stats.greedy_return_gap);
    if (b.kind == BudgetKind::kEpisodes)
      points << "," << csv_number(stats.near_optimal_threshold) << ","
             << (stats.episodes_to_near_optimal ? std::to_string(*stats.episodes_to_near_optimal) : std::string());
    points << "\n";

    points_json << (p ? ",\n" : "\n") << "    {" << parameter_json(sweep, p) << ", \"seeds\": " << seeds;
    for (std::size_t k = 0; k < stats.curves.size(); ++k) {
      const SampleSummary& last = stats.curves[k].back();
      points_json << ", \"final_mean_" << stats.curve_metrics[k].name << "\": " << json_number(last.mean)
                  << ", \"final_stderr_" << stats.curve_metrics[k].name << "\": " << json_number(last.stderr_);
    }
    for (std::size_t k = 0; k < stats.scalars.size(); ++k)
      if (stats.scalar_names[k].rfind("final_", 0) != 0)
        points_json << ", \"mean_" << stats.scalar_names[k] << "\": " << json_number(stats.scalars[k].mean);
    points_json << ", \"optimal_return\": " << json_number(stats.optimal_return)
                << ", \"optimal_steps\": " << json_number(stats.optimal_steps)
                << ", \"greedy_return_gap\": " << json_number(stats.greedy_return_gap);
    if (b.kind == BudgetKind::kEpisodes)
      points_json << ", \"near_optimal_threshold\": " << json_number(stats.near_optimal_threshold)
                  << ", \"episodes_to_near_optimal\": "
                  << (stats.episodes_to_near_optimal ? std::to_string(*stats.episodes_to_near_optimal) : std::string("null"));
    points_json << "}";
  }

  if (sweep.spec.save_tables) {
    const Environment& env = sweep.environments.front();
    const std::vector<float> q = analysis.q_tables(0, sweep.n_agents());
    write_npy(out.open("q.npy"), q.data(), {sweep.n_agents(), env.n_states(), env.n_actions()});
    result.files.push_back("q.npy");
  }
  if (sweep.spec.save_agent_metrics)
    for (const AgentMetric& m : metrics) {
      const std::string name = std::string("agent_") + m.name + ".npy";
      const std::vector<double>& values = saved[m.name];
      if (m.curve) write_npy(out.open(name), values.data(), {sweep.n_agents(), length});
      else write_npy(out.open(name), values.data(), {sweep.n_agents()});
      result.files.push_back(name);
    }

  // The summary is sealed on commit with every file's size and SHA-256 (result_files.hpp), so
  // that verify_results can tell complete results from a folder cut short.
  std::ostream& summary = out.open_summary("summary.json");
  summary << "{\n  \"dynaq_version\": " << json_string(DYNAQ_VERSION) << ",\n";
  summary << "  \"config\": \"config.toml\",\n";
  summary << "  \"seed\": " << sweep.spec.seed << ",\n  \"seeds_per_point\": " << seeds << ",\n";
  summary << "  \"agents\": " << sweep.n_agents() << ",\n  \"points\": " << sweep.points.size() << ",\n";
  summary << "  \"chunks\": " << sweep.chunks.size() << ",\n  \"chunk_agents\": " << sweep.chunk_agents << ",\n";
  if (b.kind == BudgetKind::kEpisodes)
    summary << "  \"budget\": {\"episodes\": " << b.episodes << "},\n";
  else
    summary << "  \"budget\": {\"steps\": " << b.steps << ", \"bucket_steps\": " << b.bucket_steps << "},\n";
  summary << "  \"statistics\": {\"stderr\": \"sample standard deviation (n - 1) / sqrt(n)\", "
             "\"ci95\": \"mean -/+ t(0.975, n - 1) * stderr, Student's t\", "
             "\"quantiles\": \"linear interpolation between order statistics (type 7, NumPy's default)\"},\n";
  summary << "  \"work\": {\"real_steps\": " << real_steps << ", \"planning_updates\": " << planning_updates << "},\n";
  summary << "  \"environments\": [";
  for (std::size_t e = 0; e < sweep.environments.size(); ++e) {
    const Environment& env = sweep.environments[e];
    summary << (e ? ",\n" : "\n") << "    {\"name\": " << json_string(env.name)
            << ", \"fingerprint\": " << json_string(sweep.environment_fingerprints[e]) << ", \"n_states\": " << env.n_states()
            << ", \"n_actions\": " << env.n_actions() << ", \"max_outcomes_per_pair\": " << env.first().max_outcomes_per_pair()
            << ", \"phase_start_steps\": [";
    for (std::size_t k = 0; k < env.phases.size(); ++k) summary << (k ? ", " : "") << env.phases[k].start_step;
    summary << "]}";
  }
  summary << "\n  ],\n  \"grid\": [" << points_json.str() << "\n  ],\n";
  summary << "  \"files\": [";
  for (std::size_t k = 0; k < result.files.size(); ++k) summary << (k ? ", " : "") << json_string(result.files[k]);
  summary << "],\n";
  // The last two members differ between runs of one configuration: how, where and how fast.
  const double compute = analysis.chunk_seconds();
  summary << "  \"execution\": {\"command\": " << json_string(execution.command)
          << ", \"engine\": " << json_string(execution.engine) << ", \"device\": " << json_string(execution.device)
          << ", \"statistics\": " << json_string(execution.statistics_backend);
  if (!execution.extra_json.empty()) summary << ", " << execution.extra_json;
  summary << "},\n";
  summary << "  \"timings\": {\"wall_seconds\": " << json_number(execution.wall_seconds)
          << ", \"compute_seconds\": " << json_number(compute)
          << ", \"real_steps_per_second\": " << json_number(real_steps / std::max(compute, 1e-9))
          << ", \"planning_updates_per_second\": " << json_number(planning_updates / std::max(compute, 1e-9)) << "}\n}\n";

  out.open("config.toml") << config_toml;
  out.commit();
  return result;
}

std::string results_table(const Sweep& sweep, const WrittenResults& results) {
  const RunBudget& b = sweep.budget;
  const std::uint32_t seeds = sweep.spec.seeds;
  // A few moments worth reading: 1, 2, 3, 5, 10, 20, 50, ... and the last.
  std::vector<std::uint64_t> marks;
  const std::uint64_t last = time_length(b);
  if (b.kind == BudgetKind::kEpisodes) {
    for (std::uint64_t m : {1ull, 2ull, 3ull, 5ull, 10ull, 20ull, 50ull, 100ull, 200ull, 500ull, 1000ull, 10000ull})
      if (m < last) marks.push_back(m);
  } else {
    for (std::uint64_t k = 1; k <= 4; ++k) marks.push_back(std::max<std::uint64_t>(1, last * k / 5));
  }
  marks.push_back(last);
  marks.erase(std::unique(marks.begin(), marks.end()), marks.end());

  std::ostringstream out;
  out << (b.kind == BudgetKind::kEpisodes ? "mean steps per episode" : "mean cumulative reward") << " over " << seeds
      << " seed" << (seeds == 1 ? "" : "s") << " per point\n";
  const PointColumns parameters(sweep);  // env and every axis that varies (varying_axes.hpp)
  out << std::left << std::setw(6) << "point" << parameters.header();
  for (std::uint64_t m : marks) {
    const std::string label = b.kind == BudgetKind::kEpisodes ? "ep " + std::to_string(m) : "t " + std::to_string(time_label(b, m - 1));
    out << std::right << std::setw(11) << label;
  }
  out << "\n";
  for (std::uint32_t p = 0; p < sweep.points.size(); ++p) {
    out << std::left << std::setw(6) << p << parameters.row(p) << std::right;
    for (std::uint64_t m : marks) {
      std::ostringstream cell;
      cell << std::fixed << std::setprecision(1) << results.first_curve.at(p).at(m - 1);
      out << std::setw(11) << cell.str();
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace dynaq
