// The system's reason for a failed file operation, with its usual meaning (io_errors.hpp).
#include "dynaq/io_errors.hpp"

#include <cerrno>
#include <cstring>

namespace dynaq {

std::string io_error_reason(int error) {
  std::string text = std::strerror(error);
  switch (error) {
    case ENOSPC: return text + " (the disk is full)";
    case EDQUOT: return text + " (the disk quota is used up)";
    case EFBIG:
      return text + " (the file size limit, see ulimit -f, or the file system's largest file " +
             "was reached)";
    case EACCES:
    case EPERM: return text + " (this user may not write there)";
    case EROFS: return text + " (the file system is mounted read-only)";
    case ENOTDIR: return text + " (a part of the path is a file, not a folder)";
    default: return text;
  }
}

std::runtime_error io_failure(const std::string& what, const std::string& path, int error) {
  return std::runtime_error("cannot " + what + " " + path + ": " + io_error_reason(error));
}

}  // namespace dynaq
