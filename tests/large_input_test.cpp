// Very large inputs: a million-state MDP JSON loads with memory proportional to its size, files
// past the stated limits are refused before they are read, and a 1000 x 1000 maze runs.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli_test_support.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/maze.hpp"
#include "dynaq/mdp_json.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define DYNAQ_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DYNAQ_UNDER_ASAN 1
#endif
#endif

namespace dynaq {
namespace {

namespace fs = std::filesystem;
using testing_support::contains;
using testing_support::run_dynaq;
using testing_support::TempFolder;

// The high-water mark of this process's resident memory, in bytes.
std::uint64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
}

// A ring of `states` states with one action, the last one terminating, written straight to the
// file so that the text is never in this process's memory before the load.
std::uint64_t write_ring_mdp(const std::string& path, std::uint32_t states) {
  std::ofstream out(path, std::ios::binary);
  out << "{\"name\": \"ring\", \"n_states\": " << states << ", \"n_actions\": 1,\n"
      << "\"initial_state_distribution\": [1";
  for (std::uint32_t s = 1; s < states; ++s) out << ",0";
  out << "],\n\"P\": [\n";
  for (std::uint32_t s = 0; s < states; ++s)
    out << (s ? ",\n" : "") << "[[[1, " << (s + 1) % states << ", " << (s + 1 == states ? "1, true" : "0, false") << "]]]";
  out << "]}\n";
  out.close();
  return fs::file_size(path);
}

TEST(LargeInputs, MillionStateMdpJsonLoadsInMemoryProportionalToItsSize) {
  TempFolder dir;
  const std::uint64_t bytes = write_ring_mdp(dir / "ring.json", 1000000);
  const std::uint64_t before = peak_rss_bytes();
  const TabularMdp mdp = load_mdp_json_file(dir / "ring.json");
  const std::uint64_t growth = peak_rss_bytes() - std::min(before, peak_rss_bytes());
  ASSERT_EQ(mdp.n_states, 1000000u);
  EXPECT_EQ(mdp.n_outcomes(), 1000000u);
  EXPECT_EQ(mdp.terminated.back(), 1);
  RecordProperty("file_bytes", std::to_string(bytes));
  RecordProperty("peak_rss_growth_bytes", std::to_string(growth));
#ifndef DYNAQ_UNDER_ASAN
  // The promise of mdp_json.hpp: the file's size plus about 50 bytes per outcome, or about 75
  // bytes per outcome, whichever is larger; a tenth and 16 MiB more for the allocator.
  const std::uint64_t outcomes = mdp.n_outcomes();
  const std::uint64_t promise = std::max(bytes + 50 * outcomes, 75 * outcomes);
  EXPECT_LE(growth, promise + promise / 10 + (std::uint64_t{16} << 20)) << bytes << " bytes of JSON";
#endif
}

// A sparse file of `bytes` bytes: it takes no disk space, and nothing may read it all.
bool make_sparse_file(const std::string& path, std::uint64_t bytes) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) return false;
  const bool ok = ::ftruncate(::fileno(file), static_cast<off_t>(bytes)) == 0;
  std::fclose(file);
  return ok;
}

TEST(LargeInputs, MdpJsonPastTheLimitIsRefusedBeforeReading) {
  TempFolder dir;
  if (!make_sparse_file(dir / "huge.json", kMaxMdpJsonBytes + 1)) GTEST_SKIP() << "no sparse files here";
  try {
    load_mdp_json_file(dir / "huge.json");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_TRUE(contains(e.what(), dir / "huge.json" + ": the file is 16.0 GiB; MDP JSON files are limited to 16.0 GiB"))
        << e.what();
  }
}

TEST(LargeInputs, MazeFilePastTheLimitIsRefusedBeforeReading) {
  TempFolder dir;
  if (!make_sparse_file(dir / "huge.txt", (std::uint64_t{1} << 30) + 1)) GTEST_SKIP() << "no sparse files here";
  try {
    load_maze_file(dir / "huge.txt");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_TRUE(contains(e.what(), dir / "huge.txt" + ": the file is larger than the 1024 MiB a maze file may have"))
        << e.what();
  }
}

TEST(LargeInputs, ThousandByThousandMazeRuns) {
  // A million cells, four million state-action pairs: about a second on a 2-core machine.
  TempFolder dir;
  const auto r = run_dynaq("run --env random-maze:1000x1000:1 --seeds 2 --steps 1000 -q --out '" + dir / "out" + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir / "out/curves.csv"));
}

}  // namespace
}  // namespace dynaq
