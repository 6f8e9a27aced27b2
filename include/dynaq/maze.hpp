// Grid mazes: the text format, and their translation into tabular MDPs.
//
// Text, one row per line: '#' wall, '.' free, 'S' start (exactly one), 'G' goal (one or more).
// Actions 0..3 are up, down, left, right. A move into a wall or off the grid leaves the agent
// in place. Entering a goal gives reward 1 and terminates; every other step gives 0. States are
// numbered row-major over all cells, walls included (unreachable, but they move like free cells,
// so that an agent caught in a cell that a schedule turns into wall can walk out). Goal cells
// are absorbing: every action stays, reward 0, terminated (as Gymnasium's FrozenLake does).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dynaq/mdp.hpp"

namespace dynaq {

enum class MazeCell : char { kFree = '.', kWall = '#', kStart = 'S', kGoal = 'G' };

enum MazeAction : std::uint32_t { kUp = 0, kDown = 1, kLeft = 2, kRight = 3 };

struct MazeLayout {
  std::uint32_t rows = 0;
  std::uint32_t cols = 0;
  std::vector<MazeCell> cells;  // row-major, rows * cols
  std::uint32_t start = 0;      // cell index of 'S'

  MazeCell at(std::uint32_t row, std::uint32_t col) const { return cells[row * cols + col]; }
};

// Parses maze text. `source` names it in errors ("maze.txt:3:7: unknown character 'x' ...").
// Accepts '\n' and "\r\n" line ends, a missing final newline and trailing empty lines.
MazeLayout parse_maze(std::string_view text, const std::string& source);
MazeLayout load_maze_file(const std::string& path);

// True when some goal can be reached from the start.
bool maze_goal_reachable(const MazeLayout& maze);

// The length of the shortest path from start to a goal, or 0 when none is reachable.
std::uint32_t maze_shortest_path(const MazeLayout& maze);

TabularMdp maze_to_mdp(const MazeLayout& maze, std::string name,
                       std::uint32_t max_episode_steps = 0);

std::string maze_to_text(const MazeLayout& maze);

// The maze at `factor` times the resolution (Sutton & Barto example 8.4): every cell becomes a
// factor x factor block of its kind, except that the start and goal blocks keep a single start
// or goal in their top-left cell, the rest of the block free.
MazeLayout scale_maze(const MazeLayout& maze, std::uint32_t factor);

}  // namespace dynaq
