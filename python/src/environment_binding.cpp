// Environments and exact solutions for Python: what an --env spec (with environments made in
// Python held in memory) resolves to, its MDP JSON, and value iteration as `dynaq solve` does it.
#include <nanobind/ndarray.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cstdint>
#include <optional>
#include <sstream>
#include <vector>

#include "bindings.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/mdp_json.hpp"
#include "dynaq/value_iteration.hpp"

namespace dynaq::python {

namespace {

// A NumPy array that owns `values` (moved in, no copy), of the given shape.
nb::ndarray<nb::numpy, double> owned_array(std::vector<double> values, std::vector<std::size_t> shape) {
  auto* owner = new std::vector<double>(std::move(values));
  nb::capsule free_owner(owner, [](void* p) noexcept { delete static_cast<std::vector<double>*>(p); });
  return nb::ndarray<nb::numpy, double>(owner->data(), shape.size(), shape.data(), free_owner);
}

nb::dict environment_info(const std::string& spec, const EnvironmentTexts& texts) {
  Environment env;
  {
    nb::gil_scoped_release release;  // a large generator or file takes a while
    EnvironmentTextsInUse in_use(texts);
    env = load_environment(spec);
  }
  nb::list phases;
  for (const EnvironmentPhase& phase : env.phases) {
    nb::dict p;
    p["start_step"] = phase.start_step;
    p["n_states"] = phase.mdp->n_states;
    p["n_actions"] = phase.mdp->n_actions;
    p["max_episode_steps"] = phase.mdp->max_episode_steps;
    p["deterministic"] = phase.mdp->is_deterministic();
    phases.append(p);
  }
  nb::dict info;
  info["name"] = env.name;
  info["n_states"] = env.n_states();
  info["n_actions"] = env.n_actions();
  info["phases"] = phases;
  info["warnings"] = env.warnings;
  return info;
}

const TabularMdp& phase_of(const Environment& env, std::size_t phase) {
  if (phase >= env.phases.size())
    throw InputError("phase " + std::to_string(phase) + ": " + env.name + " has " +
                     std::to_string(env.phases.size()) + " phase(s), numbered from 0");
  return *env.phases[phase].mdp;
}

std::string environment_json(const std::string& spec, const EnvironmentTexts& texts, std::size_t phase) {
  nb::gil_scoped_release release;
  EnvironmentTextsInUse in_use(texts);
  const Environment env = load_environment(spec);
  std::ostringstream out;
  write_mdp_json(phase_of(env, phase), out);
  return out.str();
}

// Value iteration on one phase, then the exact return and length of its greedy policy (the
// first maximal action in every state), as `dynaq solve` reports them.
nb::dict solve(const std::string& spec, const EnvironmentTexts& texts, double gamma, std::size_t phase,
               double tolerance, std::uint64_t max_iterations, std::optional<std::uint64_t> horizon) {
  ValueIterationResult solution;
  PolicyEvaluation greedy;
  std::vector<std::uint32_t> policy;
  {
    nb::gil_scoped_release release;
    EnvironmentTextsInUse in_use(texts);
    const Environment env = load_environment(spec);
    const TabularMdp& mdp = phase_of(env, phase);
    ValueIterationOptions options;
    options.gamma = gamma;
    options.tolerance = tolerance;
    options.max_iterations = max_iterations;
    solution = value_iteration(mdp, options);
    policy = greedy_policy(solution);
    PolicyEvaluationOptions evaluation;
    evaluation.horizon = horizon;
    greedy = policy_evaluation(mdp, policy, evaluation);
  }
  nb::dict result;
  const std::size_t n_states = solution.n_states, n_actions = solution.n_actions;
  result["v_start"] = solution.v_start;
  result["iterations"] = solution.iterations;
  result["residual"] = solution.residual;
  result["optimal_return"] = greedy.expected_return;
  result["optimal_steps"] = greedy.expected_steps;
  result["terminates"] = greedy.terminates;
  result["horizon"] = greedy.horizon;
  result["policy"] = policy;
  result["v"] = owned_array(std::move(solution.v), {n_states});
  result["q"] = owned_array(std::move(solution.q), {n_states, n_actions});
  return result;
}

nb::list builtins() {
  nb::list list;
  for (const BuiltinEnvironment& builtin : builtin_environments())
    list.append(nb::make_tuple(builtin.name, builtin.description, builtin.example));
  return list;
}

}  // namespace

void bind_environments(nb::module_& m) {
  m.def("environment_info", &environment_info, nb::arg("spec"), nb::arg("texts"),
        "Loads an --env spec: name, shape, phases and warnings.");
  m.def("environment_json", &environment_json, nb::arg("spec"), nb::arg("texts"), nb::arg("phase"),
        "One phase of an environment as MDP JSON.");
  m.def("solve", &solve, nb::arg("spec"), nb::arg("texts"), nb::arg("gamma"), nb::arg("phase"),
        nb::arg("tolerance"), nb::arg("max_iterations"), nb::arg("horizon").none(),
        "Value iteration and the exact evaluation of the optimal greedy policy.");
  m.def("builtin_environments", &builtins, "(name, description, example) of every built-in environment.");
}

}  // namespace dynaq::python
