// SHA-256 against the FIPS 180-4 and NIST vectors, and a file's digest against the digest of
// its bytes in memory, across the reader's buffer boundaries.
#include "dynaq/sha256.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <string>

#include "cli_test_support.hpp"

namespace dynaq {
namespace {

using testing_support::TempFolder;
using testing_support::write_file;

TEST(Sha256, KnownVectors) {
  // FIPS 180-4 examples, and the million 'a's of the NIST test suite.
  EXPECT_EQ(sha256_hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  EXPECT_EQ(sha256_hex(two_blocks.data(), two_blocks.size()),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::string million(1000000, 'a');
  EXPECT_EQ(sha256_hex(million.data(), million.size()),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, FileAgreesWithMemoryAcrossBufferBoundaries) {
  TempFolder dir;
  std::mt19937 rng(7);
  for (std::size_t size : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 65535u, 65536u, 65537u, 1234567u}) {
    std::string bytes(size, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    write_file(dir / "f", bytes);
    EXPECT_EQ(sha256_file(dir / "f"), sha256_hex(bytes.data(), bytes.size())) << size;
  }
}

// hex() may be read between updates (the file buffer's digest is read once all is written).
TEST(Sha256, UpdatesInPiecesGiveTheDigestOfTheWhole) {
  std::string bytes(1000, '\0');
  std::mt19937 rng(11);
  for (char& c : bytes) c = static_cast<char>(rng());
  for (std::size_t piece : {1u, 7u, 63u, 64u, 65u, 999u}) {
    Sha256 hash;
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
      hash.update(bytes.data() + at, std::min(piece, bytes.size() - at));
      if (at == 0) {
        EXPECT_EQ(hash.hex(), sha256_hex(bytes.data(), std::min(piece, bytes.size()))) << piece;
      }
    }
    EXPECT_EQ(hash.hex(), sha256_hex(bytes.data(), bytes.size())) << piece;
  }
}

}  // namespace
}  // namespace dynaq
