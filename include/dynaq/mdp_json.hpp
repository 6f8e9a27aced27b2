// The tabular MDP JSON format, in Gymnasium's `P` convention:
//   {"name": str, "n_states": int, "n_actions": int,
//    "initial_state_distribution": [n_states numbers],
//    "max_episode_steps": int (optional),
//    "P": P}
// where P[s][a] is a list of [probability, next_state, reward, terminated]. P may be a list of
// lists, or an object keyed by the decimal state and action ("0", "1", ...) as json.dumps
// writes Gymnasium's dict. Keys may come in any order. Integer literals are accepted wherever a
// number is expected, integral numbers (3.0, 3e2) wherever an integer is, and 0/1 wherever a
// boolean is; max_episode_steps may be null (no limit). Rewards are read as float32 and must be
// finite there. Unknown keys are ignored (exports may carry metadata).
//
// Every error names source:line:column and what was expected there.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "dynaq/mdp.hpp"

namespace dynaq {

// The largest MDP JSON file load_mdp_json_file reads (16 GiB, about 3 x 10^8 outcomes). A
// larger file, or one larger than the memory available, is refused before anything is read.
// Loading holds the text and the outcomes read so far, then (the text freed) the outcomes and the
// built tables: at the peak the file's size plus about 50 bytes per outcome, or about 75 bytes
// per outcome, whichever is larger (645 MB for a 441 MB file of 8 x 10^6 outcomes).
constexpr std::uint64_t kMaxMdpJsonBytes = std::uint64_t{16} << 30;

TabularMdp parse_mdp_json(std::string_view text, const std::string& source);
TabularMdp load_mdp_json_file(const std::string& path);

// Writes the MDP so that parse_mdp_json reads back identical tables (floats are written in
// their shortest round-trip form).
void write_mdp_json(const TabularMdp& mdp, std::ostream& out);

}  // namespace dynaq
