// A small strict JSON reader for the summary that seals result files (result_files.hpp): the
// caller's object is read when it is sealed, the whole summary when a folder is verified
// (result_check.hpp). It reads a document into a tree whose objects keep their members in file
// order, because the seal's "complete" must be the last member. The grammar is the tokenizer's
// (json_cursor.hpp), which the MDP JSON reader drives without a tree.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dynaq {

struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;  // a string's value, or a number's literal text
  std::vector<JsonValue> items;
  std::vector<std::pair<std::string, JsonValue>> members;

  // The member named `key`, or null.
  const JsonValue* find(std::string_view key) const;
  // A non-negative integer literal, or false.
  bool as_count(std::uint64_t& value) const;
};

// Reads one JSON document, nested up to 64 levels deep below the top-level value. NaN and
// Infinity are refused, as every other text that is not JSON. Throws InputError (errors.hpp)
// "line L, column C: what is wrong"; the caller names the text.
JsonValue read_json(std::string_view text);

}  // namespace dynaq
