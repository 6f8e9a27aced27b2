// Named experiments of Sutton & Barto chapter 8 as `dynaq run` configurations: `dynaq run
// --preset NAME` runs one, and options on the command line override its settings, as they
// override a --config file's.
#pragma once

#include <string>
#include <vector>

namespace dynaq::cli {

struct Preset {
  const char* name;
  const char* description;  // what it reproduces, with its parameters
  const char* config;       // the run's options, in the --config file format
};

const std::vector<Preset>& presets();
// The preset named `name`; InputError listing the presets otherwise.
const Preset& find_preset(const std::string& name);

}  // namespace dynaq::cli
