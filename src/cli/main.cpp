// The `dynaq` command: subcommands, and exceptions turned into messages and exit codes.
#include <cstdio>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "dynaq/errors.hpp"
#include "options.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "dynaq: many tabular Dyna-Q agents at once, on the CPU or a GPU, with bit-identical results.\n"
      "Run with no arguments for Sutton & Barto's figure 8.2 experiment."};
  app.set_version_flag("--version", std::string("dynaq ") + DYNAQ_VERSION);
  app.require_subcommand(0, 1);
  dynaq::cli::register_run_command(app, dynaq::cli::command_line(argc, argv));
  dynaq::cli::register_solve_command(app);
  dynaq::cli::register_envs_command(app);
  try {
    if (argc <= 1) return dynaq::cli::run_default_experiment();
    app.parse(argc, argv);
    return 0;
  } catch (const CLI::ParseError& e) {
    // CLI11 exits 0 for --help and --version; every real parse error is a usage error.
    const int code = app.exit(e);
    return code == 0 ? 0 : dynaq::kExitInputError;
  } catch (const dynaq::InputError& e) {
    std::cerr << "dynaq: error: " << e.what() << "\n";
    return dynaq::kExitInputError;
  } catch (const std::exception& e) {
    std::cerr << "dynaq: internal error: " << e.what() << "\n";
    return dynaq::kExitRuntimeError;
  }
}
