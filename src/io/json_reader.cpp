// The strict JSON reader of the result files' summary (json_reader.hpp): a tree built from the
// tokens of json_cursor.hpp, which holds the grammar.
#include "dynaq/json_reader.hpp"

#include <charconv>
#include <system_error>

#include "dynaq/json_cursor.hpp"

namespace dynaq {
namespace {

constexpr int kMaxDepth = 64;

class TreeBuilder {
 public:
  explicit TreeBuilder(std::string_view text) : cursor_(text, no_source_) {}

  JsonValue read_document() {
    JsonValue value = read_value(0);
    const int trailing = cursor_.peek();
    if (trailing >= 0)
      cursor_.fail(cursor_.mark(), "trailing characters after the top-level value, starting with " +
                                       json_text::byte_name(trailing));
    return value;
  }

 private:
  // Recursive, with the depth bounded, so that the stack is too.
  JsonValue read_value(int depth) {
    using json_text::Kind;
    if (depth > kMaxDepth) cursor_.fail(cursor_.mark(), "nesting deeper than 64 levels");
    JsonValue value;
    const Kind kind = cursor_.next_kind();
    switch (kind) {
      case Kind::Object:
        value.kind = JsonValue::Kind::kObject;
        cursor_.advance();
        if (cursor_.peek() == '}') {
          cursor_.advance();
          break;
        }
        do {
          std::string key;
          cursor_.read_key(key);
          value.members.emplace_back(std::move(key), read_value(depth + 1));
        } while (cursor_.next_or_close('}', "after an object member"));
        break;
      case Kind::Array:
        value.kind = JsonValue::Kind::kArray;
        cursor_.advance();
        if (cursor_.peek() == ']') {
          cursor_.advance();
          break;
        }
        do value.items.push_back(read_value(depth + 1));
        while (cursor_.next_or_close(']', "after an array element"));
        break;
      case Kind::String:
        value.kind = JsonValue::Kind::kString;
        cursor_.read_string(value.text);
        break;
      case Kind::True:
      case Kind::False:
        value.kind = JsonValue::Kind::kBool;
        value.boolean = kind == Kind::True;
        cursor_.skip_word();
        break;
      case Kind::Null: cursor_.skip_word(); break;
      case Kind::Number: {
        const json_text::Number number = cursor_.read_number();
        if (number.literal_nonfinite)
          cursor_.fail(number.at, std::string(number.text) +
                                      " is not a JSON number (JSON has no NaN or infinity)");
        value.kind = JsonValue::Kind::kNumber;
        value.text = std::string(number.text);
        break;
      }
      case Kind::End:
      case Kind::Invalid: cursor_.fail_found("expected a value");
    }
    return value;
  }

  const std::string no_source_;  // the caller names the text (json_reader.hpp)
  json_text::Cursor cursor_;
};

}  // namespace

const JsonValue* JsonValue::find(std::string_view key) const {
  for (const auto& member : members)
    if (member.first == key) return &member.second;
  return nullptr;
}

bool JsonValue::as_count(std::uint64_t& value) const {
  if (kind != Kind::kNumber) return false;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

JsonValue read_json(std::string_view text) { return TreeBuilder(text).read_document(); }

}  // namespace dynaq
