// Counter-based randomness: Philox4x32-10 and the layout of every random stream in dynaq.
//
// Every random draw is a pure function of
//   (sweep seed, agent's global index, real time step, purpose, draw index),
// so a run gives the same bytes on every engine, batch size, thread count and shard split, and
// agent i's draws do not depend on which other agents run beside it.
//
// Stream layout (one Philox4x32-10 block = four 32-bit words per call):
//   key     = { low 32 bits of the sweep seed, high 32 bits of the sweep seed }
//   counter = { agent global index, real time step t, purpose, draw index }
// where t counts the agent's real environment steps from 0 over the whole run (across
// episodes), and the purposes and the words they use are:
//   kPurposeReset  (draw 0)  word 0: start state, when the start distribution has >1 state.
//                            Drawn at the t of the first step of the new episode.
//   kPurposeAct    (draw 0)  word 0: epsilon test (explore if word < epsilon threshold);
//                            word 1: the exploring action, uniform over all actions;
//                            word 2: tie-break among the maximal actions of a greedy choice.
//   kPurposeEnv    (draw 0)  word 0: outcome of a stochastic transition (compared with the
//                            pair's integer cumulative thresholds).
//   kPurposePlan   (draw k)  block k of the planning words of step t (below).
//
// Planning words. The planning updates of real step t read one stream of 32-bit words:
//   planning word i of step t = word (i mod 4) of the kPurposePlan block with draw index i / 4,
// so no word of a block is thrown away. Update j of step t (j in [0, n)) takes w consecutive
// words, i = j * w, ..., j * w + w - 1, where w = 1 + (an action word) + (an outcome word):
//   first word        the observed pair (or, when drawing states then actions, the observed
//                     state; for Dyna-Q+, the (observed state, any action) pair or the state);
//   an action word    the action, when drawing states then actions (PlanningDraw::kStates);
//   an outcome word   the outcome replayed by a count-based model's sample backup.
// Plain Dyna-Q (pairs, last-outcome model) has w = 1: updates 4k..4k+3 of step t are the four
// words of block k. plan_draw() returns update j's words in the places the planning code reads
// them (word[0] first, word[1] action, word[2] outcome); a draw that spans two blocks (w = 3)
// makes both. The planning loops read the same words through a PlanningWordStream, which makes
// each block once for all the updates that share it. Prioritized sweeping draws nothing when
// planning. Planning for a new task (experiments.hpp) continues the agent's stream at t = the real
// steps it took, j = 0, 1, ...
// Unused words of the other purposes are discarded; a draw that is not needed (one start state, one outcome,
// a unique maximum) is not made, which cannot shift any other draw because none is sequential.
//
// Integers are turned into choices without floating point:
//   uniform index in [0, m): (uint64(word) * m) >> 32      (multiply-high, exact on every device)
//   Bernoulli(p):           word < floor(p * 2^32), the threshold computed once on the host
//   float in [0, 1):        (word >> 8) * 2^-24           (the top 24 bits, exact in float32)
#pragma once

#include <cstdint>

#include "dynaq/platform.hpp"

namespace dynaq {

struct PhiloxBlock {
  std::uint32_t word[4];

