// Gymnasium toy-text environments. (Being written.)
#include "dynaq/toy_text.hpp"

#include <stdexcept>

namespace dynaq {
TabularMdp frozen_lake(const std::vector<std::string>&, bool, std::string, std::uint32_t) { throw std::logic_error("not implemented"); }
TabularMdp frozen_lake_4x4(bool) { throw std::logic_error("not implemented"); }
TabularMdp frozen_lake_8x8(bool) { throw std::logic_error("not implemented"); }
TabularMdp cliff_walking() { throw std::logic_error("not implemented"); }
TabularMdp taxi() { throw std::logic_error("not implemented"); }
}  // namespace dynaq
