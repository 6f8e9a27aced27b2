// Random mazes and Garnet MDPs. (Being written.)
#include "dynaq/generators.hpp"

#include <stdexcept>

namespace dynaq {
MazeLayout random_maze(std::uint32_t, std::uint32_t, std::uint64_t) { throw std::logic_error("not implemented"); }
TabularMdp garnet(std::uint32_t, std::uint32_t, std::uint32_t, std::uint64_t) { throw std::logic_error("not implemented"); }
}  // namespace dynaq
