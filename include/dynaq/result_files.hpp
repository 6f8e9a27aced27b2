// Result files that are never seen half-written.
//
// A ResultFileSet writes each file under a temporary name in the destination folder, and only
// when every file has been written, flushed and synced does commit() rename them all into
// place. Until then (an error, Ctrl-C, a full disk) the folder holds no new result file, and
// the destructor removes the temporaries. Validation of user input happens before any
// ResultFileSet is made, so a run that fails on bad input writes nothing at all.
#pragma once

#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace dynaq {

class ResultFileSet {
 public:
  explicit ResultFileSet(std::string directory);
  ResultFileSet(const ResultFileSet&) = delete;
  ResultFileSet& operator=(const ResultFileSet&) = delete;
  ~ResultFileSet();

  // The stream for `filename` (a plain name inside the folder). Creates the folder on first use.
  std::ostream& open(const std::string& filename);
  // Flushes, syncs and renames every opened file into place. Throws std::runtime_error naming
  // the file and the OS reason on any I/O failure, leaving no temporary behind.
  void commit();

  const std::string& directory() const { return directory_; }

 private:
  struct PendingFile {
    std::string final_path;
    std::string temporary_path;
    std::unique_ptr<std::ofstream> stream;
  };
  void remove_temporaries() noexcept;

  std::string directory_;
  std::vector<PendingFile> files_;
  bool committed_ = false;
};

}  // namespace dynaq
