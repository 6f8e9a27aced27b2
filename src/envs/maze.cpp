// Grid mazes: parsing and validation of maze text, breadth-first reachability, and the
// translation of a layout into a tabular MDP (the rules are in maze.hpp).
#include "dynaq/maze.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "dynaq/errors.hpp"
#include "dynaq/text_file.hpp"

namespace dynaq {
namespace {

constexpr const char* kExpectedCells = "expected '#', '.', 'S' or 'G'";

// How a byte is named in an error: quoted when printable, escaped or in hex otherwise, so that
// an invisible tab or carriage return is still visible in the message.
std::string describe_byte(unsigned char c) {
  switch (c) {
    case '\t': return "'\\t' (tab)";
    case '\r': return "'\\r' (carriage return)";
    case ' ': return "' ' (space)";
    default: break;
  }
  if (c >= 0x21 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "0x%02X", static_cast<unsigned>(c));
  return std::string("byte ") + buffer;
}

bool is_cell(char c) { return c == '#' || c == '.' || c == 'S' || c == 'G'; }

std::string unknown_character_message(std::string_view line, std::size_t column) {
  const unsigned char c = static_cast<unsigned char>(line[column]);
  std::string message = "unknown character " + describe_byte(c) + " (" + kExpectedCells;
  bool trailing = (c == ' ' || c == '\t');
  for (std::size_t k = column; trailing && k < line.size(); ++k)
    trailing = (line[k] == ' ' || line[k] == '\t');
  if (trailing) message += "; trailing whitespace is not allowed";
  if (c == 's' || c == 'g') message += std::string("; cells are case-sensitive: did you mean '") +
                                       static_cast<char>(c - 'a' + 'A') + "'?";
  return message + ")";
}

// The lines of the text without their line ends ('\n' or "\r\n"), trailing empty lines dropped.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    const bool has_newline = end != std::string_view::npos;
    if (!has_newline) end = text.size();
    std::string_view line = text.substr(begin, end - begin);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    begin = has_newline ? end + 1 : text.size();
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

std::uint32_t cell_row(const MazeLayout& maze, std::uint32_t cell) { return cell / maze.cols; }
std::uint32_t cell_col(const MazeLayout& maze, std::uint32_t cell) { return cell % maze.cols; }

// The cell reached by `action` from `cell`, or `cell` itself when the move leaves the grid.
// Walls are not considered here.
std::uint32_t neighbour(const MazeLayout& maze, std::uint32_t cell, std::uint32_t action) {
  const std::uint32_t row = cell_row(maze, cell), col = cell_col(maze, cell);
  switch (action) {
    case kUp: return row > 0 ? cell - maze.cols : cell;
    case kDown: return row + 1 < maze.rows ? cell + maze.cols : cell;
    case kLeft: return col > 0 ? cell - 1 : cell;
    case kRight: return col + 1 < maze.cols ? cell + 1 : cell;
    default: return cell;
  }
}

constexpr std::uint32_t kUnreached = std::numeric_limits<std::uint32_t>::max();

// Steps from the start to the nearest goal by breadth-first search over non-wall cells, or
// kUnreached. Goals are not expanded: entering one ends the episode.
std::uint32_t goal_distance(const MazeLayout& maze) {
  const std::size_t n = maze.cells.size();
  if (n == 0) return kUnreached;
  std::vector<std::uint32_t> distance(n, kUnreached);
  std::vector<std::uint32_t> queue;
  queue.reserve(n);
  distance[maze.start] = 0;
  queue.push_back(maze.start);
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const std::uint32_t cell = queue[head];
    if (maze.cells[cell] == MazeCell::kGoal) return distance[cell];
    for (std::uint32_t action = 0; action < 4; ++action) {
      const std::uint32_t next = neighbour(maze, cell, action);
      if (distance[next] != kUnreached || maze.cells[next] == MazeCell::kWall) continue;
      distance[next] = distance[cell] + 1;
      queue.push_back(next);
    }
  }
  return kUnreached;
}

}  // namespace

