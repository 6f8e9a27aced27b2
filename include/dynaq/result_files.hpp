// Result files that are never seen half-written, and the check that a folder holds complete ones.
//
// A ResultFileSet writes each file under a temporary name in the destination folder
// ("curves.csv.partial-PID"). Only when every file has been written, flushed and synced does
// commit() rename them into place and sync the folder, the summary (if any) last. Until then the
// folder holds no new result file:
// - an exception (bad input, a full disk) leaves the temporaries to the destructor, which
//   removes them;
// - SIGINT, SIGTERM or SIGHUP runs a handler that removes them before the process dies (it is
//   installed only where the signal still has its default action, so a program's own handler is
//   never replaced: such a program exits normally and the destructor cleans up);
// - SIGKILL or a power loss can leave temporaries, never a file cut short under its final name.
// SIGXFSZ is ignored (where it has its default action), so that passing the file size limit is
// the error EFBIG below rather than a crash.
//
// Every I/O failure throws std::runtime_error naming the file and the system's reason, with a
// hint for the usual ones (the disk is full, the file size limit, permission denied, a read-only
// file system): from open(), from commit(), and from the stream itself on the first write that
// fails, so that a full disk stops the writer at once.
//
// The summary seals the set: open_summary() takes a JSON object, and commit() adds members after
// the caller's, last of all "complete": true:
//   "result_format": 1,
//   "checksums": {"curves.csv": {"bytes": 81234, "sha256": "9f86d0..."}, ...},
//   "complete": true
// with "dynaq_version" too when the caller did not write it. verify_results() checks a folder
// against them, so that a folder cut short, changed, mixed from two runs or written by another
// version of dynaq is never taken for complete results.
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

enum class ResultStatus {
  kComplete,      // the sealed summary and every file it lists check out, same dynaq version
  kMissing,       // no folder, or an empty one: nothing was written there
  kIncomplete,    // files but no sealed summary, or one cut short: an interrupted run
  kCorrupt,       // a listed file is missing, or its size or SHA-256 differs from the summary
  kOtherVersion,  // written by another version of dynaq (or before summaries were sealed)
};

struct ResultCheck {
  ResultStatus status = ResultStatus::kMissing;
  std::string message;              // one line for the user, naming the folder or the file
  std::string dynaq_version;        // of the dynaq that wrote the folder, when known
  std::vector<std::string> files;   // the files the summary lists (checked when kComplete)

  bool complete() const { return status == ResultStatus::kComplete; }
};

// Checks `directory` against its sealed summary (`summary` names it). Never throws for what it
// finds in the folder; reading it fully is the cost (SHA-256 of every listed file).
ResultCheck verify_results(const std::string& directory,
                           const std::string& summary = "summary.json");

// Checks before a long run that results can be written to `directory`: creates it if missing,
// then creates, writes one byte to and removes a probe file, and removes again the folders it
// created, so that a run refused later leaves nothing behind. Throws std::runtime_error naming
// the folder and the reason (permission denied, a read-only file system, a path through a
// regular file, a full disk).
void check_output_folder_writable(const std::string& directory);

// Removes the temporaries of every ResultFileSet not yet committed, and nothing else. Only
// async-signal-safe calls: a program that installs its own SIGINT or SIGTERM handler (which
// replaces the one ResultFileSet installs) calls it from there.
void remove_result_temporaries_in_signal_handler() noexcept;

// The SHA-256 of a file as 64 lowercase hexadecimal digits, as sha256sum prints it.
std::string sha256_file(const std::string& path);
// The SHA-256 of bytes in memory.
std::string sha256_hex(const void* data, std::size_t size);

}  // namespace dynaq
