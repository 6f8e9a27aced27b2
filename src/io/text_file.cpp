// Reading whole text files within limits (text_file.hpp).
#include "dynaq/text_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "dynaq/messages.hpp"

namespace dynaq {

std::string read_text_file(const std::string& path, std::uint64_t max_bytes, const TooLargeError& too_large) {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw InputError(path + ": cannot read: " + std::strerror(errno));
  std::string text;
  struct stat info {};
  if (::fstat(::fileno(file.get()), &info) == 0) {
    if (S_ISDIR(info.st_mode)) throw InputError(path + ": cannot read: it is a directory");
    if (S_ISREG(info.st_mode)) {
      const auto size = static_cast<std::uint64_t>(info.st_size);
      if (size > max_bytes) throw too_large(format_bytes(size));
      text.reserve(static_cast<std::size_t>(size));
    }
  }
  char buffer[1 << 16];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
    if (text.size() + n > max_bytes) throw too_large("larger than that");
    text.append(buffer, n);
    if (std::memchr(buffer, '\0', n) != nullptr) break;
  }
  if (std::ferror(file.get())) throw InputError(path + ": cannot read: " + std::strerror(errno));
  return text;
}

}  // namespace dynaq
