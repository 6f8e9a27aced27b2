// What the fuzz targets check for every input, shared with tests/fuzz_regression_test.cpp so
// that a committed input is judged by the same rules in the ordinary test suite.
//
// The rule for every parser: an input either parses or throws InputError (a message for the
// user). Anything else is a bug: another exception, a crash, a sanitizer report, a hang. What
// parses must also survive a round trip through the matching writer unchanged, and the tables
// built from it must hold the invariants the engines rely on. A broken property throws
// FuzzPropertyError; the fuzz targets let it escape, so that libFuzzer reports the input.
#pragma once

#include <cstdint>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#if __has_include("dynaq/config_file.hpp")
#include "dynaq/config_file.hpp"
#endif
#include "dynaq/errors.hpp"
#include "dynaq/maze.hpp"
#include "dynaq/mdp.hpp"
#include "dynaq/mdp_json.hpp"

namespace dynaq::fuzz {

class FuzzPropertyError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

inline void require(bool condition, const char* property) {
  if (!condition) throw FuzzPropertyError(property);
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

// The invariants MdpBuilder promises and the engines index by without checking.
inline void check_mdp_invariants(const TabularMdp& mdp) {
  require(mdp.n_states >= 1 && mdp.n_actions >= 1, "sizes are positive");
  require(mdp.pair_begin.size() == std::size_t{mdp.n_pairs()} + 1, "pair_begin has n_pairs + 1 entries");
  require(mdp.pair_begin.front() == 0 && mdp.pair_begin.back() == mdp.n_outcomes(),
          "pair_begin spans the outcomes");
  const std::size_t n = mdp.n_outcomes();
  require(mdp.probability.size() == n && mdp.reward.size() == n && mdp.terminated.size() == n &&
              mdp.outcome_threshold.size() == n,
          "outcome arrays have one entry per outcome");
  for (std::uint32_t p = 0; p < mdp.n_pairs(); ++p) {
    require(mdp.pair_begin[p] < mdp.pair_begin[p + 1], "every pair has an outcome");
    require(mdp.outcome_threshold[mdp.pair_begin[p + 1] - 1] == (std::uint64_t{1} << 32),
            "a pair's last threshold is 2^32");
  }
  for (std::size_t i = 0; i < n; ++i) {
    require(mdp.next_state[i] < mdp.n_states, "next states are in range");
    require(mdp.terminated[i] <= 1, "terminated is 0 or 1");
  }
  require(mdp.initial_distribution.size() == mdp.n_states, "one start probability per state");
  require(!mdp.start_state.empty() && mdp.start_state.size() == mdp.start_threshold.size(),
          "there is a start state");
  require(mdp.start_threshold.back() == (std::uint64_t{1} << 32), "the last start threshold is 2^32");
  for (std::uint32_t s : mdp.start_state) require(s < mdp.n_states, "start states are in range");
}

inline void check_same_mdp(const TabularMdp& a, const TabularMdp& b) {
  require(a.name == b.name && a.n_states == b.n_states && a.n_actions == b.n_actions &&
              a.max_episode_steps == b.max_episode_steps,
          "round trip keeps the header");
  require(same_bits(a.pair_begin, b.pair_begin) && same_bits(a.probability, b.probability) &&
              same_bits(a.next_state, b.next_state) && same_bits(a.reward, b.reward) &&
              same_bits(a.terminated, b.terminated) &&
              same_bits(a.initial_distribution, b.initial_distribution) &&
              same_bits(a.outcome_threshold, b.outcome_threshold) &&
              same_bits(a.start_state, b.start_state) &&
              same_bits(a.start_threshold, b.start_threshold),
          "round trip keeps every table bit for bit");
}

// Maze text (src/envs/maze.cpp). Returns true when the input parsed.
inline bool check_maze_input(std::string_view text) {
  MazeLayout maze;
  try {
    maze = parse_maze(text, "fuzz.txt");
  } catch (const InputError&) {
    return false;
  }
  require(maze.rows >= 1 && maze.cols >= 1, "a maze has a cell");
  require(maze.cells.size() == std::size_t{maze.rows} * maze.cols, "rows x cols cells");
  require(maze.start < maze.cells.size() && maze.cells[maze.start] == MazeCell::kStart,
          "start points at 'S'");
  const std::string written = maze_to_text(maze);
  const MazeLayout again = parse_maze(written, "again.txt");
  require(again.rows == maze.rows && again.cols == maze.cols && again.start == maze.start &&
              again.cells == maze.cells,
          "maze text round trip");
  const std::uint32_t shortest = maze_shortest_path(maze);
  require((shortest > 0) == maze_goal_reachable(maze), "shortest path agrees with reachability");
  check_mdp_invariants(maze_to_mdp(maze, "fuzz", 0));
  return true;
}

// Tabular MDP JSON (src/envs/mdp_json.cpp). Returns true when the input parsed.
inline bool check_mdp_json_input(std::string_view text) {
  TabularMdp mdp;
  try {
    mdp = parse_mdp_json(text, "fuzz.json");
  } catch (const InputError&) {
    return false;
  }
  check_mdp_invariants(mdp);
  std::ostringstream written;
  write_mdp_json(mdp, written);
  check_same_mdp(parse_mdp_json(written.str(), "again.json"), mdp);
  return true;
}

#if __has_include("dynaq/config_file.hpp")
#define DYNAQ_FUZZ_HAVE_CONFIG 1

// A value written back as TOML: what parse_config_text keeps of a value is enough to write it
// again (strings through toml_string, numbers and booleans as their kept text).
inline std::string config_value_text(const ConfigValue& value) {
  switch (value.type) {
    case ConfigValue::Type::kString: return toml_string(value.text);
    case ConfigValue::Type::kArray: {
      std::string text = "[";
      for (std::size_t k = 0; k < value.items.size(); ++k)
        text += (k ? ", " : "") + config_value_text(value.items[k]);
      return text + "]";
    }
    default: return value.text;
  }
}

inline bool same_config_value(const ConfigValue& a, const ConfigValue& b) {
  if (a.type != b.type || a.text != b.text || a.items.size() != b.items.size()) return false;
  for (std::size_t k = 0; k < a.items.size(); ++k)
    if (!same_config_value(a.items[k], b.items[k])) return false;
  return true;
}

// The TOML subset of config files (src/io/config_file.cpp). Returns true when the input parsed.
inline bool check_config_input(std::string_view text) {
  ConfigDocument doc;
  try {
    doc = parse_config_text(text, "fuzz.toml");
  } catch (const InputError&) {
    return false;
  }
  std::string written;
  for (std::size_t k = 0; k < doc.entries.size(); ++k) {
    const ConfigEntry& entry = doc.entries[k];
    require(entry.line >= 1 && entry.column >= 1 && entry.value.line >= 1 && entry.value.column >= 1,
            "positions count from 1");
    require(doc.find(entry.key) == &entry, "a key appears once");
    for (const ConfigValue& item : entry.value.items)
      require(item.type != ConfigValue::Type::kArray, "arrays do not nest");
    written += toml_string(entry.key) + " = " + config_value_text(entry.value) + "\n";
  }
  const ConfigDocument again = parse_config_text(written, "again.toml");
  require(again.entries.size() == doc.entries.size(), "config round trip keeps every entry");
  for (std::size_t k = 0; k < doc.entries.size(); ++k)
    require(again.entries[k].key == doc.entries[k].key &&
                same_config_value(again.entries[k].value, doc.entries[k].value),
            "config round trip keeps keys and values");
  return true;
}
#endif

}  // namespace dynaq::fuzz
