// Pieces of the shared per-agent core (agent_core.hpp) that have a faster twin: the twin must
// give the same answer on every input, not only on the inputs a run happens to produce.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "dynaq/agent_core.hpp"

namespace dynaq {
namespace {

// Every row of four values from {-inf, -1, -0, +0, 1, +inf, NaN} (7^4 = 2401 rows: ties of every
// size and position, signed zeros, infinities, NaN first or later), with tie words that pick
// every tied action.
TEST(AgentCore, TheBranchFreeGreedyActionOfFourIsGreedyBy) {
  const float inf = std::numeric_limits<float>::infinity();
  const float values[] = {-inf, -1.0f, -0.0f, 0.0f, 1.0f, inf, std::numeric_limits<float>::quiet_NaN()};
  const std::uint32_t tie_words[] = {0u, 0x3FFFFFFFu, 0x40000000u, 0x55555556u, 0x80000000u, 0xAAAAAAABu,
                                     0xC0000000u, 0xFFFFFFFFu};
  int rows = 0;
  for (const float a : values)
    for (const float b : values)
      for (const float c : values)
        for (const float d : values) {
          const float row[4] = {a, b, c, d};
          for (const std::uint32_t word : tie_words)
            ASSERT_EQ(greedy_action_of_4(row, word), greedy_by(4, word, QRowValue{row}))
                << "row " << a << " " << b << " " << c << " " << d << ", tie word " << word;
          ++rows;
        }
  EXPECT_EQ(rows, 2401);
}

}  // namespace
}  // namespace dynaq
