// The subcommands of the `dynaq` command line. Each registers itself on the application with
// its options and help, and sets its callback. Callbacks report bad input by throwing
// InputError (exit code 2); main() turns exceptions into messages and exit codes.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace dynaq::cli {

void register_run_command(CLI::App& app, const std::string& command_line);
void register_solve_command(CLI::App& app);
void register_envs_command(CLI::App& app);

// The experiment `dynaq` runs when given no arguments.
int run_default_experiment();

}  // namespace dynaq::cli
