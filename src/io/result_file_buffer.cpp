// Writing a result file through a buffer, counting and hashing its bytes (result_file_buffer.hpp).
#include "dynaq/result_file_buffer.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "dynaq/io_errors.hpp"

namespace dynaq {

ResultFileBuffer::ResultFileBuffer(int fd, std::string name) : fd_(fd), name_(std::move(name)) {
  setp(buffer_.data(), buffer_.data() + buffer_.size());
}

void ResultFileBuffer::finish() {
  if (error_ != 0) fail(error_);
  drain();
  if (::fsync(fd_) != 0) fail(errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail(errno);  // NFS reports some write errors only here
}

void ResultFileBuffer::abandon() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

ResultFileBuffer::int_type ResultFileBuffer::overflow(int_type c) {
  drain();
  if (!traits_type::eq_int_type(c, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(c);
    pbump(1);
  }
  return traits_type::not_eof(c);
}

std::streamsize ResultFileBuffer::xsputn(const char* data, std::streamsize size) {
  if (size <= 0) return 0;  // ostream::write(nullptr, 0), e.g. of an empty vector, is valid
  if (size <= epptr() - pptr()) {
    std::memcpy(pptr(), data, static_cast<std::size_t>(size));
    pbump(static_cast<int>(size));
    return size;
  }
  drain();
  write_all(data, static_cast<std::size_t>(size));
  return size;
}

int ResultFileBuffer::sync() {
  drain();
  return 0;
}

void ResultFileBuffer::drain() {
  const std::size_t pending = static_cast<std::size_t>(pptr() - pbase());
  if (pending > 0) write_all(pbase(), pending);
  setp(buffer_.data(), buffer_.data() + buffer_.size());
}

void ResultFileBuffer::write_all(const char* data, std::size_t size) {
  if (error_ != 0) fail(error_);
  if (fd_ < 0) fail(EBADF);
  hash_.update(data, size);
  bytes_ += size;
  while (size > 0) {
    const ssize_t written = ::write(fd_, data, std::min<std::size_t>(size, std::size_t{1} << 30));
    if (written < 0) {
      if (errno == EINTR) continue;
      fail(errno);
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
}

void ResultFileBuffer::fail(int error) {
  error_ = error;
  throw io_failure("write", name_, error);
}

}  // namespace dynaq