MazeLayout parse_maze(std::string_view text, const std::string& source) {
  // A UTF-8 byte-order mark (some editors write one) is not part of the maze.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  const std::vector<std::string_view> lines = split_lines(text);
  if (lines.empty()) throw InputError(at_position(source, 1, 1, "empty maze (no rows)"));
  if (lines.size() > kMaxStates)
    throw InputError(at_position(source, lines.size(), 1, "too many rows"));

  MazeLayout maze;
  maze.rows = static_cast<std::uint32_t>(lines.size());
  maze.cols = static_cast<std::uint32_t>(std::min<std::size_t>(lines[0].size(), kMaxStates));
  if (maze.cols == 0)
    throw InputError(at_position(source, 1, 1, "row 1 is empty (the maze must start on the "
                                               "first line)"));
  if (std::uint64_t{maze.rows} * maze.cols > kMaxStates)
    throw InputError(at_position(source, 1, 1, "the maze has more than " +
                                                   std::to_string(kMaxStates) + " cells"));
  // Every cell is a byte of the text, so a maze never has more cells than the text has bytes:
  // reserving rows x cols before the rows are checked would let a wide first row over many
  // empty lines reserve memory quadratic in the text (a fuzzing regression).
  maze.cells.reserve(std::min<std::size_t>(std::size_t{maze.rows} * maze.cols, text.size()));

  std::size_t start_line = 0, start_column = 0;
  bool has_goal = false;
  for (std::size_t r = 0; r < lines.size(); ++r) {
    const std::string_view line = lines[r];
    for (std::size_t c = 0; c < line.size(); ++c) {
      if (!is_cell(line[c]))
        throw InputError(at_position(source, r + 1, c + 1, unknown_character_message(line, c)));
    }
    if (line.size() != maze.cols) {
      // Point at the first missing cell of a short row, or the first extra cell of a long one.
      const std::size_t column = std::min<std::size_t>(line.size(), maze.cols) + 1;
      throw InputError(at_position(source, r + 1, column,
                                   "row " + std::to_string(r + 1) + " has " +
                                       std::to_string(line.size()) + " cells, but row 1 has " +
                                       std::to_string(maze.cols)));
    }
    for (std::size_t c = 0; c < line.size(); ++c) {
      const MazeCell cell = static_cast<MazeCell>(line[c]);
      if (cell == MazeCell::kStart) {
        if (start_line != 0)
          throw InputError(at_position(
              source, r + 1, c + 1,
              "a second start 'S' (the first is at " + std::to_string(start_line) + ":" +
                  std::to_string(start_column) + "; a maze has exactly one start)"));
        start_line = r + 1;
        start_column = c + 1;
        maze.start = static_cast<std::uint32_t>(maze.cells.size());
      }
      has_goal = has_goal || cell == MazeCell::kGoal;
      maze.cells.push_back(cell);
    }
  }
  if (start_line == 0)
    throw InputError(at_position(source, 1, 1, "no start 'S' (a maze has exactly one start)"));
  if (!has_goal)
    throw InputError(at_position(source, 1, 1, "no goal 'G' (a maze needs at least one)"));
  return maze;
}

// The largest maze file load_maze_file reads. The largest maze dynaq can step has kMaxStates / 4
// cells (4 actions per cell), a little over 5 x 10^8 bytes of text with its line ends.
constexpr std::uint64_t kMaxMazeFileBytes = std::uint64_t{1} << 30;

MazeLayout load_maze_file(const std::string& path) {
  const std::string text = read_text_file(path, kMaxMazeFileBytes, [&](const std::string&) {
    return InputError(path + ": the file is larger than the " + std::to_string(kMaxMazeFileBytes >> 20) +
                      " MiB a maze file may have");
  });
  return parse_maze(text, path);
}

bool maze_goal_reachable(const MazeLayout& maze) { return goal_distance(maze) != kUnreached; }

std::uint32_t maze_shortest_path(const MazeLayout& maze) {
  const std::uint32_t distance = goal_distance(maze);
  return distance == kUnreached ? 0 : distance;
}

TabularMdp maze_to_mdp(const MazeLayout& maze, std::string name,
                       std::uint32_t max_episode_steps) {
  const std::uint32_t n_cells = maze.rows * maze.cols;
  MdpBuilder builder(std::move(name), n_cells, 4);
  for (std::uint32_t cell = 0; cell < n_cells; ++cell) {
    const bool goal = maze.cells[cell] == MazeCell::kGoal;
    for (std::uint32_t action = 0; action < 4; ++action) {
      if (goal) {
        builder.add_outcome(cell, action, 1.0, cell, 0.0, true);
        continue;
      }
      std::uint32_t next = neighbour(maze, cell, action);
      if (maze.cells[next] == MazeCell::kWall) next = cell;
      const bool enters_goal = maze.cells[next] == MazeCell::kGoal;
      builder.add_outcome(cell, action, 1.0, next, enters_goal ? 1.0 : 0.0, enters_goal);
    }
  }
  builder.set_initial_state(maze.start);
  builder.set_max_episode_steps(max_episode_steps);
  return builder.build();
}

std::string maze_to_text(const MazeLayout& maze) {
  std::string text;
  text.reserve(std::size_t{maze.rows} * (maze.cols + 1));
  for (std::uint32_t row = 0; row < maze.rows; ++row) {
    for (std::uint32_t col = 0; col < maze.cols; ++col)
      text.push_back(static_cast<char>(maze.at(row, col)));
    text.push_back('\n');
  }
  return text;
}

MazeLayout scale_maze(const MazeLayout& maze, std::uint32_t factor) {
  if (factor == 0) throw InputError("a maze's resolution factor must be at least 1");
  const std::uint64_t rows = std::uint64_t{maze.rows} * factor, cols = std::uint64_t{maze.cols} * factor;
  if (rows * cols > kMaxStates)
    throw InputError("a maze of " + std::to_string(rows) + "x" + std::to_string(cols) + " cells is too large");
  MazeLayout scaled;
  scaled.rows = static_cast<std::uint32_t>(rows);
  scaled.cols = static_cast<std::uint32_t>(cols);
  scaled.cells.assign(rows * cols, MazeCell::kFree);
  for (std::uint32_t r = 0; r < scaled.rows; ++r)
    for (std::uint32_t c = 0; c < scaled.cols; ++c) {
      const MazeCell kind = maze.at(r / factor, c / factor);
      const bool corner = r % factor == 0 && c % factor == 0;
      if (kind == MazeCell::kWall || corner) scaled.cells[std::uint64_t{r} * scaled.cols + c] = kind;
    }
  const std::uint32_t start_row = maze.start / maze.cols, start_col = maze.start % maze.cols;
  scaled.start = start_row * factor * scaled.cols + start_col * factor;
  return scaled;
}

}  // namespace dynaq
