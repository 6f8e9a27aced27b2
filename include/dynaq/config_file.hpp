// Config files: the small part of TOML 1.0 that a sweep needs, read with the position of
// every key and value so that each error says file:line:column.
//
// Accepted:
//   key = value        bare keys (A-Z a-z 0-9 _ -) or quoted keys, one per line
//   # comment          anywhere outside a string, to the end of the line
//   [run]              an optional table header; keys before it and after it are the same keys
// Values:
//   "basic string"     with the escapes \" \\ \b \t \n \f \r \uXXXX \UXXXXXXXX
//   'literal string'   taken as written
//   42, -7, 1_000      decimal integers (no leading zeros)
//   0.1, 1e-3, -2.5E2, inf, nan   floats
//   true, false
//   [1, 2, 3]          arrays of the above, which may span lines, hold comments and end with
//                      a comma
// Refused, each with its own message: other tables, dotted keys, inline tables, nested
// arrays, multi-line strings, dates, hexadecimal, octal and binary integers, a key given twice,
// and control characters. What the keys mean is for the caller (the run command checks them
// against its options).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dynaq {

struct ConfigValue {
  enum class Type { kString, kInteger, kFloat, kBoolean, kArray };
  Type type = Type::kString;
  // kString: the string's value; kInteger and kFloat: the number as written less '_' and a
  // leading '+'; kBoolean: "true" or "false"; kArray: empty.
  std::string text;
  std::vector<ConfigValue> items;  // kArray: its elements (never arrays themselves)
  std::size_t line = 0;            // where the value starts, from 1
  std::size_t column = 0;          // in bytes, from 1

  const char* type_name() const;  // "a string", "an integer", ...
};

struct ConfigEntry {
  std::string key;
  std::size_t line = 0;
  std::size_t column = 0;
  ConfigValue value;
};

struct ConfigDocument {
  std::string source;                // the file name used in messages
  std::vector<ConfigEntry> entries;  // in file order

  const ConfigEntry* find(const std::string& key) const;
};

// Parses `text`; errors are InputErrors "source:line:column: message". A pure function of its
// arguments, for fuzzing as well as for files.
ConfigDocument parse_config_text(std::string_view text, const std::string& source);

// Reads and parses a file; an unreadable file is an InputError naming it.
// The largest config file read_config_file reads: dynaq's own are a few kilobytes.
constexpr std::uint64_t kMaxConfigFileBytes = std::uint64_t{1} << 20;
ConfigDocument read_config_file(const std::string& path);

// `text` as a TOML basic string, quoted and escaped (the same escapes as json_string).
std::string toml_string(const std::string& text);

}  // namespace dynaq
