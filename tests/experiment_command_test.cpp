// Tests of `dynaq experiment`, run as the built binary: a small run of each experiment writes its
// CSV, and bad input is refused with the option named, exit code 2 and nothing written.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli_test_support.hpp"

namespace dynaq {
namespace {

using testing_support::BadInput;
using testing_support::contains;
using testing_support::expect_each_refused;
using testing_support::read_file;
using testing_support::run_dynaq;
using testing_support::TempFolder;

TEST(ExperimentCommand, EachExperimentWritesItsCsvAndKeepsAnEarlierOne) {
  TempFolder dir;
  const auto example = run_dynaq("experiment example-8.4 --max-resolution 1 --seeds 3 --threads 1 --out '" +
                                 dir / "example" + "'");
  ASSERT_EQ(example.exit_code, 0) << example.err;
  const std::string rows = read_file(dir / "example/example-8.4.csv");
  EXPECT_TRUE(contains(rows, "resolution,states,shortest_path,algorithm,agents,reached,never,median_updates,q1_updates,"
                             "q3_updates\n"))
      << rows;
  EXPECT_TRUE(contains(rows, "1,54,14,dyna-q,3,")) << rows;
  EXPECT_TRUE(contains(rows, "1,54,14,prioritized,3,")) << rows;

  const auto task = run_dynaq("experiment new-task --seeds 3 --episodes 5 --planning-updates 500 --out '" +
                              dir / "task" + "'");
  ASSERT_EQ(task.exit_code, 0) << task.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "task/new-task.csv"));

  // An earlier CSV is replaced only when asked.
  const auto again = run_dynaq("experiment example-8.4 --max-resolution 1 --seeds 4 --out '" + dir / "example" + "'");
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_TRUE(contains(again.err, "already holds example-8.4.csv; choose another folder or pass --overwrite"))
      << again.err;
  EXPECT_EQ(read_file(dir / "example/example-8.4.csv"), rows);
  const auto replaced = run_dynaq("experiment example-8.4 --max-resolution 1 --seeds 4 --overwrite --out '" +
                                  dir / "example" + "'");
  EXPECT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_TRUE(contains(read_file(dir / "example/example-8.4.csv"), "1,54,14,dyna-q,4,"));

  // A folder that cannot be written is found before the experiment runs, not after it.
  std::ofstream(dir / "a-file") << "x";
  const auto unwritable = run_dynaq("experiment example-8.4 --max-resolution 1 --seeds 2 --out '" +
                                    dir / "a-file/sub" + "'");
  EXPECT_EQ(unwritable.exit_code, 1);
  EXPECT_TRUE(contains(unwritable.err, "a part of the path is a file")) << unwritable.err;
  EXPECT_EQ(unwritable.out, "") << "the experiment ran before its folder was checked";
}

TEST(ExperimentCommand, BadInputIsRefusedWithItsOptionNamedAndNothingWritten) {
  const std::vector<BadInput> cases = {
      {"example-8.4 --alpha 0", "--alpha 0 is outside (0, 1]"},
      {"example-8.4 --gamma 2", "--gamma 2 is outside [0, 1]"},
      {"example-8.4 --seeds 0", "--seeds must be at least 1"},
      {"example-8.4 --max-resolution 0", "--max-resolution must be at least 1"},
      {"example-8.4 --max-episodes 0", "--max-episodes must be at least 1"},
      {"example-8.4 --theta -1", "--theta -1 is not >= 0"},
      {"example-8.4 --path-tolerance 0.5", "--path-tolerance 0.5 is not >= 1"},
      {"example-8.4 --threads -3", "--threads: '-3' is negative"},
      {"example-8.4 --threads 100000", "--threads 100000 is more than 4096"},  // was a crash
      {"new-task --threads 5000", "--threads 5000 is more than 4096"},
      {"new-task --episodes 0", "--episodes must be at least 1"},
      {"new-task --env dyna-maz", "unknown environment 'dyna-maz'"},
      {"new-task --new-env taxi", "--new-env taxi has 500 states x 6 actions, but --env dyna-maze has 54 x 4"},
  };
  TempFolder dir;
  expect_each_refused("experiment", cases, dir.path());
}

}  // namespace
}  // namespace dynaq
