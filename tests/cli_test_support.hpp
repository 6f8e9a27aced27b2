// Running the built `dynaq` binary as a user would, for the command-line tests.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace dynaq::testing_support {

struct CommandResult {
  int exit_code;
  std::string out;
  std::string err;
};

// Writes `text` as the whole of the file at `path`.
inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Runs a shell command line with no standard input, and returns its exit code (128 + N when
// the shell's child died of signal N, as shells report it) and what it printed.
inline CommandResult run_shell(const std::string& command_line) {
  static int call = 0;
  const std::string base = ::testing::TempDir() + "dynaq_cli_" + std::to_string(getpid()) + "_" + std::to_string(call++);
  const std::string out_path = base + ".out", err_path = base + ".err";
  const std::string command = "( " + command_line + " ) </dev/null >'" + out_path + "' 2>'" + err_path + "'";
  const int status = std::system(command.c_str());
  CommandResult result{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out_path), read_file(err_path)};
  std::remove(out_path.c_str());
  std::remove(err_path.c_str());
  return result;
}

// The quoted path of the dynaq binary under test, for command lines.
inline std::string dynaq_binary() { return std::string("'") + DYNAQ_BINARY + "'"; }

// Runs `dynaq ARGS` through the shell (ARGS is pasted as is: quote where needed), with no
// standard input, and returns its exit code and what it printed. `environment` is put before
// the command ("NAME=value ...").
inline CommandResult run_dynaq(const std::string& args, const std::string& environment = "") {
  return run_shell((environment.empty() ? "" : environment + " ") + dynaq_binary() + " " + args);
}

// True when `program` can be found on PATH.
inline bool have_program(const std::string& program) {
  return std::system(("command -v " + program + " >/dev/null 2>&1").c_str()) == 0;
}

// A command line that must be refused, and a part of the message that must say why.
struct BadInput {
  std::string args;
  std::string message;
};

// Runs `dynaq COMMAND ARGS --out FOLDER` for each case, with a fresh FOLDER under `scratch`: each
// must exit with 2 (an input error), say its message on stderr and leave FOLDER unmade.
inline void expect_each_refused(const std::string& command, const std::vector<BadInput>& cases,
                                const std::string& scratch) {
  for (std::size_t k = 0; k < cases.size(); ++k) {
    const BadInput& c = cases[k];
    const std::string out = scratch + "/out" + std::to_string(k);
    const CommandResult r = run_dynaq(command + " " + c.args + " --out '" + out + "'");
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\nstderr: " << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << c.args;
  }
}

// A fresh empty folder for one test, removed with its contents at the end of the test.
class TempFolder {
 public:
  TempFolder() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = ::testing::TempDir() + "dynaq_" + std::to_string(getpid()) + "_" +
            (info ? std::string(info->test_suite_name()) + "_" + info->name() : std::string("test"));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace dynaq::testing_support
