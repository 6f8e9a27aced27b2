// ResultFileSet and verify_results in one process: files appear only on commit, the summary is
// sealed with the files' sizes and SHA-256, every kind of damaged or foreign folder is told
// apart from complete results, and errors name the file. The faults that need another process
// (signals, SIGKILL, a full disk, another user) are in fault_test.cpp.
#include "dynaq/result_check.hpp"
#include "dynaq/result_files.hpp"
#include "dynaq/sha256.hpp"  // sealed summaries hold the files' digests

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "cli_test_support.hpp"
#include "dynaq/errors.hpp"

namespace dynaq {
namespace {

namespace fs = std::filesystem;
using testing_support::contains;
using testing_support::read_file;
using testing_support::TempFolder;
using testing_support::write_file;

std::size_t entries_in(const std::string& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++n;
  return n;
}

// A complete folder: curves.csv, q.npy and a sealed summary.json.
void write_results(const std::string& dir, const std::string& curves = "point,episode\n0,1\n") {
  ResultFileSet files(dir);
  files.open("curves.csv") << curves;
  files.open_summary("summary.json") << "{\n  \"dynaq_version\": \"" DYNAQ_VERSION "\",\n  \"seeds\": 3\n}\n";
  files.open("q.npy") << std::string(1000, 'q');
  files.commit();
}

// ---------------------------------------------------------------------------------------------
// ResultFileSet.

TEST(ResultFileSet, NothingUnderFinalNamesBeforeCommit) {
  TempFolder dir;
  {
    ResultFileSet files(dir / "out");
    files.open("curves.csv") << "a,b\n";
    EXPECT_FALSE(fs::exists(dir / "out/curves.csv"));
    files.commit();
  }
  EXPECT_EQ(read_file(dir / "out/curves.csv"), "a,b\n");
  EXPECT_EQ(entries_in(dir / "out"), 1u);  // no temporary left
}

TEST(ResultFileSet, DestructorWithoutCommitLeavesNothing) {
  TempFolder dir;
  {
    ResultFileSet files(dir.path());
    files.open("curves.csv") << "a,b\n";
    files.open_summary("summary.json") << "{}";
  }
  EXPECT_EQ(entries_in(dir.path()), 0u);
}

TEST(ResultFileSet, AnExceptionWhileWritingLeavesNothing) {
  TempFolder dir;
  try {
    ResultFileSet files(dir.path());
    files.open("curves.csv") << std::string(200000, 'x');
    throw InputError("bad input found late");
  } catch (const InputError&) {
  }
  EXPECT_EQ(entries_in(dir.path()), 0u);
}

TEST(ResultFileSet, SealsTheSummaryWithSizesAndChecksums) {
  TempFolder dir;
  const std::string curves = "point,episode\n0,1\n";
  write_results(dir.path(), curves);
  const std::string summary = read_file(dir / "summary.json");
  // The caller's members first, then the seal, "complete": true last.
  EXPECT_EQ(summary.rfind("{\n  \"dynaq_version\": \"" DYNAQ_VERSION "\",\n  \"seeds\": 3,\n", 0), 0u) << summary;
  EXPECT_TRUE(contains(summary, "\"result_format\": 1,")) << summary;
  EXPECT_TRUE(contains(summary, "\"curves.csv\": {\"bytes\": " + std::to_string(curves.size()) +
                                    ", \"sha256\": \"" + sha256_hex(curves.data(), curves.size()) + "\"}"))
      << summary;
  EXPECT_TRUE(contains(summary, "\"q.npy\": {\"bytes\": 1000, "));
  EXPECT_EQ(summary.substr(summary.size() - 21), "  \"complete\": true\n}\n");
}

TEST(ResultFileSet, SealAddsTheVersionWhenTheCallerDidNot) {
  TempFolder dir;
  ResultFileSet files(dir.path());
  files.open_summary("chunk-3.json") << "{}";
  files.commit();
  const std::string summary = read_file(dir / "chunk-3.json");
  EXPECT_TRUE(contains(summary, "\"dynaq_version\": \"" DYNAQ_VERSION "\"")) << summary;
  EXPECT_TRUE(verify_results(dir.path(), "chunk-3.json").complete()) << verify_results(dir.path(), "chunk-3.json").message;
}

TEST(ResultFileSet, LargeWritesHashLikeTheFile) {
  TempFolder dir;
  std::mt19937 rng(3);
  {
    ResultFileSet files(dir.path());
    std::ostream& out = files.open("big.bin");
    for (int piece = 0; piece < 50; ++piece) {  // pieces around the 64 KiB buffer
      std::string bytes(rng() % 200000, '\0');
      for (char& c : bytes) c = static_cast<char>(rng());
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      out << 'x';
    }
    files.open_summary("summary.json") << "{}";
    files.commit();
  }
  const ResultCheck check = verify_results(dir.path());
  EXPECT_EQ(check.status, ResultStatus::kComplete) << check.message;
  EXPECT_TRUE(contains(read_file(dir / "summary.json"), sha256_file(dir / "big.bin")));
}

TEST(ResultFileSet, ReplacesEarlierResults) {
  TempFolder dir;
  write_results(dir.path(), "old\n");
  write_results(dir.path(), "new\n");
  EXPECT_EQ(read_file(dir / "curves.csv"), "new\n");
  EXPECT_TRUE(verify_results(dir.path()).complete());
  EXPECT_EQ(entries_in(dir.path()), 3u);
}

TEST(ResultFileSet, ReplacesAStaleTemporaryOfTheSameName) {
  // A process killed earlier with the id this one now has left its temporary behind.
  TempFolder dir;
  write_file(dir / ("curves.csv.partial-" + std::to_string(getpid())), "stale");
  ResultFileSet files(dir.path());
  files.open("curves.csv") << "fresh\n";
  files.commit();
  EXPECT_EQ(read_file(dir / "curves.csv"), "fresh\n");
  EXPECT_EQ(entries_in(dir.path()), 1u);
}

TEST(ResultFileSet, MisuseIsAnInternalError) {
  TempFolder dir;
  ResultFileSet files(dir.path());
  files.open("a.csv");
  EXPECT_THROW(files.open("a.csv"), InternalError);
  EXPECT_THROW(files.open("../a.csv"), InternalError);
  EXPECT_THROW(files.open(""), InternalError);
  files.open_summary("summary.json") << "[1, 2]";  // not an object
  EXPECT_THROW(files.open_summary("other.json"), InternalError);
  EXPECT_THROW(files.commit(), InternalError);
  EXPECT_EQ(entries_in(dir.path()), 0u);
}

// ---------------------------------------------------------------------------------------------
// Errors name the file.

TEST(ResultFileSet, AFolderPathThroughARegularFileNamesTheFolder) {
  // Works for root too, which chmod cannot stop: no one can make a folder inside a file.
  TempFolder dir;
  write_file(dir / "file", "x");
  ResultFileSet files(dir / "file/out");
  try {
    files.open("curves.csv");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(contains(e.what(), "cannot create folder " + dir / "file/out")) << e.what();
    EXPECT_TRUE(contains(e.what(), "a part of the path is a file, not a folder")) << e.what();
  }
  ResultFileSet onto_file(dir / "file");
  try {
    onto_file.open("curves.csv");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(contains(e.what(), dir / "file" + ": it is not a folder")) << e.what();
  }
}

// Lowers this process's file size limit for one scope. SIGXFSZ must not kill the test: the
// first ResultFileSet has set it to be ignored, as it does in dynaq.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    const rlimit limit{bytes, saved_.rlim_max};
    ok_ = setrlimit(RLIMIT_FSIZE, &limit) == 0;
  }
  ~FileSizeLimit() { setrlimit(RLIMIT_FSIZE, &saved_); }
  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  bool ok_ = false;
};

