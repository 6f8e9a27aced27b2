// What --env accepts, resolved to Environments: the built-in environments (their maze layouts
// are the text literals below), generator specs, files and schedules; and the error an unknown
// name gets.
#include "dynaq/environment.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <optional>

#include "dynaq/errors.hpp"
#include "dynaq/generators.hpp"
#include "dynaq/mdp_json.hpp"
#include "dynaq/messages.hpp"
#include "dynaq/toy_text.hpp"

namespace dynaq {
namespace {

// Sutton & Barto (2018), figure 8.2: the Dyna maze. Shortest path: 14 steps.
constexpr const char* kDynaMaze =
    ".......#G\n"
    "..#....#.\n"
    "S.#....#.\n"
    "..#......\n"
    ".....#...\n"
    ".........\n";

// Figure 8.4: the blocking maze. The gap on the right closes at step 1000 and one opens on
// the left, so the learned path is blocked and a longer one must be found.
constexpr const char* kBlockingMazeBefore =
    "........G\n"
    ".........\n"
    ".........\n"
    "########.\n"
    ".........\n"
    "...S.....\n";
constexpr const char* kBlockingMazeAfter =
    "........G\n"
    ".........\n"
    ".........\n"
    ".########\n"
    ".........\n"
    "...S.....\n";
constexpr std::uint64_t kBlockingSwitchStep = 1000;

// Figure 8.5: the shortcut maze. A shorter path opens on the right at step 3000, and the
// learned path stays available, so nothing forces the agent to find the shortcut.
constexpr const char* kShortcutMazeBefore =
    "........G\n"
    ".........\n"
    ".........\n"
    ".########\n"
    ".........\n"
    "...S.....\n";
constexpr const char* kShortcutMazeAfter =
    "........G\n"
    ".........\n"
    ".........\n"
    ".#######.\n"
    ".........\n"
    "...S.....\n";
constexpr std::uint64_t kShortcutSwitchStep = 3000;

// The Dyna maze with its goal moved to the bottom-right corner: a new task for agents that
// learned the Dyna maze (planning for a new goal with a learned model).
constexpr const char* kDynaMazeNewGoal =
    ".......#.\n"
    "..#....#.\n"
    "S.#....#.\n"
    "..#......\n"
    ".....#...\n"
    "........G\n";

constexpr const char* kScaledDynaMazePattern = "dyna-maze:RESOLUTION";
constexpr const char* kScaledDynaMazeExample = "dyna-maze:3";
constexpr const char* kRandomMazePattern = "random-maze:ROWSxCOLS:SEED";
constexpr const char* kRandomMazeExample = "random-maze:20x30:7";
constexpr const char* kGarnetPattern = "garnet:STATES:ACTIONS:BRANCHING:SEED";
constexpr const char* kGarnetExample = "garnet:100:4:3:7";
constexpr const char* kSchedulePattern = "FIRST@STEP=SECOND[@STEP=THIRD...]";

// An environment being resolved, with the maze layout of each phase that is a maze.
struct Resolved {
  std::vector<EnvironmentPhase> phases;
  std::vector<std::optional<MazeLayout>> layouts;
  std::vector<std::string> warnings;

