// ResultFileSet: temporary files renamed into place only once all are complete, sealed by a
// summary with their checksums; and the probe that a folder takes results (result_files.hpp).
#include "dynaq/result_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "dynaq/errors.hpp"
#include "dynaq/format.hpp"
#include "dynaq/io_errors.hpp"
#include "dynaq/json_reader.hpp"
#include "dynaq/result_file_buffer.hpp"
#include "dynaq/signal_cleanup.hpp"

namespace dynaq {
namespace {

// fsync of a folder, so that the renames in it survive a power loss. File systems that cannot
// sync a folder say EINVAL; there is nothing more to do on them.
void sync_directory(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw io_failure("open folder", path, errno);
  const int result = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (result != 0 && error != EINVAL && error != ENOTSUP) throw io_failure("sync folder", path, error);
}

// Creates a new temporary file for writing. A stale one of the same name (left by a killed
// process whose id this one now has) is replaced.
int create_temporary(const std::string& path) {
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW;
  int fd = ::open(path.c_str(), flags, 0666);
  if (fd < 0 && errno == EEXIST && ::unlink(path.c_str()) == 0) fd = ::open(path.c_str(), flags, 0666);
  return fd;
}

}  // namespace

bool is_plain_file_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

// ---------------------------------------------------------------------------------------------
// ResultFileSet.

struct ResultFileSet::PendingFile {
  std::string name;
  std::string final_path;
  std::string temporary_path;
  std::unique_ptr<ResultFileBuffer> buffer;
  std::unique_ptr<std::ostream> stream;
  int cleanup_slot = -1;
};

ResultFileSet::ResultFileSet(std::string directory) : directory_(std::move(directory)) {}

ResultFileSet::~ResultFileSet() {
  if (!committed_) remove_temporaries();
}

void ResultFileSet::check_new_name(const std::string& filename) const {
  DYNAQ_EXPECTS(!committed_, "a ResultFileSet takes no file after commit");
  DYNAQ_EXPECTS(is_plain_file_name(filename), "a result file name must be a plain name: " + filename);
  bool taken = summary_ && filename == summary_name_;
  for (const auto& file : files_) taken = taken || file->name == filename;
  DYNAQ_EXPECTS(!taken, "result file opened twice: " + filename);
}

void ResultFileSet::prepare_folder() {
  if (folder_ready_) return;
  std::error_code error;
  created_folder_ = std::filesystem::create_directories(directory_, error);
  if (error && std::filesystem::exists(directory_) && !std::filesystem::is_directory(directory_))
    throw std::runtime_error("cannot write results to " + directory_ + ": it is not a folder");
  if (error) throw io_failure("create folder", directory_, error.value());
  install_cleanup_signal_handlers();
  folder_ready_ = true;
}

ResultFileSet::PendingFile& ResultFileSet::create_temporary_file(const std::string& filename) {
  auto file = std::make_unique<PendingFile>();
  file->name = filename;
  file->final_path = (std::filesystem::path(directory_) / filename).string();
  file->temporary_path = file->final_path + ".partial-" + std::to_string(::getpid());
  const int fd = create_temporary(file->temporary_path);
  if (fd < 0) throw io_failure("create", file->final_path, errno);
  file->cleanup_slot = arm_signal_cleanup(file->temporary_path);
  file->buffer = std::make_unique<ResultFileBuffer>(fd, file->final_path);
  files_.push_back(std::move(file));
  return *files_.back();
}

std::ostream& ResultFileSet::open(const std::string& filename) {
  check_new_name(filename);
  prepare_folder();
  PendingFile& file = create_temporary_file(filename);
  file.stream = std::make_unique<std::ostream>(file.buffer.get());
  file.stream->exceptions(std::ios::badbit);
  return *file.stream;
}

std::ostream& ResultFileSet::open_summary(const std::string& filename) {
  DYNAQ_EXPECTS(!summary_, "a ResultFileSet has one summary");
  check_new_name(filename);
  prepare_folder();
  summary_name_ = filename;
  summary_ = std::make_unique<std::ostringstream>();
  return *summary_;
}

namespace {

// What the seal says of one file of the set.
struct FileChecksum {
  std::string name;
  std::uint64_t bytes;
  std::string sha256;
};

// The caller's summary with the seal's members after its own (result_files.hpp).
std::string sealed_summary(const std::string& text, const std::string& name,
                           const std::vector<FileChecksum>& files) {
  JsonValue object;
  try {
    object = read_json(text);
  } catch (const std::exception& e) {
    DYNAQ_EXPECTS(false, "the summary " + name + " is not valid JSON: " + e.what());
  }
  DYNAQ_EXPECTS(object.kind == JsonValue::Kind::kObject, "the summary " + name + " is not a JSON object");
  for (const char* key : {"result_format", "checksums", "complete"})
    DYNAQ_EXPECTS(!object.find(key), std::string("the summary may not hold the key ") + key);

  std::string out = text.substr(0, text.find_last_of('}'));
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n' || out.back() == '\r' || out.back() == '\t'))
    out.pop_back();
  if (!object.members.empty()) out += ",";
  out += "\n";
  if (!object.find("dynaq_version")) out += "  \"dynaq_version\": " + json_string(DYNAQ_VERSION) + ",\n";
  out += "  \"result_format\": " + std::to_string(kResultFormat) + ",\n  \"checksums\": {";
  for (std::size_t k = 0; k < files.size(); ++k)
    out += std::string(k ? ",\n" : "\n") + "    " + json_string(files[k].name) + ": {\"bytes\": " +
           std::to_string(files[k].bytes) + ", \"sha256\": \"" + files[k].sha256 + "\"}";
  out += files.empty() ? "},\n" : "\n  },\n";
  out += "  \"complete\": true\n}\n";
  return out;
}

}  // namespace

void ResultFileSet::commit() {
  DYNAQ_EXPECTS(!committed_, "ResultFileSet::commit twice");
  if (!folder_ready_) {  // nothing was opened: nothing to write
    committed_ = true;
    return;
  }
  try {
    std::vector<FileChecksum> checksums;
    for (auto& file : files_) {
      file->buffer->finish();
      checksums.push_back({file->name, file->buffer->bytes(), file->buffer->sha256()});
    }
    if (summary_) {
      // The summary is written only now, sealed, so that it goes into place after the files.
      const std::string text = sealed_summary(summary_->str(), summary_name_, checksums);
      PendingFile& summary = create_temporary_file(summary_name_);
      summary.buffer->sputn(text.data(), static_cast<std::streamsize>(text.size()));
      summary.buffer->finish();
    }
    // The files first, then (after a sync of the folder) the summary that vouches for them: a
    // crash in between leaves either no summary or the previous one, which no longer matches.
    const std::size_t data_files = files_.size() - (summary_ ? 1 : 0);
    for (std::size_t k = 0; k < files_.size(); ++k) {
      PendingFile& file = *files_[k];
      if (k == data_files) sync_directory(directory_);
      if (std::rename(file.temporary_path.c_str(), file.final_path.c_str()) != 0)
        throw io_failure("rename into place", file.final_path, errno);
      disarm_signal_cleanup(file.cleanup_slot);
    }
    sync_directory(directory_);
    if (created_folder_) {
      const std::filesystem::path parent = std::filesystem::absolute(directory_).parent_path();
      sync_directory(parent.string());
    }
  } catch (...) {
    remove_temporaries();
    throw;
  }
  committed_ = true;
}

void ResultFileSet::remove_temporaries() noexcept {
  for (auto& file : files_) {
    if (file->buffer) file->buffer->abandon();
    ::unlink(file->temporary_path.c_str());
    disarm_signal_cleanup(file->cleanup_slot);
  }
}

void check_output_folder_writable(const std::string& directory) {
  // The folders missing on the way, deepest first: created for the probe, removed after it.
  std::vector<std::filesystem::path> missing;
  std::error_code error;
  for (std::filesystem::path p = directory; !p.empty() && !std::filesystem::exists(p, error); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  struct RemoveCreated {
    const std::vector<std::filesystem::path>& folders;
    ~RemoveCreated() {
      std::error_code ignored;
      for (const std::filesystem::path& folder : folders) std::filesystem::remove(folder, ignored);  // if empty
    }
  } remove_created{missing};
  std::filesystem::create_directories(directory, error);
  if (error) throw io_failure("create folder", directory, error.value());
  if (!std::filesystem::is_directory(directory, error))
    throw std::runtime_error("cannot write results to " + directory + ": it is not a folder");
  const std::string probe =
      (std::filesystem::path(directory) / (".dynaq-write-test-" + std::to_string(::getpid()))).string();
  const int fd = create_temporary(probe);
  if (fd < 0) throw io_failure("write results to", directory, errno);
  const char byte = '\n';
  ssize_t written;
  do written = ::write(fd, &byte, 1);
  while (written < 0 && errno == EINTR);
  const int write_error = written == 1 ? 0 : (written < 0 ? errno : ENOSPC);
  ::close(fd);
  ::unlink(probe.c_str());
  if (write_error != 0) throw io_failure("write results to", directory, write_error);
}

}  // namespace dynaq
