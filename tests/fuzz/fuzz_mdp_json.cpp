// libFuzzer target: tabular MDP JSON (parse_mdp_json). scripts/fuzz.sh builds and runs it with
// mdp_json.dict; the rules are in fuzz_checks.hpp.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  dynaq::fuzz::check_mdp_json_input(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
