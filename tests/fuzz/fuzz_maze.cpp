// libFuzzer target: maze text (parse_maze). scripts/fuzz.sh builds and runs it; the rules are
// in fuzz_checks.hpp.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  dynaq::fuzz::check_maze_input(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
