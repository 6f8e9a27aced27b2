// Result files that are never seen half-written, sealed by a summary with their checksums, and
// the probe that a folder can take them.
//
// A ResultFileSet writes each file under a temporary name in the destination folder
// ("curves.csv.partial-PID"). Only when every file has been written, flushed and synced does
// commit() rename them into place and sync the folder, the summary (if any) last. Until then the
// folder holds no new result file:
// - an exception (bad input, a full disk) leaves the temporaries to the destructor, which
//   removes them;
// - SIGINT, SIGTERM or SIGHUP runs a handler that removes them before the process dies
//   (signal_cleanup.hpp; a program with a handler of its own exits normally and the destructor
//   cleans up);
// - SIGKILL or a power loss can leave temporaries, never a file cut short under its final name.
//
// Every I/O failure throws std::runtime_error naming the file and the system's reason, with a
// hint for the usual ones (the disk is full, the file size limit, permission denied, a read-only
// file system): from open(), from commit(), and from the stream itself on the first write that
// fails, so that a full disk stops the writer at once (io_errors.hpp, result_file_buffer.hpp).
//
// The summary seals the set: open_summary() takes a JSON object, and commit() adds members after
// the caller's, last of all "complete": true:
//   "result_format": 1,
//   "checksums": {"curves.csv": {"bytes": 81234, "sha256": "9f86d0..."}, ...},
//   "complete": true
// with "dynaq_version" too when the caller did not write it. verify_results() (result_check.hpp)
// checks a folder against them, so that a folder cut short, changed, mixed from two runs or
// written by another version of dynaq is never taken for complete results.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace dynaq {

// The layout of result folders that verify_results() accepts; written into sealed summaries.
inline constexpr int kResultFormat = 1;

class ResultFileSet {
 public:
  explicit ResultFileSet(std::string directory);
  ResultFileSet(const ResultFileSet&) = delete;
  ResultFileSet& operator=(const ResultFileSet&) = delete;
  ~ResultFileSet();

  // The stream for `filename` (a plain name inside the folder). Creates the folder on first use.
  std::ostream& open(const std::string& filename);
  // The stream for the summary, a JSON object that commit() seals (above). At most one per set.
  std::ostream& open_summary(const std::string& filename);
  // Syncs every file, seals the summary, renames the files into place (the summary last) and
  // syncs the folder. On failure removes the temporaries and throws.
  void commit();

  const std::string& directory() const { return directory_; }

 private:
  struct PendingFile;
  void check_new_name(const std::string& filename) const;
  void prepare_folder();
  PendingFile& create_temporary_file(const std::string& filename);
  void remove_temporaries() noexcept;

  std::string directory_;
  std::vector<std::unique_ptr<PendingFile>> files_;
  std::unique_ptr<std::ostringstream> summary_;
  std::string summary_name_;
  bool folder_ready_ = false;
  bool created_folder_ = false;
  bool committed_ = false;
};

// Checks before a long run that results can be written to `directory`: creates it if missing,
// then creates, writes one byte to and removes a probe file, and removes again the folders it
// created, so that a run refused later leaves nothing behind. Throws std::runtime_error naming
// the folder and the reason (permission denied, a read-only file system, a path through a
// regular file, a full disk).
void check_output_folder_writable(const std::string& directory);

// A name that stays inside its folder: not empty, not "." or "..", no '/' and no NUL. The only
// names a ResultFileSet writes, and the only ones verify_results() follows from a summary.
bool is_plain_file_name(const std::string& name);

}  // namespace dynaq