  // Word k (0 to 3) where k is known only at run time, by selects rather than an indexed load: a
  // GPU thread keeps the block in registers only while every index into it is a constant, and an
  // indexed read would move the block to its local memory (off-chip, cached) at every draw.
  DYNAQ_HD DYNAQ_FORCEINLINE std::uint32_t at(std::uint32_t k) const {
    return k == 0 ? word[0] : k == 1 ? word[1] : k == 2 ? word[2] : word[3];
  }
};

namespace philox_detail {
constexpr std::uint32_t kMultiplier0 = 0xD2511F53u;
constexpr std::uint32_t kMultiplier1 = 0xCD9E8D57u;
constexpr std::uint32_t kWeyl0 = 0x9E3779B9u;  // golden ratio
constexpr std::uint32_t kWeyl1 = 0xBB67AE85u;  // sqrt(3) - 1
}  // namespace philox_detail

// Philox4x32 with 10 rounds (Salmon et al., SC11), as in Random123 and cuRAND, on four 32-bit
// words in place. `Word` holds them: std::uint32_t, or std::uint64_t lanes (high halves zero),
// with which a host loop over independent blocks vectorizes without packing products back into
// 32-bit lanes between rounds (planning_words; 1.25x planning updates/s on AVX-512).
template <typename Word>
DYNAQ_HD DYNAQ_FORCEINLINE void philox4x32_10_rounds(Word& c0, Word& c1, Word& c2, Word& c3, Word key0, Word key1) {
  using namespace philox_detail;
  constexpr Word kLow = 0xFFFFFFFFu;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key0 = (key0 + kWeyl0) & kLow;
      key1 = (key1 + kWeyl1) & kLow;
    }
    const std::uint64_t product0 = std::uint64_t{kMultiplier0} * c0;
    const std::uint64_t product1 = std::uint64_t{kMultiplier1} * c2;
    c0 = static_cast<Word>(product1 >> 32) ^ c1 ^ key0;
    c1 = static_cast<Word>(product1 & kLow);
    c2 = static_cast<Word>(product0 >> 32) ^ c3 ^ key1;
    c3 = static_cast<Word>(product0 & kLow);
  }
}

DYNAQ_HD DYNAQ_FORCEINLINE void philox4x32_10_inplace(std::uint32_t& c0, std::uint32_t& c1, std::uint32_t& c2,
                                                      std::uint32_t& c3, std::uint32_t key0, std::uint32_t key1) {
  philox4x32_10_rounds<std::uint32_t>(c0, c1, c2, c3, key0, key1);
}

DYNAQ_HD inline PhiloxBlock philox4x32_10(PhiloxBlock counter, std::uint32_t key0,
                                          std::uint32_t key1) {
  philox4x32_10_inplace(counter.word[0], counter.word[1], counter.word[2], counter.word[3], key0, key1);
  return counter;
}

enum RandomPurpose : std::uint32_t {
  kPurposeReset = 1,
  kPurposeAct = 2,
  kPurposeEnv = 3,
  kPurposePlan = 4,
};

// Planning block `block` of step t of an agent's stream (the layout above) into w0..w3, on `Word`
// lanes as philox4x32_10_rounds: the one place the planning counter is laid out for loops that
// make many blocks at once (AgentRandom::planning_words over blocks, the cpu engine's lane groups
// over agents).
template <typename Word>
DYNAQ_HD DYNAQ_FORCEINLINE void planning_block(Word key0, Word key1, Word agent, Word time_step, Word block, Word& w0,
                                               Word& w1, Word& w2, Word& w3) {
  w0 = agent;
  w1 = time_step;
  w2 = static_cast<std::uint32_t>(kPurposePlan);
  w3 = block;
  philox4x32_10_rounds<Word>(w0, w1, w2, w3, key0, key1);
}

// The random stream of one agent in one sweep.
struct AgentRandom {
  std::uint32_t key0;
  std::uint32_t key1;
  std::uint32_t agent;

  DYNAQ_HD static AgentRandom make(std::uint64_t sweep_seed, std::uint32_t agent_global_index) {
    return AgentRandom{static_cast<std::uint32_t>(sweep_seed),
                       static_cast<std::uint32_t>(sweep_seed >> 32), agent_global_index};
  }

  DYNAQ_HD PhiloxBlock draw(std::uint32_t time_step, RandomPurpose purpose,
                            std::uint32_t draw_index = 0) const {
    return philox4x32_10(PhiloxBlock{{agent, time_step, static_cast<std::uint32_t>(purpose),
                                      draw_index}},
                         key0, key1);
  }

  // Planning word i of step t (the layout above). One Philox block per call: for tests and
  // one-off words; the planning loops make a block per four words.
  DYNAQ_HD std::uint32_t planning_word(std::uint32_t time_step, std::uint32_t i) const {
    return draw(time_step, kPurposePlan, i / 4).at(i % 4);
  }

