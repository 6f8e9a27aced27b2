// ResultFileSet: temporary files renamed into place only once all are complete.
#include "dynaq/result_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace dynaq {

namespace {
std::runtime_error io_failure(const std::string& what, const std::string& path, int error) {
  return std::runtime_error("cannot " + what + " " + path + ": " + std::strerror(error));
}

void sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw io_failure("open", path, errno);
  const int result = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (result != 0) throw io_failure("sync", path, error);
}
}  // namespace

ResultFileSet::ResultFileSet(std::string directory) : directory_(std::move(directory)) {}

ResultFileSet::~ResultFileSet() {
  if (!committed_) remove_temporaries();
}

std::ostream& ResultFileSet::open(const std::string& filename) {
  std::error_code error;
  std::filesystem::create_directories(directory_, error);
  if (error) throw std::runtime_error("cannot create folder " + directory_ + ": " + error.message());
  PendingFile file;
  file.final_path = (std::filesystem::path(directory_) / filename).string();
  file.temporary_path = file.final_path + ".partial-" + std::to_string(::getpid());
  file.stream = std::make_unique<std::ofstream>(file.temporary_path, std::ios::binary | std::ios::trunc);
  if (!*file.stream) throw io_failure("write", file.temporary_path, errno);
  files_.push_back(std::move(file));
  return *files_.back().stream;
}

void ResultFileSet::commit() {
  try {
    for (PendingFile& file : files_) {
      file.stream->flush();
      if (!*file.stream) throw io_failure("write", file.final_path, errno);
      file.stream->close();
      if (file.stream->fail()) throw io_failure("write", file.final_path, errno);
      sync_file(file.temporary_path);
    }
    for (PendingFile& file : files_) {
      if (std::rename(file.temporary_path.c_str(), file.final_path.c_str()) != 0)
        throw io_failure("rename into place", file.final_path, errno);
    }
  } catch (...) {
    remove_temporaries();
    throw;
  }
  committed_ = true;
}

void ResultFileSet::remove_temporaries() noexcept {
  for (PendingFile& file : files_) {
    if (file.stream) file.stream->close();
    std::remove(file.temporary_path.c_str());
  }
}

}  // namespace dynaq
