// The machine's memory bandwidth as the bench's own threads see it: STREAM's copy and triad
// kernels (McCalpin, "Memory Bandwidth and Machine Balance", 1995) over arrays well beyond the
// last-level cache, so that a planning update's bytes can be set against what the memory delivers
// on the same threads, in the same process, at the same time; and a fill (stores only), the
// pattern of agent_init writing fresh tables.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include "bench.hpp"

namespace dynaq::bench {

namespace {

constexpr int kBandwidthRepeats = 10;                                      // best of, as STREAM
constexpr std::uint64_t kLeastArrayBytes = std::uint64_t{64} << 20;         // per array
constexpr std::uint64_t kArraysPerLastLevelCache = 4;                      // STREAM's rule

// A cache's size from sysfs ("1024K", "32M"), or 0 when the kernel does not say.
std::uint64_t cache_bytes(int level) {
  for (int index = 0; index < 8; ++index) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/";
    std::ifstream level_file(dir + "level"), type_file(dir + "type"), size_file(dir + "size");
    int found = 0;
    std::string type, size;
    if (!(level_file >> found) || !(type_file >> type) || !(size_file >> size)) continue;
    if (found != level || type == "Instruction") continue;
    std::uint64_t value = std::strtoull(size.c_str(), nullptr, 10);
    if (size.back() == 'K') value <<= 10;
    if (size.back() == 'M') value <<= 20;
    return value;
  }
  return 0;
}

}  // namespace

CacheSizes cache_sizes() { return CacheSizes{cache_bytes(2), cache_bytes(3)}; }

MemoryBandwidth measure_memory_bandwidth(int threads, std::uint64_t last_level_cache_bytes) {
  MemoryBandwidth result;
  result.threads = threads;
  result.repeats = kBandwidthRepeats;
  result.array_bytes = std::max(kLeastArrayBytes, kArraysPerLastLevelCache * last_level_cache_bytes);
  const std::int64_t length = static_cast<std::int64_t>(result.array_bytes / sizeof(double));
  const std::unique_ptr<double[]> a(new double[length]), b(new double[length]), c(new double[length]);
  // First touched by the threads that use them, as agent_init touches an agent's tables.
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t i = 0; i < length; ++i) {
    a[i] = 1.0;
    b[i] = 2.0;
    c[i] = 0.0;
  }
  const double scalar = 3.0;
  double best_copy = 0, best_triad = 0, best_fill = 0;
  for (int r = 0; r < kBandwidthRepeats; ++r) {
    auto start = std::chrono::steady_clock::now();
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::int64_t i = 0; i < length; ++i) c[i] = scalar;
    const double fill = seconds_since(start);
    start = std::chrono::steady_clock::now();
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::int64_t i = 0; i < length; ++i) c[i] = a[i];
    const double copy = seconds_since(start);
    start = std::chrono::steady_clock::now();
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::int64_t i = 0; i < length; ++i) a[i] = b[i] + scalar * c[i];
    const double triad = seconds_since(start);
    // Bytes as STREAM counts them: what the program reads and writes (copy 2 arrays, triad 3);
    // the write-allocate reads of the destination lines are not counted.
    best_copy = std::max(best_copy, 2.0 * double(result.array_bytes) / copy);
    best_triad = std::max(best_triad, 3.0 * double(result.array_bytes) / triad);
    best_fill = std::max(best_fill, double(result.array_bytes) / fill);
  }
  // A result is read, so that no compiler may drop the loops as dead stores.
  if (a[length / 2] != b[length / 2] + scalar * c[length / 2])
    throw std::logic_error("the memory bandwidth kernels computed a wrong value");
  result.copy_bytes_per_second = best_copy;
  result.triad_bytes_per_second = best_triad;
  result.fill_bytes_per_second = best_fill;
  return result;
}

}  // namespace dynaq::bench
