// The strict JSON reader of the result files' summary (json_reader.hpp).
#include "dynaq/json_reader.hpp"

#include <charconv>
#include <stdexcept>
#include <system_error>

#include "dynaq/format.hpp"

namespace dynaq {
namespace {

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : text_(text) {}

  JsonValue read_document() {
    JsonValue value = read_value(0);
    skip_space();
    if (at_ < text_.size()) fail("trailing characters after the top-level value");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(what + " at byte " + std::to_string(at_ + 1));
  }
  void skip_space() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\r' ||
                                  text_[at_] == '\t'))
      ++at_;
  }
  bool take(char c) {
    skip_space();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!take(c)) fail(std::string("expected '") + c + "'");
  }

  JsonValue read_value(int depth) {
    if (depth > 64) fail("nesting deeper than 64 levels");
    skip_space();
    if (at_ >= text_.size()) fail("unexpected end");
    JsonValue value;
    const char c = text_[at_];
    if (c == '{') {
      ++at_;
      value.kind = JsonValue::Kind::kObject;
      if (take('}')) return value;
      do {
        skip_space();
        std::string key = read_string();
        expect(':');
        value.members.emplace_back(std::move(key), read_value(depth + 1));
      } while (take(','));
      expect('}');
    } else if (c == '[') {
      ++at_;
      value.kind = JsonValue::Kind::kArray;
      if (take(']')) return value;
      do value.items.push_back(read_value(depth + 1));
      while (take(','));
      expect(']');
    } else if (c == '"') {
      value.kind = JsonValue::Kind::kString;
      value.text = read_string();
    } else if (text_.substr(at_, 4) == "true" || text_.substr(at_, 5) == "false") {
      value.kind = JsonValue::Kind::kBool;
      value.boolean = c == 't';
      at_ += value.boolean ? 4 : 5;
    } else if (text_.substr(at_, 4) == "null") {
      at_ += 4;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      value.kind = JsonValue::Kind::kNumber;
      const std::size_t begin = at_;
      while (at_ < text_.size() && std::string_view("+-0123456789.eE").find(text_[at_]) != std::string_view::npos)
        ++at_;
      value.text = std::string(text_.substr(begin, at_ - begin));
      double ignored = 0.0;
      const auto result = std::from_chars(value.text.data(), value.text.data() + value.text.size(), ignored);
      if (result.ptr != value.text.data() + value.text.size()) fail("invalid number");
    } else {
      fail("unexpected character");
    }
    return value;
  }

  std::string read_string() {
    if (at_ >= text_.size() || text_[at_] != '"') fail("expected a string");
    ++at_;
    std::string out;
    for (;;) {
      if (at_ >= text_.size()) fail("unterminated string");
      const char c = text_[at_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_ >= text_.size()) fail("unterminated string");
      const char e = text_[at_++];
      switch (e) {
        case '"': case '\\': case '/': out += e; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': append_utf8(out, read_code_point()); break;
        default: fail("invalid escape");
      }
    }
  }

  std::uint32_t read_hex4() {
    if (at_ + 4 > text_.size()) fail("unterminated \\u escape");
    std::uint32_t code = 0;
    const auto result = std::from_chars(text_.data() + at_, text_.data() + at_ + 4, code, 16);
    if (result.ptr != text_.data() + at_ + 4) fail("invalid \\u escape");
    at_ += 4;
    return code;
  }
  std::uint32_t read_code_point() {
    const std::uint32_t code = read_hex4();
    if (code < 0xD800 || code > 0xDBFF) return code;
    if (text_.substr(at_, 2) != "\\u") fail("unpaired surrogate");
    at_ += 2;
    const std::uint32_t low = read_hex4();
    if (low < 0xDC00 || low > 0xDFFF) fail("unpaired surrogate");
    return 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
  }

  std::string_view text_;
  std::size_t at_ = 0;
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

JsonValue read_json(std::string_view text) { return JsonReader(text).read_document(); }

}  // namespace dynaq
