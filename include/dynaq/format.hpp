// Number formatting for every file dynaq writes: shortest round-trip decimal forms, so that a
// value written and read back is the same bits, and the same value is always the same text.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

namespace dynaq {

// A NaN is written "nan" whatever its sign and payload (same_bits.hpp says why they vary).
inline std::string format_float(float value) {
  if (std::isnan(value)) return "nan";
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

inline std::string format_double(double value) {
  if (std::isnan(value)) return "nan";
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

// JSON has no NaN or infinity: they are written as null.
inline std::string json_number(double value) {
  return std::isfinite(value) ? format_double(value) : std::string("null");
}

std::string json_string(const std::string& text);  // quoted and escaped

// CSV: a field quoted (and its quotes doubled) only when it holds a comma, quote or line break;
// a number in its shortest round-trip text, NaN (undefined, e.g. a confidence interval of one
// seed) as an empty field, which pandas reads as NaN, infinities as "inf" and "-inf".
std::string csv_field(const std::string& text);
inline std::string csv_number(double value) { return std::isnan(value) ? std::string() : format_double(value); }

// Appends the UTF-8 encoding of a Unicode code point (as the readers decode \u escapes).
void append_utf8(std::string& out, std::uint32_t code);

}  // namespace dynaq
