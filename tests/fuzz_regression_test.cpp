// Every input the fuzzers have committed, replayed in the ordinary test suite: the regressions
// (inputs that once found a bug, tests/data/fuzz_regressions/TARGET/) and the seed corpus
// (tests/fuzz/corpus/TARGET/). Each must parse or throw InputError, and what parses must keep
// the round-trip and table properties of tests/fuzz/fuzz_checks.hpp. scripts/fuzz.sh runs the
// same checks under libFuzzer with sanitizers, a time-out and an allocation limit.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz/fuzz_checks.hpp"

namespace dynaq {
namespace {

namespace fs = std::filesystem;

const fs::path kData = DYNAQ_TEST_DATA_DIR;

std::vector<fs::path> inputs_of(const std::string& target) {
  std::vector<fs::path> files;
  for (const fs::path& folder : {kData / "fuzz_regressions" / target, kData.parent_path() / "fuzz" / "corpus" / target}) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(folder, error))
      if (entry.is_regular_file()) files.push_back(entry.path());
  }
  return files;
}

std::string contents(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Replays every input of `target`; returns how many parsed.
std::size_t replay(const std::string& target, const std::function<bool(std::string_view)>& check) {
  const std::vector<fs::path> files = inputs_of(target);
  EXPECT_FALSE(files.empty()) << "no committed inputs for " << target;
  std::size_t parsed = 0;
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    try {
      parsed += check(contents(file)) ? 1 : 0;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "neither parsed nor an InputError: " << e.what();
    }
  }
  return parsed;
}

TEST(FuzzRegressions, Maze) {
  // The corpus holds valid mazes too: the round trip is exercised, not only the refusals.
  EXPECT_GT(replay("maze", fuzz::check_maze_input), 0u);
}

TEST(FuzzRegressions, MdpJson) { EXPECT_GT(replay("mdp_json", fuzz::check_mdp_json_input), 0u); }

#ifdef DYNAQ_FUZZ_HAVE_CONFIG
TEST(FuzzRegressions, Config) { EXPECT_GT(replay("config", fuzz::check_config_input), 0u); }
#endif

}  // namespace
}  // namespace dynaq
