// verify_results in steps: the summary read, its seal checked, then every file it lists against
// its size and SHA-256 (result_check.hpp).
#include "dynaq/result_check.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <optional>
#include <utility>

#include "dynaq/format.hpp"
#include "dynaq/io_errors.hpp"
#include "dynaq/json_reader.hpp"
#include "dynaq/result_files.hpp"
#include "dynaq/sha256.hpp"

namespace dynaq {
namespace {

// Why a folder does not hold complete results, or that it does: the status and the user's line.
struct Finding {
  ResultStatus status;
  std::string message;
};

// The folder being checked and its summary, named as the messages name them.
struct SummaryPlace {
  std::string directory;  // as the caller wrote it
  std::filesystem::path folder;
  std::string summary;  // the summary's file name
  std::string summary_path;
};

ResultCheck settled(ResultCheck check, Finding finding) {
  check.status = finding.status;
  check.message = std::move(finding.message);
  return check;
}

// Reads a whole file into memory; false (with errno) when it cannot.
bool read_whole_file(const std::string& path, std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out.clear();
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      errno = error;
      return n == 0;
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

// A folder without a summary: an empty one, or one with files of a run that did not finish.
Finding without_summary(const SummaryPlace& place) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(place.folder, error)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".partial-") != std::string::npos) continue;
    return {ResultStatus::kIncomplete,
            place.directory + " holds " + name + " but no " + place.summary +
                ": the run that wrote it did not finish, or it is not a dynaq result folder"};
  }
  return {ResultStatus::kMissing, place.directory + " holds no results"};
}

// Reads the summary's object into `object`, or finds why there is none to check.
std::optional<Finding> read_summary(const SummaryPlace& place, JsonValue& object) {
  std::error_code error;
  if (!std::filesystem::is_directory(place.folder, error))
    return Finding{ResultStatus::kMissing, place.directory + ": no such folder"};
  std::string text;
  if (!read_whole_file(place.summary_path, text)) {
    const int read_error = errno;
    if (read_error != ENOENT)
      return Finding{ResultStatus::kIncomplete,
                     "cannot read " + place.summary_path + ": " + io_error_reason(read_error)};
    return without_summary(place);
  }
  try {
    object = read_json(text);
  } catch (const std::exception& e) {
    return Finding{ResultStatus::kIncomplete, place.summary_path + " is cut short or damaged (" +
                                                  e.what() + "): not complete results"};
  }
  if (object.kind != JsonValue::Kind::kObject)
    return Finding{ResultStatus::kCorrupt, place.summary_path + " is not a JSON object"};
  return std::nullopt;
}

// The version of dynaq that wrote the summary, or "" when it does not say.
std::string writer_version(const JsonValue& summary) {
  const JsonValue* version = summary.find("dynaq_version");
  return version && version->kind == JsonValue::Kind::kString ? version->text : std::string();
}

// The seal: a result format this dynaq reads, and "complete": true as the last member.
// `writer` names the dynaq that wrote the summary.
std::optional<Finding> check_seal(const SummaryPlace& place, const JsonValue& summary,
                                  const std::string& writer) {
  const JsonValue* format = summary.find("result_format");
  std::uint64_t format_number = 0;
  if (!format)
    return Finding{ResultStatus::kOtherVersion,
                   place.directory + " was written by " + writer + " that did not seal its results with " +
                       "checksums; this is dynaq " + DYNAQ_VERSION + ", which cannot vouch for them"};
  if (!format->as_count(format_number) || format_number != static_cast<std::uint64_t>(kResultFormat))
    return Finding{ResultStatus::kOtherVersion,
                   place.directory + " was written by " + writer + " in result format " + format->text +
                       "; this is dynaq " + DYNAQ_VERSION + ", which reads format " +
                       std::to_string(kResultFormat)};
  const auto& last = summary.members.back();
  if (last.first != "complete" || last.second.kind != JsonValue::Kind::kBool || !last.second.boolean)
    return Finding{ResultStatus::kIncomplete,
                   place.summary_path + " does not end with \"complete\": true: not complete results"};
  return std::nullopt;
}

// One file of the summary's "checksums": a well-formed entry, and the file's size and SHA-256 as
// the entry says.
std::optional<Finding> check_listed_file(const SummaryPlace& place, const std::string& name,
                                         const JsonValue& entry) {
  const std::string path = (place.folder / name).string();
  std::uint64_t expected_bytes = 0;
  const JsonValue* bytes = entry.find("bytes");
  const JsonValue* sha = entry.find("sha256");
  if (!is_plain_file_name(name) || !bytes || !bytes->as_count(expected_bytes) || !sha ||
      sha->kind != JsonValue::Kind::kString)
    return Finding{ResultStatus::kCorrupt,
                   place.summary_path + ": malformed checksum entry for " + json_string(name)};
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    return Finding{ResultStatus::kCorrupt,
                   path + " is listed in " + place.summary + " but " + io_error_reason(errno)};
  if (static_cast<std::uint64_t>(info.st_size) != expected_bytes)
    return Finding{ResultStatus::kCorrupt,
                   path + " has " + std::to_string(info.st_size) + " bytes, but " + place.summary +
                       " says " + std::to_string(expected_bytes) +
                       ": it was cut short or changed, or a run replacing these results was interrupted"};
  std::string actual;
  try {
    actual = sha256_file(path);
  } catch (const std::exception& e) {
    return Finding{ResultStatus::kCorrupt, e.what()};
  }
  if (actual != sha->text)
    return Finding{ResultStatus::kCorrupt,
                   path + " does not match its SHA-256 in " + place.summary +
                       ": it was changed, or a run replacing these results was interrupted"};
  return std::nullopt;
}

// Every file the summary lists, each added to `files` before it is checked.
std::optional<Finding> check_listed_files(const SummaryPlace& place, const JsonValue& summary,
                                          std::vector<std::string>& files) {
  const JsonValue* checksums = summary.find("checksums");
  if (!checksums || checksums->kind != JsonValue::Kind::kObject)
    return Finding{ResultStatus::kCorrupt, place.summary_path + " has no \"checksums\" object"};
  for (const auto& [name, entry] : checksums->members) {
    files.push_back(name);
    if (auto finding = check_listed_file(place, name, entry)) return finding;
  }
  return std::nullopt;
}

}  // namespace

ResultCheck verify_results(const std::string& directory, const std::string& summary) {
  const std::filesystem::path folder(directory);
  const SummaryPlace place{directory, folder, summary, (folder / summary).string()};
  ResultCheck check;
  JsonValue object;
  if (auto finding = read_summary(place, object)) return settled(std::move(check), std::move(*finding));
  check.dynaq_version = writer_version(object);
  const std::string writer =
      check.dynaq_version.empty() ? std::string("a version of dynaq") : "dynaq " + check.dynaq_version;
  if (auto finding = check_seal(place, object, writer)) return settled(std::move(check), std::move(*finding));
  if (auto finding = check_listed_files(place, object, check.files))
    return settled(std::move(check), std::move(*finding));
  check.files.push_back(summary);
  if (check.dynaq_version != DYNAQ_VERSION)
    return settled(std::move(check), {ResultStatus::kOtherVersion, directory + " holds complete results of " +
                                                                       writer + "; this is dynaq " + DYNAQ_VERSION});
  return settled(std::move(check), {ResultStatus::kComplete, directory + " holds complete results of " + writer});
}

}  // namespace dynaq
