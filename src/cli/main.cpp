// The `dynaq` command: subcommands, and exceptions turned into messages and exit codes.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "dynaq/errors.hpp"
#include "mpi_session.hpp"
#include "options.hpp"

namespace {

int run(int argc, char** argv) {
  CLI::App app{
      "dynaq: many tabular Dyna-Q agents at once, on the CPU or a GPU, with bit-identical results.\n"
      "Run with no arguments for Sutton & Barto's figure 8.2 experiment."};
  app.set_version_flag("--version", std::string("dynaq ") + DYNAQ_VERSION);
  app.require_subcommand(0, 1);
  const std::string command_line = dynaq::cli::command_line(argc, argv);
  dynaq::cli::register_run_command(app, command_line);
  dynaq::cli::register_merge_command(app, command_line);
  dynaq::cli::register_plot_command(app);
  dynaq::cli::register_solve_command(app);
  dynaq::cli::register_envs_command(app);
  dynaq::cli::register_experiment_command(app);
  dynaq::cli::register_compare_command(app);
  const bool lead = dynaq::cli::MpiSession::instance().rank() == 0;
  try {
    if (argc <= 1) return dynaq::cli::run_default_experiment();
    // `run --config FILE` and `run --resume DIR` add the file's options to the arguments.
    std::vector<std::string> args = dynaq::cli::expand_run_arguments(std::vector<std::string>(argv, argv + argc));
    std::reverse(args.begin(), args.end());  // CLI11 takes a vector of arguments last first
    args.pop_back();                         // without the program name
    app.parse(args);
    return 0;
  } catch (const CLI::ParseError& e) {
    // CLI11 exits 0 for --help and --version; every real parse error is a usage error.
    const int code = lead ? app.exit(e) : (e.get_exit_code() == 0 ? 0 : 1);
    return code == 0 ? 0 : dynaq::kExitInputError;
  } catch (const dynaq::InputError& e) {
    // Under mpirun every rank finds the same input error: rank 0 reports it.
    if (lead) std::cerr << "dynaq: error: " << e.what() << "\n";
    return dynaq::kExitInputError;
  } catch (const std::logic_error& e) {
    std::cerr << "dynaq: internal error: " << e.what() << "\n";
    return dynaq::kExitRuntimeError;
  } catch (const std::exception& e) {
    std::cerr << "dynaq: error: " << e.what() << "\n";
    return dynaq::kExitRuntimeError;
  }
}

}  // namespace

int main(int argc, char** argv) {
  dynaq::cli::MpiSession& mpi = dynaq::cli::MpiSession::instance();
  try {
    mpi.start(&argc, &argv);
  } catch (const dynaq::InputError& e) {
    std::cerr << "dynaq: error: " << e.what() << "\n";
    return dynaq::kExitInputError;
  }
  const int code = run(argc, argv);
  mpi.stop();
  return code;
}
