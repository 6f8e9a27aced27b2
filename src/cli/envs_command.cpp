// `dynaq envs`. (Being written.)
#include "commands.hpp"

namespace dynaq::cli {
void register_envs_command(CLI::App& app) { app.add_subcommand("envs", "(being written)"); }
}  // namespace dynaq::cli
