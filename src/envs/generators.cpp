// Random mazes and Garnet MDPs, generated from Philox4x32-10 so that a generator spec names the
// same environment on every machine and standard library.
//
// Both use the seed as the Philox key {low 32 bits, high 32 bits} and a counter that names
// what a draw is for; word w of block b serves draw 4 * b + w of a sequence.
//
// random_maze(rows, cols, seed): counter = {b, rows, cols, purpose} (the shape is part of the
// counter, so mazes of different shapes are unrelated):
//   kMazeWalls: draw i decides cell i (row-major): a wall when word < 2^30, i.e. with
//               probability exactly 1/4; the start and goal cells are never walls.
//   kMazePath:  draw i is step i of the carved staircase from the start (top-left) to the
//               goal (bottom-right): with d steps down and r steps right still to go, the step
//               is down when uniform_index(word, d + r) < d. Every monotone path is then
//               equally likely. Walls on the path are cleared, so a path always exists.
//
// garnet(S, A, B, seed): for the pair p = s * A + a, counter = {p, purpose, b, 0}:
//   kGarnetNextStates: B draws choose B distinct next states by Floyd's sampling algorithm
//                      (draw j picks uniform_index(word, S - B + j + 1); a state already taken
//                      is replaced by S - B + j), a uniform B-subset with exactly B draws. The
//                      outcomes are listed by increasing next state.
//   kGarnetCuts:       B - 1 draws are cut points of [0, 2^32); sorted, with 0 and 2^32 added,
//                      their gaps divided by 2^32 are the probabilities (exact as doubles, so
//                      they sum to exactly 1). Equal cuts give an outcome of probability 0.
//   kGarnetReward:     word 0 of block 0 is the reward r(s, a) = unit_float(word), in [0, 1);
//                      every outcome of the pair has that reward (the usual Garnet convention:
//                      the reward depends on the pair, not on where it leads).
// Garnet MDPs never terminate; the start is uniform over all states; dynaq gives them a step
// limit of 100 so that episodes end (the step limit is dynaq's choice, not part of Garnet).
#include "dynaq/generators.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "dynaq/errors.hpp"
#include "dynaq/random.hpp"

namespace dynaq {
namespace {

enum GeneratorPurpose : std::uint32_t {
  kMazeWalls = 1,
  kMazePath = 2,
  kGarnetNextStates = 3,
  kGarnetCuts = 4,
  kGarnetReward = 5,
};

constexpr std::uint32_t kWallThreshold = 1u << 30;  // word < 2^30: probability 1/4
constexpr std::uint32_t kGarnetStepLimit = 100;

// Yields draw 0, 1, 2, ... of one sequence, four words per Philox block.
class WordStream {
 public:
  WordStream(std::uint64_t seed, std::uint32_t c0, std::uint32_t c1, std::uint32_t c2,
             std::uint32_t c3, int block_field)
      : key0_(static_cast<std::uint32_t>(seed)),
        key1_(static_cast<std::uint32_t>(seed >> 32)),
        counter_{{c0, c1, c2, c3}},
        block_field_(block_field) {}

  std::uint32_t next() {
    if (used_ == 4) {
      block_ = philox4x32_10(counter_, key0_, key1_);
      ++counter_.word[block_field_];
      used_ = 0;
    }
    return block_.word[used_++];
  }

