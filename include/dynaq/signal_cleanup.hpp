// Removal of result files' temporaries when SIGINT, SIGTERM or SIGHUP ends the process, so that
// an interrupted run leaves no half-written file behind (result_files.hpp).
//
// A signal handler may only call async-signal-safe functions (unlink, signal, raise) and may not
// take a lock or allocate, so the temporaries' paths live in a fixed table of slots. A slot is
// claimed (free -> claimed) by compare-and-swap, filled, then published (armed) with a release
// store; the handler unlinks the armed slots' paths. A path that does not fit, or a table that
// is full, only loses the signal-time cleanup: its owner still removes the file.
#pragma once

#include <string>

namespace dynaq {

// Installs, once per process, the handler that removes the armed temporaries and then dies of
// the same signal. Only where a signal still has its default action, so that a program's own
// handler is never replaced (such a program calls the function below from it). SIGXFSZ is ignored
// (where it has its default action), so that passing the file size limit is the error EFBIG
// rather than a crash.
void install_cleanup_signal_handlers();

// Arms `path` for removal on a signal; returns its slot, or -1 when it could not be armed.
int arm_signal_cleanup(const std::string& path);
// Disarms `slot` (once the file is renamed into place or removed) and sets it to -1.
void disarm_signal_cleanup(int& slot) noexcept;

// Removes the temporaries of every ResultFileSet not yet committed, and nothing else. Only
// async-signal-safe calls: a program that installs its own SIGINT or SIGTERM handler (which
// replaces the one installed above) calls it from there.
void remove_result_temporaries_in_signal_handler() noexcept;

}  // namespace dynaq
