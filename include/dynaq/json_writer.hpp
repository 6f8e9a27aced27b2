// A small streaming JSON writer for the files dynaq writes (summary.json, `dynaq solve --json`,
// the bench report): members and elements are written in call order, numbers in the shortest
// round-trip form of format.hpp (non-finite as null), strings escaped by json_string.
//
// Each object or array is laid out inline ({"a": 1, "b": 2}) or as a block, one member per line
// indented two spaces deeper than its opening line:
//   {
//     "a": 1,
//     "b": [1, 2]
//   }
// so a file's look is chosen where it is written, and its bytes stay stable.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

#include "dynaq/format.hpp"

namespace dynaq {

class JsonWriter {
 public:
  enum class Layout { kInline, kBlock };

  explicit JsonWriter(std::ostream& out) : out_(out) {}
  // A writer whose text will be inserted (raw()) `depth` blocks deep into another's: its blocks
  // are indented as they will stand there.
  JsonWriter(std::ostream& out, std::size_t depth) : out_(out), base_depth_(depth) {}

  // Containers, as a value (after key() or as an array element).
  JsonWriter& begin_object(Layout layout = Layout::kInline) { return open('{', layout); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array(Layout layout = Layout::kInline) { return open('[', layout); }
  JsonWriter& end_array() { return close(']'); }

  // The next member's key; its value follows.
  JsonWriter& key(const std::string& name);

  JsonWriter& value(const std::string& text) { return raw(json_string(text)); }
  JsonWriter& value(const char* text) { return value(std::string(text)); }
  JsonWriter& value(bool flag) { return raw(flag ? "true" : "false"); }
  JsonWriter& value(double number) { return raw(json_number(number)); }
  template <typename Integer, typename = std::enable_if_t<std::is_integral_v<Integer> && !std::is_same_v<Integer, bool>>>
  JsonWriter& value(Integer number) {
    return raw(std::to_string(number));
  }
  JsonWriter& null() { return raw("null"); }
  // Text that is already JSON (a value written elsewhere), inserted as the next value.
  JsonWriter& raw(const std::string& json);

  // key(name).value(v) in one call.
  template <typename Value>
  JsonWriter& member(const std::string& name, const Value& v) {
    key(name);
    return value(v);
  }
  // An inline array of values.
  template <typename Value>
  JsonWriter& member_array(const std::string& name, const std::vector<Value>& values) {
    key(name).begin_array();
    for (const Value& v : values) value(v);
    return end_array();
  }

 private:
  struct Level {
    Layout layout;
    bool empty = true;
  };
  JsonWriter& open(char bracket, Layout layout);
  JsonWriter& close(char bracket);
  // Writes what goes before a value: a separator and, in a block, the new line and indent.
  void before_value();
  void indent(std::size_t depth);

  std::ostream& out_;
  std::vector<Level> levels_;
  std::size_t base_depth_ = 0;
  bool after_key_ = false;
};

}  // namespace dynaq
