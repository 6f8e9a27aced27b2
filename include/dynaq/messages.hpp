// Pieces of the messages dynaq prints: sizes in bytes, and the nearest name to a misspelt one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace dynaq {

// "512 bytes", "3.4 KiB", "61.0 MiB", "16.0 GiB".
std::string format_bytes(std::uint64_t bytes);

// Levenshtein distance: how many single-character edits turn `a` into `b` (for "did you mean").
std::size_t edit_distance(const std::string& a, const std::string& b);

// Memory this process can still allocate without swapping: MemAvailable from /proc/meminfo,
// else the free physical pages; the largest value when neither can be read.
std::uint64_t available_memory_bytes();

}  // namespace dynaq
