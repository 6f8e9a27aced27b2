// `dynaq solve`. (Being written.)
#include "commands.hpp"

namespace dynaq::cli {
void register_solve_command(CLI::App& app) { app.add_subcommand("solve", "(being written)"); }
}  // namespace dynaq::cli
