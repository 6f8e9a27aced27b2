// Faults a user meets while dynaq writes results, each provoked for real in a child process:
// an output folder that cannot be written, a disk that fills up (a file size limit, and a small
// tmpfs where this machine lets a test mount one), a process killed by SIGKILL in the middle of
// writing, and SIGINT/SIGTERM while files are open. The promise under test: a clear error naming
// the file, and never a result file cut short under its final name (result_files.hpp).
//
// CI runs as root, which writes through permission bits: "unwritable" is provoked in ways that
// stop root too (a folder path through a regular file, a read-only bind mount, and the run
// switched to the user nobody), each skipping with its reason where the machine cannot.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "cli_test_support.hpp"
#include "dynaq/result_check.hpp"
#include "dynaq/result_files.hpp"
#include "fault_test_support.hpp"

namespace dynaq {
namespace {

namespace fs = std::filesystem;
using testing_support::check_fault_file;
using testing_support::ChildOptions;
using testing_support::contains;
using testing_support::read_file;
using testing_support::run_dynaq;
using testing_support::run_shell;
using testing_support::start_child;
using testing_support::TempFolder;
using testing_support::wait_child;

std::vector<std::string> entries_in(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) names.push_back(entry.path().filename().string());
  return names;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& n : names) text += n + " ";
  return text;
}

// Every result file present under its final name is whole; temporaries are allowed (a SIGKILL
// cannot be cleaned up after), summary.json is allowed to be from another iteration only when
// verify_results then refuses the folder.
void expect_no_file_cut_short(const std::string& dir) {
  for (const std::string& name : entries_in(dir)) {
    if (name.find(".partial-") != std::string::npos) continue;
    const std::string text = read_file(dir + "/" + name);
    if (name == "summary.json") {
      EXPECT_EQ(text.substr(text.size() >= 21 ? text.size() - 21 : 0), "  \"complete\": true\n}\n") << text;
    } else {
      EXPECT_TRUE(check_fault_file(text)) << dir << "/" << name << " is cut short or mixed (" << text.size()
                                          << " bytes)";
    }
  }
}

// Which iteration wrote f*.bin files and summary.json, when verify_results says complete.
void expect_complete_means_one_iteration(const std::string& dir) {
  const ResultCheck check = verify_results(dir);
  if (!check.complete()) return;
  const std::string summary = read_file(dir + "/summary.json");
  const std::string iteration = summary.substr(summary.find("\"iteration\": ") + 13);
  const std::string tag = "iteration=" + iteration.substr(0, iteration.find_first_not_of("0123456789")) + " ";
  for (const std::string& name : check.files)
    if (name != "summary.json") {
      EXPECT_TRUE(contains(read_file(dir + "/" + name).substr(0, 64), tag)) << name;
    }
}

// ---------------------------------------------------------------------------------------------
// Process killed mid-write.

// How long the writer takes for `iterations` commits of `files` files of `bytes` (start-up
// included): the kills below are spread over that time, however fast this machine's disk is.
std::chrono::microseconds writer_time(const std::string& dir, const std::string& files, const std::string& bytes,
                                      int iterations) {
  const auto start = std::chrono::steady_clock::now();
  wait_child(start_child({DYNAQ_FAULT_WRITER, "write", dir, files, bytes, std::to_string(iterations)}));
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
}

