// `dynaq run`. (Being written.)
#include "commands.hpp"

namespace dynaq::cli {
void register_run_command(CLI::App& app) { app.add_subcommand("run", "(being written)"); }
int run_default_experiment() { return 0; }
}  // namespace dynaq::cli
