// A small program the fault tests (tests/fault_test.cpp) start, kill, interrupt and starve of
// disk: it writes self-checking files (fault_test_support.hpp) through a ResultFileSet.
//
//   dynaq_fault_writer write DIR FILES BYTES ITERATIONS
//       FILES files f0.bin ... of BYTES bytes each and a sealed summary.json, committed
//       ITERATIONS times over (0: until killed), each iteration's content different.
//   dynaq_fault_writer hold DIR [own-handler]
//       opens and writes two files, prints "ready", then waits for a signal without
//       committing. With own-handler it first installs its own SIGTERM handler, which makes it
//       leave the wait and return normally (exit code 3).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "dynaq/result_files.hpp"
#include "fault_test_support.hpp"

namespace {

volatile sig_atomic_t stop_requested = 0;
extern "C" void request_stop(int) { stop_requested = 1; }

int write_loop(const std::string& dir, unsigned files, std::size_t bytes, unsigned iterations) {
  for (unsigned iteration = 0; iterations == 0 || iteration < iterations; ++iteration) {
    dynaq::ResultFileSet set(dir);
    for (unsigned k = 0; k < files; ++k)
      set.open("f" + std::to_string(k) + ".bin")
          << dynaq::testing_support::fault_file_content(iteration, k, bytes);
    set.open_summary("summary.json") << "{\"iteration\": " << iteration << "}\n";
    set.commit();
  }
  return 0;
}

int hold(const std::string& dir, bool own_handler) {
  if (own_handler) {
    struct sigaction action {};
    action.sa_handler = request_stop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
  }
  dynaq::ResultFileSet set(dir);
  set.open("a.bin") << dynaq::testing_support::fault_file_content(0, 0, 100000);
  set.open("b.bin") << dynaq::testing_support::fault_file_content(0, 1, 100000);
  set.open_summary("summary.json") << "{}";
  std::printf("ready\n");
  std::fflush(stdout);
  while (!stop_requested) pause();
  return 3;  // without commit: the destructor removes the temporaries
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "write" && argc == 6)
      return write_loop(argv[2], static_cast<unsigned>(std::atoi(argv[3])),
                        static_cast<std::size_t>(std::atoll(argv[4])), static_cast<unsigned>(std::atoi(argv[5])));
    if (mode == "hold" && (argc == 3 || argc == 4)) return hold(argv[2], argc == 4);
    std::fprintf(stderr, "usage: dynaq_fault_writer write DIR FILES BYTES ITERATIONS | hold DIR [own-handler]\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dynaq_fault_writer: %s\n", e.what());
    return 1;
  }
}
