// libFuzzer target: config files, the TOML subset (parse_config_text). scripts/fuzz.sh builds and
// runs it with config.dict; the rules are in fuzz_checks.hpp.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  dynaq::fuzz::check_config_input(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
