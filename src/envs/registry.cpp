// Environment names, specs and files resolved to Environments. (Being written.)
#include "dynaq/environment.hpp"

#include <stdexcept>

namespace dynaq {
Environment single_phase(std::shared_ptr<const TabularMdp> mdp, std::string name) {
  Environment env;
  env.name = std::move(name);
  env.phases.push_back(EnvironmentPhase{0, std::move(mdp)});
  return env;
}
Environment load_environment(const std::string&) { throw std::logic_error("load_environment: not implemented"); }
std::vector<BuiltinEnvironment> builtin_environments() { return {}; }
}  // namespace dynaq
