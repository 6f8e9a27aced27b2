// The grid axes: how each hyper-parameter is parsed, checked, written to config.toml and shown
// in result files; and the sweep specification's defaults.
#include "dynaq/sweep/grid.hpp"

#include <cmath>
#include <stdexcept>

#include "dynaq/config_file.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/format.hpp"
#include "dynaq/option_values.hpp"
#include "dynaq/random.hpp"

namespace dynaq {

namespace {

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

}  // namespace dynaq
