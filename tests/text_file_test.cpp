// read_text_file (text_file.hpp): limits before and while reading, directories, and the early
// stop at a NUL byte that keeps /dev/zero from filling memory.
#include "dynaq/text_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "cli_test_support.hpp"

namespace dynaq {
namespace {

using testing_support::contains;
using testing_support::TempFolder;

const TooLargeError kTooLarge = [](const std::string& size) { return InputError("too large: " + size); };

std::string error_of(const std::string& path, std::uint64_t max_bytes) {
  try {
    read_text_file(path, max_bytes, kTooLarge);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(ReadTextFile, ReadsAWholeFileUpToItsLimit) {
  TempFolder dir;
  std::ofstream(dir / "a.txt") << "S..G\n";
  EXPECT_EQ(read_text_file(dir / "a.txt", 5, kTooLarge), "S..G\n");
  EXPECT_EQ(error_of(dir / "a.txt", 4), "too large: 5 bytes");  // a regular file: refused before reading
}

TEST(ReadTextFile, RefusesADirectoryAndAMissingFile) {
  TempFolder dir;
  EXPECT_TRUE(contains(error_of(dir.path(), 100), dir.path() + ": cannot read: it is a directory"));
  EXPECT_TRUE(contains(error_of(dir / "missing", 100), dir / "missing" + ": cannot read: No such file or directory"));
}

TEST(ReadTextFile, StopsAtTheFirstPieceHoldingANul) {
  const std::string text = read_text_file("/dev/zero", std::uint64_t{1} << 40, kTooLarge);
  EXPECT_FALSE(text.empty());
  EXPECT_LE(text.size(), std::size_t{1} << 16);  // one piece, not a terabyte
  EXPECT_EQ(text[0], '\0');
}

TEST(ReadTextFile, APipePastTheLimitIsRefusedWhileReading) {
  TempFolder dir;
  const std::string fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Less than a pipe's buffer, so that the writer finishes whether or not the reader reads on.
  std::thread writer([&fifo] { std::ofstream(fifo) << std::string(5000, 'a'); });
  const std::string error = error_of(fifo, 1000);
  writer.join();
  EXPECT_EQ(error, "too large: larger than that");
}

}  // namespace
}  // namespace dynaq
