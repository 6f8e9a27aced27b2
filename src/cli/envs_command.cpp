// `dynaq envs`: the table of built-in environments and generators, `envs export` (any
// environment's tables as MDP JSON) and `envs show` (a maze's layout as text).
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "dynaq/environment.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/maze.hpp"
#include "dynaq/mdp_json.hpp"

namespace dynaq::cli {
namespace {

constexpr const char* kSpecHelp =
    "A built-in name (see `dynaq envs`), a generator spec (random-maze:ROWSxCOLS:SEED, "
    "garnet:STATES:ACTIONS:BRANCHING:SEED), a file (*.json tabular MDP, anything else maze text) "
    "or a schedule FIRST@STEP=SECOND[@STEP=THIRD...]";

void print_warnings(const std::vector<std::string>& warnings) {
  for (const std::string& warning : warnings) std::cerr << "dynaq: warning: " << warning << "\n";
}

// "1" or "MIN-MAX": outcomes per state-action pair over every phase.
std::string outcomes_text(const Environment& env) {
  std::uint32_t least = ~0u, most = 0;
  for (const EnvironmentPhase& phase : env.phases) {
    const TabularMdp& mdp = *phase.mdp;
    for (std::uint32_t p = 0; p < mdp.n_pairs(); ++p) {
      const std::uint32_t n = mdp.pair_begin[p + 1] - mdp.pair_begin[p];
      least = std::min(least, n);
      most = std::max(most, n);
    }
  }
  return least == most ? std::to_string(most) : std::to_string(least) + "-" + std::to_string(most);
}

std::string step_limit_text(const Environment& env) {
  const std::uint32_t limit = env.first().max_episode_steps;
  for (const EnvironmentPhase& phase : env.phases)
    if (phase.mdp->max_episode_steps != limit) return "per phase";
  return limit == 0 ? "none" : std::to_string(limit);
}

// "1", or "2 (switch at 1000)", "3 (switch at 1000, 2000)".
std::string phases_text(const Environment& env) {
  std::string text = std::to_string(env.phases.size());
  for (std::size_t k = 1; k < env.phases.size(); ++k)
    text += (k == 1 ? " (switch at " : ", ") + std::to_string(env.phases[k].start_step);
  return env.phases.size() > 1 ? text + ")" : text;
}

void print_table(const std::vector<std::vector<std::string>>& rows,
                 const std::vector<bool>& right_aligned) {
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      const std::string pad(width[c] - row[c].size(), ' ');
      if (c + 1 == row.size()) {
        line += row[c];  // the last column is not padded
      } else {
        line += right_aligned[c] ? pad + row[c] : row[c] + pad;
        line += "  ";
      }
    }
    std::cout << line << "\n";
  }
}

void list_environments() {
  std::vector<std::vector<std::string>> table = {
      {"NAME", "STATES", "ACTIONS", "OUTCOMES", "STEP LIMIT", "PHASES", "DESCRIPTION"}};
  std::vector<BuiltinEnvironment> generators;
  for (const BuiltinEnvironment& builtin : builtin_environments()) {
    if (!builtin.example.empty()) {
      generators.push_back(builtin);
      continue;
    }
    const Environment env = load_environment(builtin.name);
    table.push_back({builtin.name, std::to_string(env.n_states()),
                     std::to_string(env.n_actions()), outcomes_text(env), step_limit_text(env),
                     phases_text(env), builtin.description});
  }
  std::cout << "Built-in environments (OUTCOMES: next states per state-action pair, min-max):\n\n";
  print_table(table, {false, true, true, true, true, false, false});

  std::cout << "\nGenerators (pure functions of their numbers: the same spec is the same "
               "environment everywhere):\n\n";
  std::vector<std::vector<std::string>> generator_table = {{"PATTERN", "EXAMPLE", "DESCRIPTION"}};
  for (const BuiltinEnvironment& generator : generators)
    generator_table.push_back({generator.name, generator.example, generator.description});
  print_table(generator_table, {false, false, false});

  std::cout << "\nFiles: *.json is a tabular MDP in Gymnasium's P convention (see `dynaq envs "
               "export`);\nany other file is a maze, one row per line: '#' wall, '.' free, 'S' "
               "start, 'G' goal.\nSchedules: FIRST@STEP=SECOND[@STEP=THIRD...] switches to the "
               "next environment at real step\nSTEP (e.g. maze-a.txt@1000=maze-b.txt); every "
               "part needs the same numbers of states and actions.\n";
}

void check_phase(const std::string& spec, std::size_t n_phases, std::size_t phase) {
  if (phase >= n_phases)
    throw InputError("--phase " + std::to_string(phase) + " is out of range: '" + spec +
                     "' has " + std::to_string(n_phases) +
                     (n_phases == 1 ? " phase (0)"
                                    : " phases (0 to " + std::to_string(n_phases - 1) + ")"));
}

struct EnvsOptions {
  std::string spec;
  std::size_t phase = 0;
};

}  // namespace

void register_envs_command(CLI::App& app) {
  CLI::App* envs = app.add_subcommand(
      "envs",
      "List the built-in environments and generators (name, states, actions, outcomes per pair, "
      "step limit, phases, source); `envs export` prints any environment as MDP JSON, `envs "
      "show` prints a maze's layout.");
  envs->require_subcommand(0, 1);

  auto export_options = std::make_shared<EnvsOptions>();
  CLI::App* export_command = envs->add_subcommand(
      "export",
      "Print an environment's tables as tabular MDP JSON on stdout (save it and pass the file to "
      "--env to run it, or edit it into a new environment).");
  export_command->add_option("environment", export_options->spec, kSpecHelp)->required();
  export_command->add_option(
      "--phase", export_options->phase,
      "Which phase of a schedule to export, counted from 0 (default 0: the first; "
      "e.g. --phase 1 gives blocking-maze after its switch)");
  export_command->callback([export_options] {
    const Environment env = load_environment(export_options->spec);
    print_warnings(env.warnings);
    check_phase(export_options->spec, env.phases.size(), export_options->phase);
    write_mdp_json(*env.phases[export_options->phase].mdp, std::cout);
    std::cout.flush();
  });

  auto show_options = std::make_shared<EnvsOptions>();
  CLI::App* show_command = envs->add_subcommand(
      "show",
      "Print a maze's layout as maze text on stdout ('#' wall, '.' free, 'S' start, 'G' goal); "
      "for built-in mazes, random-maze specs and maze files.");
  show_command->add_option("environment", show_options->spec, kSpecHelp)->required();
  show_command->add_option("--phase", show_options->phase,
                           "Which phase of a schedule to show, counted from 0 (default 0: the "
                           "first)");
  show_command->callback([show_options] {
    std::vector<std::string> warnings;
    const std::vector<MazeLayout> layouts = load_maze_layouts(show_options->spec, &warnings);
    print_warnings(warnings);
    if (layouts.empty())
      throw InputError("'" + show_options->spec + "' is not a maze; `dynaq envs export " +
                       show_options->spec + "` prints its tables as JSON");
    check_phase(show_options->spec, layouts.size(), show_options->phase);
    std::cout << maze_to_text(layouts[show_options->phase]);
  });

  envs->callback([envs] {
    if (envs->get_subcommands().empty()) list_environments();
  });
}

}  // namespace dynaq::cli
