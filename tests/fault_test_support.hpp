// For the fault tests: the self-checking files that tests/fault_writer.cpp writes, and starting
// a child process under a file size limit, another user, or a private mount namespace.
#pragma once

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace dynaq::testing_support {

// The content of file `index` of iteration `iteration`: a header line naming both and the
// size, then bytes that depend on all three, `bytes` in all. A file cut short, or one of
// another iteration under the same name, cannot pass check_fault_file.
inline std::string fault_file_content(std::uint32_t iteration, std::uint32_t index, std::size_t bytes) {
  std::string text = "fault-writer iteration=" + std::to_string(iteration) +
                     " file=" + std::to_string(index) + " bytes=" + std::to_string(bytes) + "\n";
  std::uint64_t x = 0x9E3779B97F4A7C15ull * (iteration + 1) + 0xBF58476D1CE4E5B9ull * (index + 1);
  while (text.size() < bytes) {
    x ^= x >> 31;
    x *= 0x94D049BB133111EBull;
    x ^= x >> 29;
    text += static_cast<char>('a' + (x % 26));
  }
  text.resize(bytes);
  return text;
}

// True when `text` is exactly what fault_file_content wrote for the iteration, file and size
// its own header names.
inline bool check_fault_file(const std::string& text) {
  unsigned iteration = 0, index = 0;
  unsigned long long bytes = 0;
  if (std::sscanf(text.c_str(), "fault-writer iteration=%u file=%u bytes=%llu", &iteration, &index, &bytes) != 3)
    return false;
  return text == fault_file_content(iteration, index, bytes);
}

struct ChildOptions {
  rlim_t file_size_limit = RLIM_INFINITY;  // RLIMIT_FSIZE of the child, in bytes
  uid_t run_as = 0;                        // a user to switch to (root only); 0 keeps this one
  std::string stdout_path = "/dev/null";
  std::string stderr_path = "/dev/null";
  // false: no LeakSanitizer scan at exit (sanitizer builds). For a child that may be killed while
  // it exits: the scan, interrupted, reports that it could not stop the process's threads.
  bool leak_check = true;
};

// Starts `argv` as a child process and returns its id. Between fork and exec the child only
// makes system calls (no allocation), which is safe in a multi-threaded parent. A child that
// cannot set itself up exits with code 126 before exec (127 when exec fails).
inline pid_t start_child(const std::vector<std::string>& argv, const ChildOptions& options = {}) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // The child's environment, made before fork: this one, with detect_leaks=0 appended to
  // ASAN_OPTIONS when asked (a later option wins).
  std::vector<std::string> variables;
  for (char** e = environ; *e != nullptr; ++e) variables.emplace_back(*e);
  if (!options.leak_check) {
    bool found = false;
    for (std::string& v : variables)
      if (v.rfind("ASAN_OPTIONS=", 0) == 0) {
        v += ":detect_leaks=0";
        found = true;
      }
    if (!found) variables.emplace_back("ASAN_OPTIONS=detect_leaks=0");
  }
  std::vector<char*> environment;
  for (std::string& v : variables) environment.push_back(v.data());
  environment.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  // In the child.
  const int out = ::open(options.stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int err = ::open(options.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out < 0 || err < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) ::_exit(126);
  // Signals the parent (gtest) ignores stay ignored across exec: give the child the defaults.
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGXFSZ, SIGPIPE}) ::signal(s, SIG_DFL);
  if (options.file_size_limit != RLIM_INFINITY) {
    const rlimit limit{options.file_size_limit, options.file_size_limit};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(126);
  }
  if (options.run_as != 0 && (::setgroups(0, nullptr) != 0 || ::setgid(options.run_as) != 0 ||
                              ::setuid(options.run_as) != 0))
    ::_exit(126);
  ::execve(args[0], args.data(), environment.data());
  ::_exit(127);
}

// Waits for the child; returns its wait status.
inline int wait_child(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace dynaq::testing_support
