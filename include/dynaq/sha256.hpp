// SHA-256 (FIPS 180-4), for the checksums that seal result files: incrementally over bytes as they
// are written, of a whole file, or of bytes in memory. Digests are 64 lowercase hexadecimal
// digits, as sha256sum prints them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace dynaq {

class Sha256 {
 public:
  void update(const void* data, std::size_t size);
  // The digest of everything passed to update() so far; more may follow.
  std::string hex() const;

 private:
  void compress(const unsigned char* block);

  std::array<std::uint32_t, 8> state_{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::array<unsigned char, 64> block_{};
  std::size_t filled_ = 0;
  std::uint64_t length_ = 0;
};

// The SHA-256 of a file. Throws std::runtime_error naming the file when it cannot be read.
std::string sha256_file(const std::string& path);
// The SHA-256 of bytes in memory.
std::string sha256_hex(const void* data, std::size_t size);

}  // namespace dynaq
