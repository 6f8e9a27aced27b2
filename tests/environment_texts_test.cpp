// Environment files held in memory (set_environment_text): load_environment reads them as the
// files of those names, in schedules too, with the readers' errors, and forgets them when cleared.
#include <gtest/gtest.h>

#include <string>

#include "dynaq/environment.hpp"
#include "dynaq/errors.hpp"

namespace dynaq {
namespace {

std::string load_error(const std::string& spec) {
  try {
    load_environment(spec);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(EnvironmentTexts, AMazeTextIsReadAsTheFileOfItsName) {
  set_environment_text("held.txt", "S.#\n..G\n");
  const Environment env = load_environment("held.txt");
  EXPECT_EQ(env.name, "held.txt");
  EXPECT_EQ(env.n_states(), 6u);
  EXPECT_EQ(env.n_actions(), 4u);
  const Environment schedule = load_environment("held.txt@100=held.txt");
  ASSERT_EQ(schedule.phases.size(), 2u);
  EXPECT_EQ(schedule.phases[1].start_step, 100u);
  clear_environment_text("held.txt");
  EXPECT_NE(load_error("held.txt").find("cannot read: no such file"), std::string::npos) << load_error("held.txt");
}

TEST(EnvironmentTexts, AJsonNameIsReadAsMdpJsonWithItsErrors) {
  set_environment_text("held.json",
                       R"({"name": "two", "n_states": 2, "n_actions": 1, "initial_state_distribution": [1, 0],)"
                       R"( "P": [[[[1.0, 1, 1.0, true]]], [[[1.0, 1, 0.0, true]]]]})");
  EXPECT_EQ(load_environment("held.json").first().n_outcomes(), 2u);
  set_environment_text("held.json", R"({"name": "two", "n_states": 2})");
  EXPECT_EQ(load_error("held.json").rfind("held.json:", 0), 0u) << load_error("held.json");
  clear_environment_text("held.json");
  EXPECT_FALSE(environment_text("held.json").has_value());
}

}  // namespace
}  // namespace dynaq
