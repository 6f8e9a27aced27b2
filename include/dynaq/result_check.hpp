// Whether a folder holds complete results: verify_results() checks it against the summary that
// sealed it (result_files.hpp), so that a folder cut short, changed, mixed from two runs or
// written by another version of dynaq is never taken for complete results.
#pragma once

#include <string>
#include <vector>

namespace dynaq {

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

}  // namespace dynaq