TEST(ResultFileSet, AWriteFailureThrowsAtOnceNamingTheFile) {
  TempFolder dir;
  ResultFileSet warm_up(dir / "warm");  // installs SIGXFSZ = ignore, as dynaq's first set does
  warm_up.open("x");
  struct sigaction xfsz {};
  sigaction(SIGXFSZ, nullptr, &xfsz);
  if (xfsz.sa_handler != SIG_IGN) GTEST_SKIP() << "SIGXFSZ has a handler in this process";

  const FileSizeLimit limit(100000);
  ASSERT_TRUE(limit.ok());
  ResultFileSet files(dir / "out");
  std::ostream& out = files.open("q.npy");
  const std::string block(65536, 'q');
  try {
    for (int k = 0; k < 10; ++k) out << block;
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(contains(e.what(), "cannot write " + dir / "out/q.npy" + ": File too large")) << e.what();
    EXPECT_TRUE(contains(e.what(), "ulimit -f")) << e.what();
  }
  EXPECT_THROW(files.commit(), std::runtime_error);  // reported again, temporaries removed
  EXPECT_EQ(entries_in(dir / "out"), 0u);
}

TEST(CheckOutputFolderWritable, LeavesNothingBehind) {
  TempFolder dir;
  check_output_folder_writable(dir / "a/b");  // created for the probe, then removed
  EXPECT_FALSE(fs::exists(dir / "a"));
  fs::create_directories(dir / "c");
  check_output_folder_writable(dir / "c");  // an existing folder stays, without the probe
  EXPECT_TRUE(fs::is_directory(dir / "c"));
  EXPECT_EQ(entries_in(dir / "c"), 0u);
}

