// Option values as users write them, on the command line or in a config file: comma-separated
// lists, real numbers and whole numbers, each error naming the option and the value at fault.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dynaq {

// Splits each occurrence "a,b,c" at commas (each item trimmed of blanks) and concatenates
// the occurrences: an option given twice contributes both lists.
std::vector<std::string> split_list(const std::vector<std::string>& occurrences);

// A finite decimal number ("0.1", "-1", "1e-3"; no hexadecimal, no inf or nan).
double parse_real(const std::string& text, const std::string& option);
// A whole number >= 0 in decimal, up to 2^64 - 1.
std::uint64_t parse_count(const std::string& text, const std::string& option);

// A thread count for the cpu engine: 0 (every core OpenMP sees) to kMaxThreads.
constexpr std::uint64_t kMaxThreads = 4096;
int parse_thread_count(const std::string& text, const std::string& option);

}  // namespace dynaq
