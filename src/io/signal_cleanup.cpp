// The table of temporaries to remove on a signal, and the handler that removes them
// (signal_cleanup.hpp).
#include "dynaq/signal_cleanup.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>

namespace dynaq {
namespace {

constexpr int kSlotCount = 64;
constexpr std::size_t kSlotPathBytes = 4096;
enum SlotState : int { kFree = 0, kClaimed = 1, kArmed = 2 };

struct CleanupSlot {
  std::atomic<int> state{kFree};
  char path[kSlotPathBytes];
};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs lock-free atomics");

CleanupSlot cleanup_slots[kSlotCount];

extern "C" void remove_temporaries_on_signal(int signal_number) {
  remove_result_temporaries_in_signal_handler();
  // Die of the same signal, so that the parent sees how the process ended: with the default
  // action back, the signal raised here is delivered as soon as the handler returns.
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

}  // namespace

void install_cleanup_signal_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
      if (::sigaction(signal_number, nullptr, &current) != 0) continue;
      if ((current.sa_flags & SA_SIGINFO) != 0 || current.sa_handler != SIG_DFL) continue;
      struct sigaction action {};
      action.sa_handler = remove_temporaries_on_signal;
      ::sigemptyset(&action.sa_mask);
      for (int blocked : {SIGINT, SIGTERM, SIGHUP}) ::sigaddset(&action.sa_mask, blocked);
      ::sigaction(signal_number, &action, nullptr);
    }
    if (::sigaction(SIGXFSZ, nullptr, &current) == 0 && (current.sa_flags & SA_SIGINFO) == 0 &&
        current.sa_handler == SIG_DFL)
      ::signal(SIGXFSZ, SIG_IGN);
  });
}

int arm_signal_cleanup(const std::string& path) {
  if (path.size() >= kSlotPathBytes) return -1;
  for (int k = 0; k < kSlotCount; ++k) {
    int expected = kFree;
    if (!cleanup_slots[k].state.compare_exchange_strong(expected, kClaimed,
                                                        std::memory_order_acquire))
      continue;
    std::memcpy(cleanup_slots[k].path, path.c_str(), path.size() + 1);
    cleanup_slots[k].state.store(kArmed, std::memory_order_release);
    return k;
  }
  return -1;
}

void disarm_signal_cleanup(int& slot) noexcept {
  if (slot >= 0) cleanup_slots[slot].state.store(kFree, std::memory_order_release);
  slot = -1;
}

void remove_result_temporaries_in_signal_handler() noexcept {
  for (CleanupSlot& slot : cleanup_slots)
    if (slot.state.load(std::memory_order_acquire) == kArmed) ::unlink(slot.path);
}

}  // namespace dynaq