TEST(CheckOutputFolderWritable, RefusesAPathThroughAFile) {
  TempFolder dir;
  write_file(dir / "file", "x");
  EXPECT_THROW(check_output_folder_writable(dir / "file/out"), std::runtime_error);
  EXPECT_THROW(check_output_folder_writable(dir / "file"), std::runtime_error);
}

TEST(CheckOutputFolderWritable, RefusesAFolderWithoutWritePermission) {
  if (geteuid() == 0) GTEST_SKIP() << "root writes through permissions (fault_test.cpp covers it as another user)";
  TempFolder dir;
  fs::create_directories(dir / "locked");
  fs::permissions(dir / "locked", fs::perms::owner_read | fs::perms::owner_exec);
  try {
    check_output_folder_writable(dir / "locked");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(contains(e.what(), "Permission denied (this user may not write there)")) << e.what();
  }
  fs::permissions(dir / "locked", fs::perms::owner_all);
}

// ---------------------------------------------------------------------------------------------
// verify_results: complete, missing, incomplete, corrupt, another version.

TEST(VerifyResults, CompleteResults) {
  TempFolder dir;
  write_results(dir.path());
  const ResultCheck check = verify_results(dir.path());
  EXPECT_EQ(check.status, ResultStatus::kComplete) << check.message;
  EXPECT_EQ(check.dynaq_version, DYNAQ_VERSION);
  EXPECT_EQ(check.files, (std::vector<std::string>{"curves.csv", "q.npy", "summary.json"}));
}

TEST(VerifyResults, NoFolderOrAnEmptyOneIsMissing) {
  TempFolder dir;
  EXPECT_EQ(verify_results(dir / "nowhere").status, ResultStatus::kMissing);
  EXPECT_EQ(verify_results(dir.path()).status, ResultStatus::kMissing);
  // Temporaries of a killed run are not results.
  write_file(dir / "curves.csv.partial-123", "x");
  EXPECT_EQ(verify_results(dir.path()).status, ResultStatus::kMissing);
}

TEST(VerifyResults, FilesWithoutASummaryAreIncomplete) {
  TempFolder dir;
  write_file(dir / "curves.csv", "x\n");
  const ResultCheck check = verify_results(dir.path());
  EXPECT_EQ(check.status, ResultStatus::kIncomplete);
  EXPECT_TRUE(contains(check.message, "holds curves.csv but no summary.json")) << check.message;
}

TEST(VerifyResults, ASummaryCutShortIsIncomplete) {
  TempFolder dir;
  write_results(dir.path());
  const std::string summary = read_file(dir / "summary.json");
  for (std::size_t cut : {summary.size() / 3, summary.size() - 3}) {
    write_file(dir / "summary.json", summary.substr(0, cut));
    const ResultCheck check = verify_results(dir.path());
    EXPECT_EQ(check.status, ResultStatus::kIncomplete) << cut << ": " << check.message;
    EXPECT_TRUE(contains(check.message, "summary.json is cut short")) << check.message;
  }
}

TEST(VerifyResults, CompleteMustBeTheLastMember) {
  TempFolder dir;
  write_results(dir.path());
  std::string summary = read_file(dir / "summary.json");
  summary.replace(summary.rfind("\n}"), 2, ",\n  \"more\": 1\n}");
  write_file(dir / "summary.json", summary);
  const ResultCheck check = verify_results(dir.path());
  EXPECT_EQ(check.status, ResultStatus::kIncomplete);
  EXPECT_TRUE(contains(check.message, "does not end with \"complete\": true")) << check.message;
}

