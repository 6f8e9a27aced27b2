// The chapter 8 presets of `dynaq run --preset`. Parameters follow the book's figures (alpha 1
// for the changing mazes, as in the book's experiments) with far more seeds than the book's.
#include "presets.hpp"

#include "dynaq/errors.hpp"

namespace dynaq::cli {

const std::vector<Preset>& presets() {
  static const std::vector<Preset> table = {
      {"figure-8.2",
       "Dyna maze learning curves for n = 0, 5, 50 (alpha 0.1, gamma 0.95, epsilon 0.1, 50 episodes, "
       "10,000 seeds)",
       "env = \"dyna-maze\"\n"
       "planning-steps = [0, 5, 50]\n"
       "alpha = 0.1\ngamma = 0.95\nepsilon = 0.1\n"
       "episodes = 50\nseeds = 10000\n"},
      {"figure-8.4",
       "blocking maze, Dyna-Q against Dyna-Q+: cumulative reward over 3000 steps, the wall moving at step "
       "1000 (alpha 1, gamma 0.95, epsilon 0.1, n 10, kappa 0.0001, 1000 seeds)",
       "env = \"blocking-maze\"\n"
       "algo = [\"dyna-q\", \"dyna-q-plus\"]\n"
       "alpha = 1.0\ngamma = 0.95\nepsilon = 0.1\nplanning-steps = 10\nkappa = 0.0001\n"
       "steps = 3000\nbucket = 30\nseeds = 1000\n"},
      {"figure-8.5",
       "shortcut maze, Dyna-Q against Dyna-Q+: cumulative reward over 6000 steps, a shortcut opening at step "
       "3000 (alpha 1, gamma 0.95, epsilon 0.1, n 50, kappa 0.001, 1000 seeds)",
       "env = \"shortcut-maze\"\n"
       "algo = [\"dyna-q\", \"dyna-q-plus\"]\n"
       "alpha = 1.0\ngamma = 0.95\nepsilon = 0.1\nplanning-steps = 50\nkappa = 0.001\n"
       "steps = 6000\nbucket = 60\nseeds = 1000\n"},
  };
  return table;
}

const Preset& find_preset(const std::string& name) {
  for (const Preset& preset : presets())
    if (name == preset.name) return preset;
  std::string known;
  for (const Preset& preset : presets()) known += std::string(known.empty() ? "" : ", ") + preset.name;
  throw InputError("--preset: '" + name + "' is not one of: " + known +
                   " (example 8.4 is `dynaq experiment example-8.4`)");
}

}  // namespace dynaq::cli
