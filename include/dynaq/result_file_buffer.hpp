// The stream buffer of a result file (result_files.hpp): a file descriptor written through a
// 64 KiB buffer, its bytes counted and hashed (SHA-256) as they go, for the summary's checksums.
// The first failed write throws std::runtime_error naming the file (an ostream over the buffer
// rethrows it, its exception mask holding badbit) and is remembered, so that finish() reports
// it too.
#pragma once

#include <array>
#include <cstdint>
#include <streambuf>
#include <string>

#include "dynaq/sha256.hpp"

namespace dynaq {

class ResultFileBuffer : public std::streambuf {
 public:
  // Takes ownership of `fd`; `name` is the final path, as the user knows the file.
  ResultFileBuffer(int fd, std::string name);
  ResultFileBuffer(const ResultFileBuffer&) = delete;
  ResultFileBuffer& operator=(const ResultFileBuffer&) = delete;
  ~ResultFileBuffer() override { abandon(); }

  // Writes what is buffered, syncs the file to the disk and closes it.
  void finish();
  // Closes the file without writing what is buffered.
  void abandon() noexcept;

  std::uint64_t bytes() const { return bytes_; }
  std::string sha256() const { return hash_.hex(); }

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* data, std::streamsize size) override;
  int sync() override;

 private:
  void drain();
  void write_all(const char* data, std::size_t size);
  [[noreturn]] void fail(int error);

  int fd_;
  std::string name_;
  int error_ = 0;
  std::uint64_t bytes_ = 0;
  Sha256 hash_;
  std::array<char, 1 << 16> buffer_;
};

}  // namespace dynaq