TEST(VerifyResults, AFileCutShortIsCorrupt) {
  TempFolder dir;
  write_results(dir.path());
  const std::string q = read_file(dir / "q.npy");
  write_file(dir / "q.npy", q.substr(0, 600));
  const ResultCheck check = verify_results(dir.path());
  EXPECT_EQ(check.status, ResultStatus::kCorrupt);
  EXPECT_TRUE(contains(check.message, dir / "q.npy" + " has 600 bytes, but summary.json says 1000")) << check.message;
}

TEST(VerifyResults, AChangedByteIsCorrupt) {
  TempFolder dir;
  write_results(dir.path(), "point,episode\n0,1\n");
  write_file(dir / "curves.csv", "point,episode\n0,2\n");  // same size
  const ResultCheck check = verify_results(dir.path());
  EXPECT_EQ(check.status, ResultStatus::kCorrupt);
  EXPECT_TRUE(contains(check.message, "curves.csv does not match its SHA-256")) << check.message;
}

TEST(VerifyResults, AMissingListedFileIsCorrupt) {
  TempFolder dir;
  write_results(dir.path());
  fs::remove(dir / "q.npy");
  const ResultCheck check = verify_results(dir.path());
  EXPECT_EQ(check.status, ResultStatus::kCorrupt);
  EXPECT_TRUE(contains(check.message, "q.npy is listed in summary.json but No such file")) << check.message;
}

TEST(VerifyResults, ASummaryWithoutSealIsFromAnotherVersion) {
  // What dynaq wrote before summaries were sealed.
  TempFolder dir;
  write_file(dir / "curves.csv", "point\n");
  write_file(dir / "summary.json", "{\"dynaq_version\": \"0.0.9\", \"files\": {\"curves\": \"curves.csv\"}}\n");
  const ResultCheck check = verify_results(dir.path());
  EXPECT_EQ(check.status, ResultStatus::kOtherVersion);
  EXPECT_EQ(check.dynaq_version, "0.0.9");
  EXPECT_TRUE(contains(check.message, "written by dynaq 0.0.9 that did not seal its results")) << check.message;
}

TEST(VerifyResults, AnotherResultFormatIsFromAnotherVersion) {
  TempFolder dir;
  write_results(dir.path());
  std::string summary = read_file(dir / "summary.json");
  summary.replace(summary.find("\"result_format\": 1"), 18, "\"result_format\": 2");
  write_file(dir / "summary.json", summary);
  const ResultCheck check = verify_results(dir.path());
  EXPECT_EQ(check.status, ResultStatus::kOtherVersion);
  EXPECT_TRUE(contains(check.message, "in result format 2; this is dynaq " DYNAQ_VERSION ", which reads format 1"))
      << check.message;
}

TEST(VerifyResults, CompleteResultsOfAnotherDynaqVersion) {
  TempFolder dir;
  {
    ResultFileSet files(dir.path());
    files.open("curves.csv") << "x\n";
    files.open_summary("summary.json") << "{\"dynaq_version\": \"0.0.9\"}";
    files.commit();
  }
  const ResultCheck check = verify_results(dir.path());
  EXPECT_EQ(check.status, ResultStatus::kOtherVersion);
  EXPECT_TRUE(contains(check.message, "complete results of dynaq 0.0.9; this is dynaq " DYNAQ_VERSION)) << check.message;
}

TEST(VerifyResults, GarbageIsNeverComplete) {
  TempFolder dir;
  write_file(dir / "curves.csv", "x");
  for (const char* summary : {"", "{", "[]", "{\"result_format\": 1}", "{\"complete\": true}",
                              "{\"result_format\": 1, \"checksums\": {\"../x\": {\"bytes\": 1, \"sha256\": \"0\"}}, \"complete\": true}",
                              "{\"result_format\": 1, \"checksums\": [], \"complete\": true}", "\x01\x02"}) {
    write_file(dir / "summary.json", summary);
    EXPECT_FALSE(verify_results(dir.path()).complete()) << summary;
  }
}

}  // namespace
}  // namespace dynaq