 private:
  std::uint32_t key0_, key1_;
  PhiloxBlock counter_;
  PhiloxBlock block_{};
  int block_field_;  // which counter word holds the block index
  int used_ = 4;
};

}  // namespace

MazeLayout random_maze(std::uint32_t rows, std::uint32_t cols, std::uint64_t seed) {
  if (rows == 0) throw InputError("random-maze: ROWS must be at least 1");
  if (cols == 0) throw InputError("random-maze: COLS must be at least 1");
  const std::uint64_t n_cells = std::uint64_t{rows} * cols;
  if (n_cells < 2)
    throw InputError("random-maze: a 1x1 maze has no room for both a start and a goal");
  if (n_cells > kMaxStates)
    throw InputError("random-maze: " + std::to_string(rows) + "x" + std::to_string(cols) +
                     " is more than " + std::to_string(kMaxStates) + " cells");

  MazeLayout maze;
  maze.rows = rows;
  maze.cols = cols;
  maze.cells.resize(n_cells);
  WordStream walls(seed, 0, rows, cols, kMazeWalls, 0);
  for (std::uint64_t cell = 0; cell < n_cells; ++cell)
    maze.cells[cell] = walls.next() < kWallThreshold ? MazeCell::kWall : MazeCell::kFree;

  WordStream steps(seed, 0, rows, cols, kMazePath, 0);
  std::uint32_t row = 0, col = 0;
  std::uint32_t downs = rows - 1, rights = cols - 1;
  maze.cells[0] = MazeCell::kFree;
  while (downs + rights > 0) {
    const std::uint32_t word = steps.next();
    if (uniform_index(word, downs + rights) < downs) {
      ++row;
      --downs;
    } else {
      ++col;
      --rights;
    }
    maze.cells[std::uint64_t{row} * cols + col] = MazeCell::kFree;
  }
  maze.start = 0;
  maze.cells[0] = MazeCell::kStart;
  maze.cells[n_cells - 1] = MazeCell::kGoal;
  return maze;
}

TabularMdp garnet(std::uint32_t states, std::uint32_t actions, std::uint32_t branching,
                  std::uint64_t seed) {
  if (states == 0) throw InputError("garnet: STATES must be at least 1 (got 0)");
  if (actions == 0) throw InputError("garnet: ACTIONS must be at least 1 (got 0)");
  if (branching == 0 || branching > states)
    throw InputError("garnet: BRANCHING must be between 1 and STATES = " +
                     std::to_string(states) + " (got " + std::to_string(branching) + ")");
  const std::uint64_t n_pairs = std::uint64_t{states} * actions;
  if (n_pairs > kMaxStates)
    throw InputError("garnet: STATES x ACTIONS = " + std::to_string(n_pairs) +
                     " is more than the " + std::to_string(kMaxStates) +
                     " state-action pairs dynaq supports");
  if (n_pairs * branching > 0xFFFFFFFFu)
    throw InputError("garnet: STATES x ACTIONS x BRANCHING = " +
                     std::to_string(n_pairs * branching) + " outcomes is more than 2^32 - 1");

  const std::string name = "garnet:" + std::to_string(states) + ":" + std::to_string(actions) +
                           ":" + std::to_string(branching) + ":" + std::to_string(seed);
  MdpBuilder builder(name, states, actions);

  // taken[s] == p + 1 while pair p is drawing: membership in O(1) without clearing.
  std::vector<std::uint32_t> taken(states, 0);
  std::vector<std::uint32_t> next_states(branching);
  std::vector<std::uint64_t> cuts(branching + 1);
  for (std::uint32_t pair = 0; pair < n_pairs; ++pair) {
    const std::uint32_t mark = pair + 1;
    WordStream choose(seed, pair, kGarnetNextStates, 0, 0, 2);
    for (std::uint32_t j = 0; j < branching; ++j) {
      const std::uint32_t top = states - branching + j;  // draw from [0, top]
      std::uint32_t pick = uniform_index(choose.next(), top + 1);
      if (taken[pick] == mark) pick = top;
      taken[pick] = mark;
      next_states[j] = pick;
    }
    std::sort(next_states.begin(), next_states.end());

    WordStream cut(seed, pair, kGarnetCuts, 0, 0, 2);
    cuts[0] = 0;
    for (std::uint32_t k = 1; k < branching; ++k) cuts[k] = cut.next();
    cuts[branching] = std::uint64_t{1} << 32;
    std::sort(cuts.begin() + 1, cuts.begin() + branching);

    const float reward = unit_float(WordStream(seed, pair, kGarnetReward, 0, 0, 2).next());
    const std::uint32_t state = pair / actions, action = pair % actions;
    for (std::uint32_t k = 0; k < branching; ++k) {
      const double probability = static_cast<double>(cuts[k + 1] - cuts[k]) / 4294967296.0;
      builder.add_outcome(state, action, probability, next_states[k], reward, false);
    }
  }
  builder.set_initial_distribution(std::vector<double>(states, 1.0 / states));
  builder.set_max_episode_steps(kGarnetStepLimit);
  return builder.build();
}

}  // namespace dynaq
