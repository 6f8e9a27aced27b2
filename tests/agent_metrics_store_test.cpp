// Chunk files: what is written is read back bit for bit, and a file cut short or foreign is
// refused with its name.
#include "dynaq/agent_metrics_store.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "cli_test_support.hpp"
#include "dynaq/errors.hpp"

namespace dynaq {
namespace {

using testing_support::read_file;
using testing_support::TempFolder;

ChunkRecord sample_record() {
  ChunkRecord r;
  r.identity = ChunkIdentity{"9.9.9", 0x0123456789abcdefull};
  r.chunk = 12;
  r.environment_fingerprint = "9f86d081884c7d65";
  r.first_agent = 49152;
  r.agents = 2;
  r.seconds = 1.25;
  r.engine = "cpu: a CPU,\nwith a newline";
  r.names = {"steps", "greedy_return"};
  r.arrays = {{1, 2, 3, 4, 5, 6}, {std::nan(""), -std::numeric_limits<double>::infinity()}};
  r.q = {0.5f, -1.0f, 3.25f, 1e-30f};
  return r;
}

TEST(AgentMetricsStore, ChunksReadBackBitForBit) {
  TempFolder dir;
  const ChunkRecord r = sample_record();
  write_chunk_file(dir.path(), r);
  const std::string path = dir / "chunk-000012.bin";
  ASSERT_TRUE(std::filesystem::exists(path));
  const ChunkRecord back = read_chunk_file(path);
  EXPECT_EQ(back.identity.dynaq_version, "9.9.9");
  EXPECT_EQ(back.identity.config_hash, 0x0123456789abcdefull);
  EXPECT_EQ(back.chunk, 12u);
  EXPECT_EQ(back.environment_fingerprint, "9f86d081884c7d65");
  EXPECT_EQ(back.first_agent, 49152u);
  EXPECT_EQ(back.agents, 2u);
  EXPECT_EQ(back.seconds, 1.25);
  EXPECT_EQ(back.engine, "cpu: a CPU, with a newline");
  ASSERT_EQ(back.names, r.names);
  ASSERT_EQ(back.arrays[0], r.arrays[0]);
  EXPECT_EQ(std::memcmp(back.arrays[1].data(), r.arrays[1].data(), 2 * sizeof(double)), 0);
  EXPECT_EQ(back.q, r.q);
  ASSERT_NE(back.find("greedy_return"), nullptr);
  EXPECT_EQ(back.find("nothing"), nullptr);
  // The header alone, for checking a folder quickly.
  const ChunkRecord header = read_chunk_file(path, true);
  EXPECT_EQ(header.chunk, 12u);
  EXPECT_TRUE(header.arrays.empty());
  // No temporary is left beside it.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()), 1);
}

TEST(AgentMetricsStore, AFileCutShortOrTooLongOrForeignIsRefusedByName) {
  TempFolder dir;
  write_chunk_file(dir.path(), sample_record());
  const std::string path = dir / "chunk-000012.bin";
  const std::string whole = read_file(path);
  const auto refused = [&](const std::string& bytes, const std::string& why) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    try {
      read_chunk_file(path);
      ADD_FAILURE() << "accepted: " << why;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  refused(whole.substr(0, whole.size() - 1), "shorter than its header says");
  refused(whole + "x", "longer than its header says");
  // A damaged count is caught before it is allocated (2^39 doubles would be 4 TiB).
  std::string huge = whole;
  const std::size_t at = huge.find(" f8 ") + 4;
  huge.replace(at, huge.find('\n', at) - at, "549755813887");
  refused(huge, "shorter than its header says");
  refused("not a chunk\n", "does not start with 'dynaq-chunk 2'");
  // A chunk of the format before the environment line is named as such, not as damaged.
  std::string older = whole;
  older.replace(0, std::string("dynaq-chunk 2").size(), "dynaq-chunk 1");
  refused(older, "is in another chunk format (dynaq-chunk 1, this dynaq reads dynaq-chunk 2)");
  refused(whole.substr(0, whole.find("data\n")), "its header has no end");
}

TEST(AgentMetricsStore, NamesSortInChunkOrderAndHashesDiffer) {
  EXPECT_EQ(chunk_file_name(7), "chunk-000007.bin");
  EXPECT_LT(chunk_file_name(99), chunk_file_name(100));
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);  // the published FNV-1a test vector
  EXPECT_NE(fnv1a64("seeds = 10\n"), fnv1a64("seeds = 11\n"));
}

}  // namespace
}  // namespace dynaq