  void add(std::uint64_t start_step, TabularMdp mdp, std::optional<MazeLayout> layout) {
    phases.push_back(EnvironmentPhase{start_step,
                                      std::make_shared<const TabularMdp>(std::move(mdp))});
    layouts.push_back(std::move(layout));
  }
};

// A maze as one phase, with a warning when no goal can be reached from its start.
void add_maze(Resolved& resolved, std::uint64_t start_step, MazeLayout maze, std::string name,
              const std::string& source) {
  if (!maze_goal_reachable(maze))
    resolved.warnings.push_back(source + ": no goal is reachable from the start; episodes can "
                                         "end only by a step limit");
  TabularMdp mdp = maze_to_mdp(maze, std::move(name));
  resolved.add(start_step, std::move(mdp), std::move(maze));
}

Resolved builtin_maze(const char* text, const char* name) {
  Resolved resolved;
  add_maze(resolved, 0, parse_maze(text, name), name, name);
  return resolved;
}

Resolved builtin_schedule(const char* before, const char* after, std::uint64_t switch_step,
                          const std::string& name) {
  Resolved resolved;
  add_maze(resolved, 0, parse_maze(before, name), name, name);
  const std::string later = name + " (from step " + std::to_string(switch_step) + ")";
  add_maze(resolved, switch_step, parse_maze(after, later), later, later);
  return resolved;
}

Resolved builtin_mdp(TabularMdp mdp) {
  Resolved resolved;
  resolved.add(0, std::move(mdp), std::nullopt);
  return resolved;
}

struct Builtin {
  const char* name;
  const char* description;
  std::function<Resolved()> make;
};

const std::vector<Builtin>& builtins() {
  static const std::vector<Builtin> table = {
      {"dyna-maze", "Dyna maze, 6x9: Sutton & Barto (2018) figure 8.2",
       [] { return builtin_maze(kDynaMaze, "dyna-maze"); }},
      {"dyna-maze-new-goal", "the Dyna maze with the goal moved to the bottom-right corner (a new task)",
       [] { return builtin_maze(kDynaMazeNewGoal, "dyna-maze-new-goal"); }},
      {"blocking-maze",
       "blocking maze, 6x9, the gap moves to the left end at step 1000: "
       "Sutton & Barto (2018) figure 8.4",
       [] {
         return builtin_schedule(kBlockingMazeBefore, kBlockingMazeAfter, kBlockingSwitchStep,
                                 "blocking-maze");
       }},
      {"shortcut-maze",
       "shortcut maze, 6x9, a shorter path opens at step 3000: "
       "Sutton & Barto (2018) figure 8.5",
       [] {
         return builtin_schedule(kShortcutMazeBefore, kShortcutMazeAfter, kShortcutSwitchStep,
                                 "shortcut-maze");
       }},
      {"frozen-lake-4x4", "Gymnasium FrozenLake-v1 4x4, slippery",
       [] { return builtin_mdp(frozen_lake_4x4(true)); }},
      {"frozen-lake-4x4-deterministic", "Gymnasium FrozenLake-v1 4x4, is_slippery=False",
       [] { return builtin_mdp(frozen_lake_4x4(false)); }},
      {"frozen-lake-8x8", "Gymnasium FrozenLake-v1 8x8, slippery",
       [] { return builtin_mdp(frozen_lake_8x8(true)); }},
      {"frozen-lake-8x8-deterministic", "Gymnasium FrozenLake-v1 8x8, is_slippery=False",
       [] { return builtin_mdp(frozen_lake_8x8(false)); }},
      {"cliff-walking", "Gymnasium CliffWalking (Sutton & Barto (2018) example 6.6)",
       [] { return builtin_mdp(cliff_walking()); }},
      {"taxi", "Gymnasium Taxi-v3 and -v4, default options (Dietterich (2000))", [] { return builtin_mdp(taxi()); }},
  };
  return table;
}

std::string schedule_usage() {
  return std::string("expected ") + kSchedulePattern + ", e.g. dyna-maze@1000=maze.txt";
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with_json(const std::string& path) {
  if (path.size() < 5) return false;
  std::string tail = path.substr(path.size() - 5);
  for (char& c : tail) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return tail == ".json";
}

// A whole number written in decimal digits only (no sign, no spaces), within `limit`.
std::optional<std::uint64_t> parse_whole(const std::string& text, std::uint64_t limit) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (value > (limit - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t begin = 0;
  while (true) {
    const std::size_t end = text.find(separator, begin);
    parts.push_back(text.substr(begin, end - begin));
    if (end == std::string::npos) return parts;
    begin = end + 1;
  }
}

constexpr std::uint64_t kMax32 = 0xFFFFFFFFu;
constexpr std::uint64_t kMax64 = ~std::uint64_t{0};

// Reads field `what` of a generator spec, or explains the expected pattern.
std::uint64_t generator_field(const std::string& spec, const std::string& text,
                              const char* what, std::uint64_t limit, const char* pattern,
                              const char* example) {
  const std::optional<std::uint64_t> value = parse_whole(text, limit);
  if (!value)
    throw InputError("'" + spec + "': " + what + " '" + text + "' is not a whole number" +
                     (limit == kMax32 ? " below 2^32" : " below 2^64") + "; expected " +
                     pattern + ", e.g. " + example);
  return *value;
}

Resolved resolve_random_maze(const std::string& spec) {
  const std::vector<std::string> parts = split(spec, ':');
  const std::vector<std::string> shape =
      parts.size() == 3 ? split(parts[1], 'x') : std::vector<std::string>{};
  if (parts.size() != 3 || shape.size() != 2)
    throw InputError("malformed random maze '" + spec + "': expected " + kRandomMazePattern +
                     ", e.g. " + kRandomMazeExample);
  const auto field = [&](const std::string& text, const char* what, std::uint64_t limit) {
    return generator_field(spec, text, what, limit, kRandomMazePattern, kRandomMazeExample);
  };
  const auto rows = static_cast<std::uint32_t>(field(shape[0], "ROWS", kMax32));
  const auto cols = static_cast<std::uint32_t>(field(shape[1], "COLS", kMax32));
  const std::uint64_t seed = field(parts[2], "SEED", kMax64);
  const std::string name = "random-maze:" + std::to_string(rows) + "x" + std::to_string(cols) +
                           ":" + std::to_string(seed);
  Resolved resolved;
  add_maze(resolved, 0, random_maze(rows, cols, seed), name, spec);
  return resolved;
}

Resolved resolve_scaled_dyna_maze(const std::string& spec) {
  const std::vector<std::string> parts = split(spec, ':');
  if (parts.size() != 2)
    throw InputError("malformed scaled Dyna maze '" + spec + "': expected " + kScaledDynaMazePattern + ", e.g. " +
                     kScaledDynaMazeExample);
  const std::uint64_t factor =
      generator_field(spec, parts[1], "RESOLUTION", kMax32, kScaledDynaMazePattern, kScaledDynaMazeExample);
  if (factor == 0 || factor > 1000)
    throw InputError("'" + spec + "': RESOLUTION must be between 1 and 1000");
  const std::string name = "dyna-maze:" + std::to_string(factor);
  Resolved resolved;
  add_maze(resolved, 0, scale_maze(parse_maze(kDynaMaze, "dyna-maze"), static_cast<std::uint32_t>(factor)), name,
           spec);
  return resolved;
}

Resolved resolve_garnet(const std::string& spec) {
  const std::vector<std::string> parts = split(spec, ':');
  if (parts.size() != 5)
    throw InputError("malformed Garnet spec '" + spec + "': expected " + kGarnetPattern +
                     ", e.g. " + kGarnetExample);
  const auto field = [&](const std::string& text, const char* what, std::uint64_t limit) {
    return generator_field(spec, text, what, limit, kGarnetPattern, kGarnetExample);
  };
  const auto states = static_cast<std::uint32_t>(field(parts[1], "STATES", kMax32));
  const auto actions = static_cast<std::uint32_t>(field(parts[2], "ACTIONS", kMax32));
  const auto branching = static_cast<std::uint32_t>(field(parts[3], "BRANCHING", kMax32));
  const std::uint64_t seed = field(parts[4], "SEED", kMax64);
  return builtin_mdp(garnet(states, actions, branching, seed));
}

Resolved resolve_file(const std::string& path) {
  if (ends_with_json(path)) return builtin_mdp(load_mdp_json_file(path));
  Resolved resolved;
  add_maze(resolved, 0, load_maze_file(path), path, path);
  return resolved;
}

// A file held in memory (set_environment_text), read as resolve_file reads one on disk.
Resolved resolve_text(const std::string& name, const std::string& text) {
  if (ends_with_json(name)) return builtin_mdp(parse_mdp_json(text, name));
  Resolved resolved;
  add_maze(resolved, 0, parse_maze(text, name), name, name);
  return resolved;
}

[[noreturn]] void throw_unknown(const std::string& spec) {
  std::string lowered = spec;
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::size_t best = 3;  // suggest names within edit distance 2
  std::vector<std::string> closest;
  for (const Builtin& builtin : builtins()) {
    const std::size_t distance = edit_distance(lowered, builtin.name);
    if (distance < best) {
      best = distance;
      closest.clear();
    }
    if (distance == best) closest.push_back(builtin.name);
  }
  // A name cut short ("frozen-lake") is far from every full name but still clear.
  if (closest.empty() && lowered.size() >= 3) {
    for (const Builtin& builtin : builtins())
      if (starts_with(builtin.name, lowered)) closest.push_back(builtin.name);
  }
  std::string message = "unknown environment '" + spec + "'";
  if (!closest.empty()) {
    message += " (did you mean '" + closest[0] + "'";
    for (std::size_t k = 1; k < closest.size(); ++k) message += " or '" + closest[k] + "'";
    message += "?)";
  }
  message += "\n  built-in environments:";
  for (const Builtin& builtin : builtins()) message += std::string(" ") + builtin.name;
  message += std::string("\n  generators: ") + kRandomMazePattern + " (e.g. " + kRandomMazeExample + "), " +
             kGarnetPattern + " (e.g. " + kGarnetExample + "), " + kScaledDynaMazePattern + " (e.g. " +
             kScaledDynaMazeExample + ")";
  message += std::string("\n  files: *.json (tabular MDP) or maze text; schedules: ") +
             kSchedulePattern + "\n  `dynaq envs` describes them all";
  throw InputError(message);
}

// Everything but a schedule.
Resolved resolve_single(const std::string& spec) {
  if (spec.empty())
    throw InputError("empty environment name; `dynaq envs` lists the built-in environments");
  for (const Builtin& builtin : builtins())
    if (spec == builtin.name) return builtin.make();
  if (const std::optional<std::string> text = environment_text(spec)) return resolve_text(spec, *text);
  std::error_code ec;
  if (std::filesystem::exists(spec, ec)) return resolve_file(spec);
  if (starts_with(spec, "random-maze:")) return resolve_random_maze(spec);
  if (starts_with(spec, "garnet:")) return resolve_garnet(spec);
  if (starts_with(spec, "dyna-maze:")) return resolve_scaled_dyna_maze(spec);
  // Something that looks like a path is a missing file, not a misspelt name.
  if (spec.find('/') != std::string::npos || ends_with_json(spec) ||
      spec.find('.') != std::string::npos)
    throw InputError(spec + ": cannot read: no such file (nor a built-in environment; "
                            "`dynaq envs` lists them)");
  throw_unknown(spec);
}

std::string shape_text(const TabularMdp& mdp) {
  return std::to_string(mdp.n_states) + " states x " + std::to_string(mdp.n_actions) +
         " actions";
}

Resolved resolve_schedule(const std::string& spec) {
  const std::vector<std::string> parts = split(spec, '@');
  Resolved schedule;
  std::uint64_t previous_step = 0;
  std::string first_part;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    std::string part = parts[k];
    std::uint64_t step = 0;
    if (k > 0) {
      const std::size_t equals = part.find('=');
      if (equals == std::string::npos)
        throw InputError("schedule '" + spec + "': '" + part + "' is not STEP=ENVIRONMENT; " +
                         schedule_usage());
      const std::string step_text = part.substr(0, equals);
      const std::optional<std::uint64_t> parsed = parse_whole(step_text, kMax64);
      if (!parsed)
        throw InputError("schedule '" + spec + "': switch step '" + step_text +
                         "' is not a whole number; " + schedule_usage());
      step = *parsed;
      if (step <= previous_step)
        throw InputError("schedule '" + spec + "': switch step " + std::to_string(step) +
                         (k == 1 ? " must be greater than 0"
                                 : " must be greater than the previous one, " +
                                       std::to_string(previous_step)));
      previous_step = step;
      part = part.substr(equals + 1);
    }
    Resolved resolved = resolve_single(part);
    if (resolved.phases.size() != 1)
      throw InputError("schedule '" + spec + "': '" + part + "' is itself a schedule of " +
                       std::to_string(resolved.phases.size()) +
                       " phases; schedules cannot be nested");
    const TabularMdp& mdp = *resolved.phases[0].mdp;
    if (k == 0) {
      first_part = part;
    } else {
      const TabularMdp& first = *schedule.phases[0].mdp;
      if (mdp.n_states != first.n_states || mdp.n_actions != first.n_actions)
        throw InputError("schedule '" + spec + "': '" + part + "' has " + shape_text(mdp) +
                         ", but '" + first_part + "' has " + shape_text(first) +
                         "; every phase must have the same shape");
    }
    schedule.phases.push_back(EnvironmentPhase{step, resolved.phases[0].mdp});
    schedule.layouts.push_back(std::move(resolved.layouts[0]));
    for (std::string& warning : resolved.warnings) schedule.warnings.push_back(warning);
  }
  return schedule;
}

Resolved resolve(const std::string& spec) {
  if (!spec.empty()) {
    for (const Builtin& builtin : builtins())
      if (spec == builtin.name) return builtin.make();
  }
  std::error_code ec;
  if (spec.find('@') != std::string::npos && !std::filesystem::exists(spec, ec))
    return resolve_schedule(spec);
  return resolve_single(spec);
}

}  // namespace

Environment single_phase(std::shared_ptr<const TabularMdp> mdp, std::string name) {
  Environment env;
  env.name = std::move(name);
  env.phases.push_back(EnvironmentPhase{0, std::move(mdp)});
  return env;
}

Environment load_environment(const std::string& spec) {
  Resolved resolved = resolve(spec);
  Environment env;
  env.name = spec;
  // An MDP JSON file names itself: results say its "name" rather than where the file lay.
  if (ends_with_json(spec) && resolved.phases.size() == 1 && !resolved.phases.front().mdp->name.empty())
    env.name = resolved.phases.front().mdp->name;
  env.phases = std::move(resolved.phases);
  env.warnings = std::move(resolved.warnings);
  return env;
}

std::vector<MazeLayout> load_maze_layouts(const std::string& spec,
                                          std::vector<std::string>* warnings) {
  Resolved resolved = resolve(spec);
  if (warnings) *warnings = std::move(resolved.warnings);
  std::vector<MazeLayout> layouts;
  for (std::optional<MazeLayout>& layout : resolved.layouts) {
    if (!layout) return {};
    layouts.push_back(std::move(*layout));
  }
  return layouts;
}

std::vector<BuiltinEnvironment> builtin_environments() {
  std::vector<BuiltinEnvironment> list;
  for (const Builtin& builtin : builtins())
    list.push_back(BuiltinEnvironment{builtin.name, builtin.description, ""});
  list.push_back(BuiltinEnvironment{
      kRandomMazePattern,
      "random maze (dynaq's own): S top-left, G bottom-right, walls with probability 1/4, "
      "a carved monotone path",
      kRandomMazeExample});
  list.push_back(BuiltinEnvironment{
      kScaledDynaMazePattern,
      "the Dyna maze at RESOLUTION times the resolution, each cell a block (Sutton & Barto (2018) example 8.4)",
      kScaledDynaMazeExample});
  list.push_back(BuiltinEnvironment{
      kGarnetPattern,
      "Garnet MDP (Archibald et al. 1995): BRANCHING next states per pair, reward in [0, 1), "
      "step limit 100",
      kGarnetExample});
  return list;
}

}  // namespace dynaq