  // Planning update j's words (the layout above): word[0] its first word, word[1] its action word
  // and word[2] its outcome word when it has them (else 0). One or two Philox blocks per call: for
  // tests and one-off draws; a loop over the updates of a step reads a PlanningWordStream.
  DYNAQ_HD PhiloxBlock plan_draw(std::uint32_t time_step, std::uint32_t j, bool action_word,
                                 bool outcome_word) const {
    const std::uint32_t per_draw = 1u + (action_word ? 1u : 0u) + (outcome_word ? 1u : 0u);
    const std::uint32_t first = j * per_draw, last = first + per_draw - 1;
    const PhiloxBlock a = draw(time_step, kPurposePlan, first / 4);
    const PhiloxBlock b = last / 4 == first / 4 ? a : draw(time_step, kPurposePlan, last / 4);
    const auto word = [&](std::uint32_t i) { return i / 4 == first / 4 ? a.at(i % 4) : b.at(i % 4); };
    return PhiloxBlock{{word(first), action_word ? word(first + 1) : 0u, outcome_word ? word(last) : 0u, 0u}};
  }

  // Planning words 4 * first_block, ..., 4 * (first_block + blocks) - 1 of step t into out: the
  // same words as planning_word(), made in a loop the host compiler vectorizes, since the blocks
  // are independent. Host only: on a GPU the 64-bit lanes would cost two instructions per operation.
  void planning_words(std::uint32_t time_step, std::uint32_t first_block, std::uint32_t blocks,
                      std::uint32_t* out) const {
    for (std::uint32_t k = 0; k < blocks; ++k) {
      std::uint64_t c0, c1, c2, c3;
      planning_block<std::uint64_t>(key0, key1, agent, time_step, static_cast<std::uint32_t>(first_block + k), c0, c1,
                                    c2, c3);
      out[4 * k] = static_cast<std::uint32_t>(c0);
      out[4 * k + 1] = static_cast<std::uint32_t>(c1);
      out[4 * k + 2] = static_cast<std::uint32_t>(c2);
      out[4 * k + 3] = static_cast<std::uint32_t>(c3);
    }
  }
};

// The planning words of step t in order (the layout above), each block made once: with w words
// per update, a block serves four updates when w = 1, two when w = 2, and updates straddle blocks
// when w = 3, where plan_draw would make a block (or two) for every update. The block's words are
// read through at(), which selects, never by indexing word[] at run time: so a GPU thread keeps
// the block in registers instead of its local memory.
struct PlanningWordStream {
  AgentRandom rng;
  std::uint32_t time_step;
  std::uint32_t next = 0;  // the index of the next word
  PhiloxBlock block{};     // the block of word next - 1, made when that word was read

  DYNAQ_HD DYNAQ_FORCEINLINE std::uint32_t word() {
    if (next % 4 == 0) block = rng.draw(time_step, kPurposePlan, next / 4);
    return block.at(next++ % 4);
  }

  // The next update's words, in plan_draw's places: word[0] first, then the action word, then the
  // outcome word, each when the update has it (else 0).
  DYNAQ_HD DYNAQ_FORCEINLINE PhiloxBlock draw(bool action_word, bool outcome_word) {
    const std::uint32_t first = word();
    const std::uint32_t action = action_word ? word() : 0u;
    const std::uint32_t outcome = outcome_word ? word() : 0u;
    return PhiloxBlock{{first, action, outcome, 0u}};
  }
};

// Uniform index in [0, count) from one 32-bit word, by multiply-high.
DYNAQ_HD DYNAQ_FORCEINLINE std::uint32_t uniform_index(std::uint32_t word, std::uint32_t count) {
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(word) * count) >> 32);
}

// Probability p in [0, 1] as the threshold that a 32-bit word must be below: floor(p * 2^32).
// p = 1 gives 2^32, which every word is below. Computed on the host only.
inline std::uint64_t probability_threshold(double p) {
  if (!(p > 0.0)) return 0;
  if (p >= 1.0) return std::uint64_t{1} << 32;
  return static_cast<std::uint64_t>(p * 4294967296.0);
}

// Float in [0, 1) from the top 24 bits of a word: exact in float32 on every device.
DYNAQ_HD DYNAQ_FORCEINLINE float unit_float(std::uint32_t word) {
  return static_cast<float>(word >> 8) * (1.0f / 16777216.0f);
}

}  // namespace dynaq
