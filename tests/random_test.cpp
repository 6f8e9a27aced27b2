// Philox4x32-10 against the Random123 known-answer vectors, and the stream layout's properties.
#include "dynaq/random.hpp"

#include <gtest/gtest.h>

namespace dynaq {
namespace {

struct KnownAnswer {
  PhiloxBlock counter;
  std::uint32_t key0, key1;
  PhiloxBlock expected;
};

// Random123's kat_vectors, "philox4x32 10" lines.
TEST(Philox, MatchesRandom123KnownAnswers) {
  const KnownAnswer answers[] = {
      {{{0, 0, 0, 0}}, 0, 0, {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}}},
      {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}}, 0xffffffff, 0xffffffff,
       {{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}}},
      {{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}}, 0xa4093822, 0x299f31d0,
       {{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}}},
  };
  for (const auto& a : answers) {
    const PhiloxBlock out = philox4x32_10(a.counter, a.key0, a.key1);
    for (int w = 0; w < 4; ++w) EXPECT_EQ(out.word[w], a.expected.word[w]) << "word " << w;
  }
}

TEST(Philox, StreamsDifferByEveryCounterField) {
  const AgentRandom r = AgentRandom::make(42, 7);
  const PhiloxBlock base = r.draw(3, kPurposeAct, 0);
  EXPECT_NE(base.word[0], AgentRandom::make(43, 7).draw(3, kPurposeAct, 0).word[0]);
  EXPECT_NE(base.word[0], AgentRandom::make(42 + (1ull << 32), 7).draw(3, kPurposeAct, 0).word[0]);
  EXPECT_NE(base.word[0], AgentRandom::make(42, 8).draw(3, kPurposeAct, 0).word[0]);
  EXPECT_NE(base.word[0], r.draw(4, kPurposeAct, 0).word[0]);
  EXPECT_NE(base.word[0], r.draw(3, kPurposeEnv, 0).word[0]);
  EXPECT_NE(base.word[0], r.draw(3, kPurposeAct, 1).word[0]);
  EXPECT_EQ(base.word[0], AgentRandom::make(42, 7).draw(3, kPurposeAct, 0).word[0]);
}

TEST(UniformIndex, CoversTheRangeExactly) {
  EXPECT_EQ(uniform_index(0, 4), 0u);
  EXPECT_EQ(uniform_index(0x3fffffff, 4), 0u);
  EXPECT_EQ(uniform_index(0x40000000, 4), 1u);
  EXPECT_EQ(uniform_index(0xffffffff, 4), 3u);
  EXPECT_EQ(uniform_index(0xffffffff, 1), 0u);
  EXPECT_EQ(uniform_index(0xffffffff, 3), 2u);
}

TEST(ProbabilityThreshold, IsFloorOfPTimesTwoToThe32) {
  EXPECT_EQ(probability_threshold(0.0), 0u);
  EXPECT_EQ(probability_threshold(1.0), std::uint64_t{1} << 32);
  EXPECT_EQ(probability_threshold(0.5), std::uint64_t{1} << 31);
  EXPECT_EQ(probability_threshold(0.1), 429496729u);
}

TEST(UnitFloat, UsesTheTop24Bits) {
  EXPECT_EQ(unit_float(0), 0.0f);
  EXPECT_EQ(unit_float(0xffffffff), 1.0f - 1.0f / 16777216.0f);
  EXPECT_EQ(unit_float(0x80000000), 0.5f);
  EXPECT_EQ(unit_float(0xff), 0.0f);
}

// PhiloxBlock::at(k) is word[k], for an index known only at run time.
TEST(Philox, AtIsTheWordOfThatIndex) {
  const PhiloxBlock block{{0x11111111u, 0x22222222u, 0x33333333u, 0x44444444u}};
  volatile std::uint32_t k = 0;  // not a constant to the compiler
  for (k = 0; k < 4; k = k + 1) EXPECT_EQ(block.at(k), block.word[k]) << "word " << k;
}

// The planning words of a step are the words of its kPurposePlan blocks in order: word i is word
// i % 4 of block i / 4 (random.hpp). Pinned against philox4x32_10 itself, whose known answers are
// checked above.
TEST(AgentRandom, PlanningWordsAreTheWordsOfThePlanningBlocksInOrder) {
  const AgentRandom rng = AgentRandom::make(0x0123456789ABCDEFull, 31);
  for (std::uint32_t i = 0; i < 12; ++i) {
    const PhiloxBlock block = philox4x32_10(PhiloxBlock{{31, 9, kPurposePlan, i / 4}}, 0x89ABCDEFu, 0x01234567u);
    EXPECT_EQ(rng.planning_word(9, i), block.word[i % 4]) << "word " << i;
  }
}

// Update j takes words j * w .. j * w + w - 1 of the step, w = 1 + action word + outcome word;
// word[0] is the first, word[1] the action word, word[2] the outcome word (the last).
TEST(AgentRandom, PlanDrawTakesConsecutiveWordsOfTheStep) {
  const AgentRandom rng = AgentRandom::make(777, 5);
  for (std::uint32_t j = 0; j < 20; ++j) {
    EXPECT_EQ(rng.plan_draw(4, j, false, false).word[0], rng.planning_word(4, j));
    const PhiloxBlock states = rng.plan_draw(4, j, true, false);
    EXPECT_EQ(states.word[0], rng.planning_word(4, 2 * j));
    EXPECT_EQ(states.word[1], rng.planning_word(4, 2 * j + 1));
    const PhiloxBlock sample = rng.plan_draw(4, j, false, true);
    EXPECT_EQ(sample.word[0], rng.planning_word(4, 2 * j));
    EXPECT_EQ(sample.word[2], rng.planning_word(4, 2 * j + 1));
    const PhiloxBlock both = rng.plan_draw(4, j, true, true);  // spans two blocks when j % 4 is 1 or 2
    EXPECT_EQ(both.word[0], rng.planning_word(4, 3 * j));
    EXPECT_EQ(both.word[1], rng.planning_word(4, 3 * j + 1));
    EXPECT_EQ(both.word[2], rng.planning_word(4, 3 * j + 2));
  }
}

// The host's batches of planning words are the same words, keys and counters with high bits set
// included, the block index wrapping past 2^32 - 1.
TEST(AgentRandom, BatchedPlanningWordsAreThePlanningWords) {
  for (const AgentRandom rng : {AgentRandom::make(0, 0), AgentRandom::make(0xFEDCBA9876543210ull, 0xFFFFFFFFu),
                                AgentRandom::make(12345, 77)}) {
    for (const std::uint32_t first_block : {0u, 5u, 0xFFFFFFFAu}) {
      std::uint32_t words[40];
      rng.planning_words(0xDEADBEEFu, first_block, 10, words);
      for (std::uint32_t k = 0; k < 40; ++k)
        EXPECT_EQ(words[k], rng.draw(0xDEADBEEFu, kPurposePlan, first_block + k / 4).word[k % 4]) << "word " << k;
    }
  }
}

}  // namespace
}  // namespace dynaq
