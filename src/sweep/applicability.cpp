// The grid's applicability rules (applicability.hpp): what each parameter depends on.
#include "dynaq/sweep/applicability.hpp"

#include <cstring>

#include "dynaq/errors.hpp"

namespace dynaq {

namespace {

bool is_prioritized(Algorithm algorithm) {
  return algorithm == Algorithm::kPrioritized || algorithm == Algorithm::kPrioritizedDirect;
}

// One dependent axis: the option it depends on, the values of that option under which it
// applies (for messages), and the test.
struct Dependency {
  const char* key;
  const char* depends_on;
  const char* applies_under;
  bool (*applies)(const PointSettings& s);
};

const Dependency kDependencies[] = {
    {"kappa", "algo", "dyna-q-plus or dyna-q-plus-action",
     [](const PointSettings& s) {
       return s.algorithm == Algorithm::kDynaQPlus || s.algorithm == Algorithm::kDynaQPlusAction;
     }},
    {"theta", "algo", "prioritized or prioritized-direct",
     [](const PointSettings& s) { return is_prioritized(s.algorithm); }},
    {"planning-draw", "algo", "dyna-q, dyna-q-plus or dyna-q-plus-action (prioritized sweeping replays its queue)",
     [](const PointSettings& s) { return !is_prioritized(s.algorithm); }},
    {"model", "algo", "dyna-q, dyna-q-plus or dyna-q-plus-action (prioritized sweeping keeps the last outcome)",
     [](const PointSettings& s) { return !is_prioritized(s.algorithm); }},
    {"backup", "model", "counts",
     [](const PointSettings& s) { return !is_prioritized(s.algorithm) && s.model == ModelKind::kCounts; }},
    {"model-capacity", "model", "counts",
     [](const PointSettings& s) { return !is_prioritized(s.algorithm) && s.model == ModelKind::kCounts; }},
};

const Dependency* dependency_of(const char* key) {
  for (const Dependency& d : kDependencies)
    if (std::strcmp(d.key, key) == 0) return &d;
  return nullptr;
}

// TOML literals as a user writes them on the command line: "a", 2 -> a,2.
std::string as_written(const std::vector<std::string>& literals) {
  std::string text;
  for (const std::string& literal : literals) {
    const bool quoted = literal.size() >= 2 && literal.front() == '"';
    text += (text.empty() ? "" : ",") + (quoted ? literal.substr(1, literal.size() - 2) : literal);
  }
  return text;
}

}  // namespace

bool axis_applies(const GridAxis& axis, const PointSettings& settings) {
  const Dependency* d = dependency_of(axis.key);
  return d == nullptr || d->applies(settings);
}

PointSettings without_inapplicable(const PointSettings& settings) {
  PointSettings out = settings;
  for (const GridAxis& axis : grid_axes()) {
    if (axis_applies(axis, settings)) continue;
    // Parsing the default text sets exactly that axis's field.
    axis.parse(axis.default_value, out);
  }
  return out;
}

std::string settings_key(const PointSettings& settings) {
  std::string key;
  for (const GridAxis& axis : grid_axes()) key += axis.toml(settings) + '\n';
  return key;
}

void refuse_inapplicable_values(const std::vector<std::vector<std::string>>& axis_literals,
                                const std::vector<GridPoint>& points) {
  const auto& axes = grid_axes();
  for (std::size_t a = 0; a < axes.size(); ++a) {
    const Dependency* d = dependency_of(axes[a].key);
    if (d == nullptr) continue;
    PointSettings defaults;
    axes[a].parse(axes[a].default_value, defaults);
    const std::vector<std::string>& literals = axis_literals.at(a);
    if (literals.size() == 1 && literals.front() == axes[a].toml(defaults)) continue;
    bool used = false;
    for (const GridPoint& p : points) used = used || d->applies(p.settings);
    if (used) continue;
    throw InputError(std::string("--") + axes[a].key + " " + as_written(literals) + " means nothing here: --" +
                     axes[a].key + " applies under --" + d->depends_on + " " + d->applies_under +
                     " only, and the grid has --" + d->depends_on + " " +
                     as_written(axis_literals.at(grid_axis_index(d->depends_on))) + "; drop --" + axes[a].key +
                     " or add such a --" + d->depends_on);
  }
}

void refuse_repeated_values(const std::vector<std::vector<std::string>>& axis_literals) {
  const auto& axes = grid_axes();
  for (std::size_t a = 0; a < axes.size() && a < axis_literals.size(); ++a)
    for (std::size_t k = 0; k < axis_literals[a].size(); ++k)
      for (std::size_t j = 0; j < k; ++j)
        if (axis_literals[a][j] == axis_literals[a][k])
          throw InputError(std::string("--") + axes[a].key + " lists " + as_written({axis_literals[a][k]}) +
                           " twice (values " + std::to_string(j + 1) + " and " + std::to_string(k + 1) +
                           "); each grid point is run once, with --seeds agents");
}

void refuse_ambiguous_environment_names(const std::vector<std::string>& specs,
                                        const std::vector<Environment>& environments) {
  for (std::size_t k = 0; k < environments.size() && k < specs.size(); ++k)
    for (std::size_t j = 0; j < k; ++j)
      if (environments[j].name == environments[k].name)
        throw InputError("--env " + specs[j] + " and " + specs[k] + " would both be shown as '" + environments[k].name +
                         "' in the results (an MDP JSON file is shown by its \"name\" field); give one of them "
                         "another name");
}

void refuse_unreached_phases(const RunBudget& budget, const std::vector<Environment>& environments) {
  if (budget.kind != BudgetKind::kSteps) return;
  for (const Environment& env : environments)
    if (env.phases.back().start_step >= budget.steps)
      throw InputError("--env " + env.name + " switches at step " + std::to_string(env.phases.back().start_step) +
                       ", but --steps " + std::to_string(budget.steps) +
                       " ends every agent before it: the agents would never see that phase, while the greedy "
                       "policies are evaluated on it; give --steps above " +
                       std::to_string(env.phases.back().start_step));
}

std::string shown_field(const Sweep& sweep, std::uint32_t point, std::size_t axis) {
  const GridPoint& p = sweep.points.at(point);
  const GridAxis& a = grid_axes().at(axis);
  return axis_applies(a, p.settings) ? a.field(p.settings, sweep.environments[p.environment]) : std::string();
}

}  // namespace dynaq