TEST(Faults, KilledMidWriteLeavesNoFileCutShort) {
  // The writer commits 4 files of 512 KiB and a sealed summary over and over into one folder;
  // it is killed at 30 moments spread over its first 4 commits, then the folder is inspected.
  TempFolder dir;
  const auto span = writer_time(dir / "timing", "4", "524288", 4);
  int complete = 0, refused = 0;
  for (int trial = 0; trial < 30; ++trial) {
    const std::string out = dir / ("run" + std::to_string(trial));
    const pid_t pid = start_child({DYNAQ_FAULT_WRITER, "write", out, "4", "524288", "0"});
    std::this_thread::sleep_for(span * trial / 30);
    ::kill(pid, SIGKILL);
    const int status = wait_child(pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the writer ended on its own: " << status;
    SCOPED_TRACE(out + ": " + joined(entries_in(out)));
    expect_no_file_cut_short(out);
    expect_complete_means_one_iteration(out);
    (verify_results(out).complete() ? complete : refused) += 1;
  }
  // Both outcomes occur: the check is not vacuous.
  EXPECT_GT(complete, 0);
  RecordProperty("complete_folders", complete);
  RecordProperty("refused_folders", refused);
}

TEST(Faults, KilledDuringTheFirstCommitLeavesNothingOrEverything) {
  // A fresh folder and one commit: afterwards no result file at all, or every one complete.
  TempFolder dir;
  const auto span = writer_time(dir / "timing", "3", "1048576", 1);
  for (int trial = 0; trial < 20; ++trial) {
    const std::string out = dir / ("run" + std::to_string(trial));
    // It may be killed while it exits, after its one commit (see ChildOptions::leak_check).
    ChildOptions no_leak_scan;
    no_leak_scan.leak_check = false;
    const pid_t pid = start_child({DYNAQ_FAULT_WRITER, "write", out, "3", "1048576", "1"}, no_leak_scan);
    std::this_thread::sleep_for(span * trial / 20);
    ::kill(pid, SIGKILL);
    wait_child(pid);
    SCOPED_TRACE(out + ": " + joined(entries_in(out)));
    expect_no_file_cut_short(out);
    const ResultCheck check = verify_results(out);
    if (fs::exists(out + "/summary.json")) {
      EXPECT_TRUE(check.complete()) << check.message;
    } else {
      EXPECT_NE(check.status, ResultStatus::kComplete);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// SIGINT and SIGTERM while files are open.

// Starts `hold` mode and waits until its files are open and written.
pid_t start_holding_writer(const std::string& out, const std::string& ready_path, bool own_handler) {
  ChildOptions options;
  options.stdout_path = ready_path;
  std::vector<std::string> argv{DYNAQ_FAULT_WRITER, "hold", out};
  if (own_handler) argv.push_back("own-handler");
  const pid_t pid = start_child(argv, options);
  for (int k = 0; k < 1000 && read_file(ready_path) != "ready\n"; ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return pid;
}

TEST(Faults, SigintAndSigtermRemoveTemporariesAndKillTheProcess) {
  TempFolder dir;
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
    const std::string out = dir / ("out" + std::to_string(signal_number));
    const std::string ready = out + ".ready";
    const pid_t pid = start_holding_writer(out, ready, false);
    ASSERT_EQ(read_file(ready), "ready\n");
    EXPECT_EQ(entries_in(out).size(), 2u) << joined(entries_in(out));  // the two temporaries
    ::kill(pid, signal_number);
    const int status = wait_child(pid);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == signal_number)
        << "the process must still die of the signal; status " << status;
    EXPECT_TRUE(entries_in(out).empty()) << joined(entries_in(out));
  }
}

TEST(Faults, AProgramsOwnSignalHandlerIsKept) {
  // A program that handles SIGTERM itself (to stop cleanly) keeps its handler; it returns
  // normally and the destructor removes the temporaries.
  TempFolder dir;
  const pid_t pid = start_holding_writer(dir / "out", dir / "ready", true);
  ASSERT_EQ(read_file(dir / "ready"), "ready\n");
  ::kill(pid, SIGTERM);
  const int status = wait_child(pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3) << status;
  EXPECT_TRUE(entries_in(dir / "out").empty()) << joined(entries_in(dir / "out"));
}

// ---------------------------------------------------------------------------------------------
// Disk full in the middle of writing, and output folders that cannot be written, with dynaq.

// A run whose q.npy (1000 agents x 54 states x 4 actions x 4 bytes = 864 KB) is far larger than
// its other files. With --chunk-agents 1000 its one chunk file (which holds the tables too) is
// as large, so a small limit is hit while the run stores its chunk; with --chunk-agents 10 the
// chunks are small and the limit is hit while the final results are written.
std::vector<std::string> run_with_tables(const std::string& out, const char* chunk_agents) {
  return {DYNAQ_BINARY, "run", "--env", "dyna-maze", "--seeds", "1000", "--episodes", "2", "--save-tables", "-q",
          "--chunk-agents", chunk_agents, "--out", out};
}

std::string shell_words(const std::vector<std::string>& argv) {
  std::string text;
  for (const std::string& word : argv) text += "'" + word + "' ";
  return text;
}

struct DynaqRun {
  int status;
  std::string err;
};

DynaqRun run_dynaq_child(const std::vector<std::string>& argv, ChildOptions options, const std::string& scratch) {
  options.stderr_path = scratch + ".stderr";
  const int status = wait_child(start_child(argv, options));
  return DynaqRun{status, read_file(options.stderr_path)};
}

// What a failed run may leave in its folder: the chunks of the run so far (to resume it), all
// complete; never a temporary, never final results.
void expect_failed_run_left_no_results(const std::string& out) {
  std::error_code error;
  for (const auto& entry : fs::recursive_directory_iterator(out, error))
    EXPECT_EQ(entry.path().filename().string().find(".partial-"), std::string::npos) << entry.path();
  for (const char* name : {"curves.csv", "points.csv", "summary.json", "q.npy"})
    EXPECT_FALSE(fs::exists(out + "/" + name)) << name;
  EXPECT_FALSE(verify_results(out).complete());
}

TEST(Faults, FileSizeLimitIsAClearErrorAndLeavesNoFileCutShort) {
  // RLIMIT_FSIZE of 64 KiB, hit while a chunk is stored, then while q.npy is written. SIGXFSZ
  // keeps its default action (kill) in the child: dynaq must ignore it and report EFBIG.
  TempFolder dir;
  for (const char* chunk_agents : {"1000", "10"}) {
    SCOPED_TRACE(std::string("--chunk-agents ") + chunk_agents);
    const std::string out = dir / ("out" + std::string(chunk_agents));
    ChildOptions options;
    options.file_size_limit = 64 * 1024;
    const DynaqRun run = run_dynaq_child(run_with_tables(out, chunk_agents), options, out + ".log");
    ASSERT_TRUE(WIFEXITED(run.status)) << "killed by signal " << WTERMSIG(run.status) << "; " << run.err;
    EXPECT_EQ(WEXITSTATUS(run.status), 1) << run.err;
    EXPECT_TRUE(contains(run.err, "cannot write " + out + "/")) << run.err;
    EXPECT_TRUE(contains(run.err, ": File too large (the file size limit, see ulimit -f")) << run.err;
    if (std::string(chunk_agents) == "10") {
      EXPECT_TRUE(contains(run.err, out + "/q.npy")) << run.err;
    }
    expect_failed_run_left_no_results(out);
  }
}

// Runs `setup` then `script` in a private mount namespace (as root, or as a user namespace's
// root where the kernel allows it); the namespace and its mounts vanish when the script ends.
// Returns the script's exit code, or -1 when the namespace or `setup` failed (`why` says how).
int run_in_mount_namespace(const std::string& setup, const std::string& script, const std::string& scratch,
                           std::string& why) {
  const std::string file = scratch + ".sh", started = scratch + ".started";
  std::ofstream(file) << "set -u\n" << setup << " || exit 1\ntouch '" << started << "'\n" << script;
  for (const char* unshare : {"unshare -m", "unshare -rm"}) {
    const auto r = run_shell(std::string(unshare) + " sh '" + file + "'");
    if (fs::exists(started)) return r.exit_code;
    why += std::string(unshare) + ": " + r.err;
  }
  return -1;
}

TEST(Faults, DiskFullIsAClearErrorAndLeavesNoFileCutShort) {
  // A tmpfs fills up while a chunk is stored (256 KiB, one chunk of 1000 agents), then while
  // q.npy is written (1400 KiB: the 10 chunks of 100 agents fit, q.npy does not fit beside
  // them). The folder is inspected inside the namespace, before the tmpfs vanishes with it.
  TempFolder dir;
  const struct {
    const char* size;
    const char* chunk_agents;
    bool in_final_results;
  } cases[] = {{"256k", "1000", false}, {"1400k", "100", true}};
  for (const auto& c : cases) {
    const char* chunk_agents = c.chunk_agents;
    SCOPED_TRACE(std::string("--chunk-agents ") + chunk_agents);
    const std::string disk = dir / ("disk" + std::string(chunk_agents)), out = disk + "/out";
    fs::create_directories(disk);
    const std::string setup = "mount -t tmpfs -o size=" + std::string(c.size) + " dynaq-test '" + disk + "'";
    const std::string script = shell_words(run_with_tables(out, chunk_agents)) + "2>'" + disk + ".err'\ncode=$?\n" +
                               "find '" + out + "' -name '*.partial-*' >'" + disk + ".temporaries'\n" +
                               "ls -A '" + out + "' >'" + disk + ".listing'\nexit $code\n";
    std::string why;
    const int code = run_in_mount_namespace(setup, script, disk, why);
    if (code < 0) GTEST_SKIP() << "this machine lets no test mount a tmpfs: " << why;
    const std::string err = read_file(disk + ".err");
    EXPECT_EQ(code, 1) << err;
    EXPECT_TRUE(contains(err, "cannot write " + out + "/")) << err;
    EXPECT_TRUE(contains(err, ": No space left on device (the disk is full)")) << err;
    if (c.in_final_results) {
      EXPECT_TRUE(contains(err, out + "/q.npy")) << err;
    }
    EXPECT_EQ(read_file(disk + ".temporaries"), "");
    const std::string listing = read_file(disk + ".listing");
    for (const char* name : {"curves.csv", "points.csv", "summary.json", "q.npy"})
      EXPECT_FALSE(contains(listing, name)) << listing;
  }
}

TEST(Faults, OutputFolderThroughARegularFile) {
  // Works as root, whom permission bits do not stop: no one can make a folder inside a file.
  TempFolder dir;
  std::ofstream(dir / "file") << "x";
  const auto r = run_dynaq("run --env dyna-maze --seeds 2 --episodes 1 -q --out '" + dir / "file/out" + "'");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "cannot create folder " + dir / "file/out")) << r.err;
  EXPECT_TRUE(contains(r.err, "Not a directory (a part of the path is a file, not a folder)")) << r.err;
}

TEST(Faults, OutputFolderOnAReadOnlyFileSystem) {
  TempFolder dir;
  const std::string ro = dir / "ro";
  fs::create_directories(ro + "/out");
  const std::string setup =
      "mount --bind '" + ro + "' '" + ro + "' && mount -o remount,bind,ro '" + ro + "' '" + ro + "'";
  const std::string script = "'" + std::string(DYNAQ_BINARY) + "' run --env dyna-maze --seeds 2 --episodes 1 -q --out '" +
                             ro + "/out' 2>'" + dir / "err" + "'\n";
  std::string why;
  const int code = run_in_mount_namespace(setup, script, dir / "ns", why);
  if (code < 0) GTEST_SKIP() << "this machine lets no test make a read-only bind mount: " << why;
  const std::string err = read_file(dir / "err");
  EXPECT_EQ(code, 1) << err;
  EXPECT_TRUE(contains(err, ro + "/out")) << err;
  EXPECT_TRUE(contains(err, "Read-only file system (the file system is mounted read-only)")) << err;
  EXPECT_TRUE(entries_in(ro + "/out").empty()) << joined(entries_in(ro + "/out"));
}

TEST(Faults, OutputFolderWithoutWritePermission) {
  // Mode 0555. As root, the run is switched to the user nobody (65534), for whom it holds.
  TempFolder dir;
  const std::string locked = dir / "locked";
  fs::create_directories(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                              fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  ChildOptions options;
  if (geteuid() == 0) options.run_as = 65534;
  const DynaqRun run = run_dynaq_child(
      {DYNAQ_BINARY, "run", "--env", "dyna-maze", "--seeds", "2", "--episodes", "1", "-q", "--out", locked}, options,
      dir / "log");
  fs::permissions(locked, fs::perms::owner_all);
  if (WIFEXITED(run.status) && WEXITSTATUS(run.status) >= 126)
    GTEST_SKIP() << "cannot run dynaq as the user nobody here (exit code " << WEXITSTATUS(run.status) << ")";
  ASSERT_TRUE(WIFEXITED(run.status)) << run.err;
  EXPECT_EQ(WEXITSTATUS(run.status), 1) << run.err;
  EXPECT_TRUE(contains(run.err, locked + "/")) << run.err;
  EXPECT_TRUE(contains(run.err, "Permission denied (this user may not write there)")) << run.err;
  EXPECT_TRUE(entries_in(locked).empty()) << joined(entries_in(locked));
}

}  // namespace
}  // namespace dynaq
