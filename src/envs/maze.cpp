// Maze text parsing and maze-to-MDP translation. (Being written.)
#include "dynaq/maze.hpp"

#include <stdexcept>

namespace dynaq {
MazeLayout parse_maze(std::string_view, const std::string&) { throw std::logic_error("parse_maze: not implemented"); }
MazeLayout load_maze_file(const std::string&) { throw std::logic_error("load_maze_file: not implemented"); }
bool maze_goal_reachable(const MazeLayout&) { throw std::logic_error("not implemented"); }
std::uint32_t maze_shortest_path(const MazeLayout&) { throw std::logic_error("not implemented"); }
TabularMdp maze_to_mdp(const MazeLayout&, std::string, std::uint32_t) { throw std::logic_error("not implemented"); }
std::string maze_to_text(const MazeLayout&) { throw std::logic_error("not implemented"); }
}  // namespace dynaq
