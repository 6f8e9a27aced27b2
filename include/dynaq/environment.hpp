// Environments as the engines see them: a schedule of tabular MDPs over real time.
//
// Most environments have one phase. A schedule (Sutton & Barto's blocking and shortcut mazes)
// switches to another MDP of the same shape at a given real step; agents keep their Q-table
// and model across the switch, and an agent in the middle of an episode carries on from the
// state it is in.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dynaq/maze.hpp"
#include "dynaq/mdp.hpp"

namespace dynaq {

struct EnvironmentPhase {
  std::uint64_t start_step;  // the first real step (0-based, per agent) run in this MDP
  std::shared_ptr<const TabularMdp> mdp;
};

class Environment {
 public:
  std::string name;                       // as the user named it (built-in, spec or file), or an MDP JSON file's "name"
  std::vector<EnvironmentPhase> phases;   // phases[0].start_step == 0, start steps increasing
  std::vector<std::string> warnings;      // found while loading (e.g. no goal reachable)

  std::uint32_t n_states() const { return phases.front().mdp->n_states; }
  std::uint32_t n_actions() const { return phases.front().mdp->n_actions; }
  const TabularMdp& first() const { return *phases.front().mdp; }
  // The index of the phase in force at real step t.
  std::size_t phase_at(std::uint64_t t) const {
    std::size_t k = 0;
    while (k + 1 < phases.size() && phases[k + 1].start_step <= t) ++k;
    return k;
  }
};

// A single-phase environment.
Environment single_phase(std::shared_ptr<const TabularMdp> mdp, std::string name);

// Resolves what a user wrote for --env, trying in this order:
//   - a built-in name ("dyna-maze", "taxi", ...; see builtin_environments()); built-in names
//     win over files of the same name (write "./taxi" for such a file);
//   - an existing file: "*.json" (tabular MDP JSON) or any other file (maze text);
//   - a schedule: "FIRST@STEP=SECOND[@STEP=THIRD...]", each part a single-phase environment
//     (built-in, generator or file), switching to the next part at real step STEP (e.g.
//     "a.txt@1000=b.txt"); steps strictly increase from above 0 and every part has the same
//     numbers of states and actions;
//   - a generator: "random-maze:ROWSxCOLS:SEED" or "garnet:STATES:ACTIONS:BRANCHING:SEED".
// Throws InputError naming the spec (and file:line:column for file errors); an unknown name
// gets the list of what is accepted and a suggestion when a built-in name is close. A maze whose
// goal cannot be reached loads, with a note in Environment::warnings.
Environment load_environment(const std::string& spec);

// The maze layout behind each phase of `spec` (resolved as load_environment does), or an empty
// vector when some phase is not a maze (FrozenLake, Taxi, JSON, Garnet, ...). The warnings of
// loading go to `warnings` when given.
std::vector<MazeLayout> load_maze_layouts(const std::string& spec,
                                          std::vector<std::string>* warnings = nullptr);

// Environment files held in memory: load_environment reads `file_name` (as a spec, or as a
// part of a schedule) as it would read a file of that name holding `text` ("*.json": MDP JSON,
// else maze text), before it looks at the disk. This is how the Python module runs environments
// made from text, arrays or Gymnasium under the file name a command-line run would give them.
void set_environment_text(const std::string& file_name, std::string text);
void clear_environment_text(const std::string& file_name);
std::optional<std::string> environment_text(const std::string& file_name);

struct BuiltinEnvironment {
  std::string name;         // what --env accepts; generators show their pattern
  std::string description;  // one line: what it is and where it comes from
  std::string example;      // generators: a spec to try (e.g. "garnet:100:4:3:7"); else empty
};
// The built-in environments, then the generator patterns.
std::vector<BuiltinEnvironment> builtin_environments();

}  // namespace dynaq
