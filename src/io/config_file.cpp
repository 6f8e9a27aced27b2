// The TOML subset reader of config_file.hpp: a hand-written scanner that knows the line and
// column of every character, so that each error points at the character at fault.
#include "dynaq/config_file.hpp"

#include <cstdint>
#include <cstdio>

#include "dynaq/errors.hpp"
#include "dynaq/format.hpp"
#include "dynaq/messages.hpp"
#include "dynaq/text_file.hpp"

namespace dynaq {

const char* ConfigValue::type_name() const {
  switch (type) {
    case Type::kString: return "a string";
    case Type::kInteger: return "an integer";
    case Type::kFloat: return "a float";
    case Type::kBoolean: return "a boolean";
    case Type::kArray: return "an array";
  }
  return "a value";
}

const ConfigEntry* ConfigDocument::find(const std::string& key) const {
  for (const ConfigEntry& entry : entries)
    if (entry.key == key) return &entry;
  return nullptr;
}

namespace {

bool is_bare_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string shown(char c) {
  if (c >= 0x20 && c < 0x7F) return std::string("'") + c + "'";
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "byte 0x%02X", static_cast<unsigned char>(c));
  return buffer;
}

class Parser {
 public:
  Parser(std::string_view text, const std::string& source) : text_(text), source_(source) {
    // A UTF-8 byte order mark is not part of the document.
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") text_.remove_prefix(3);
  }

  ConfigDocument parse() {
    ConfigDocument document;
    document.source = source_;
    bool seen_run_table = false;
    while (!at_end()) {
      skip_blanks();
      if (at_end()) break;
      const char c = peek();
      if (c == '#') {
        skip_comment();
      } else if (c == '\n' || c == '\r') {
        // an empty line
      } else if (c == '[') {
        const std::size_t line = line_, column = column_;
        advance();
        skip_blanks();
        if (!at_end() && peek() == '[') fail("arrays of tables ([[...]]) are not supported; the only table is [run]");
        const std::string name = parse_key();
        skip_blanks();
        expect(']', "expected ']' to close the table header");
        if (name != "run")
          fail_at(line, column, "unknown table [" + name + "]; the only table is [run] (its keys may also stand at the top of the file)");
        if (seen_run_table) fail_at(line, column, "the table [run] is given twice");
        seen_run_table = true;
      } else {
        ConfigEntry entry;
        entry.line = line_;
        entry.column = column_;
        entry.key = parse_key();
        skip_blanks();
        if (!at_end() && peek() == '.') fail("dotted keys are not supported; write one key per line");
        expect('=', "expected '=' after the key '" + entry.key + "'");
        skip_blanks();
        entry.value = parse_value();
        for (const ConfigEntry& earlier : document.entries)
          if (earlier.key == entry.key)
            fail_at(entry.line, entry.column,
                    "the key '" + entry.key + "' is given twice (first at line " + std::to_string(earlier.line) + ")");
        document.entries.push_back(std::move(entry));
      }
      end_line();
    }
    return document;
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek(std::size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }
  bool peek_is(std::string_view word) const { return text_.substr(pos_, word.size()) == word; }

  void advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
    ++pos_;
  }

  [[noreturn]] void fail_at(std::size_t line, std::size_t column, const std::string& message) const {
    throw InputError(at_position(source_, line, column, message));
  }
  [[noreturn]] void fail(const std::string& message) const { fail_at(line_, column_, message); }

  void expect(char c, const std::string& message) {
    if (at_end() || peek() != c) fail(message + (at_end() ? " (found the end of the file)" : ", found " + shown(peek())));
    advance();
  }

  // TOML forbids control characters other than tab outside of line ends.
  void check_character(char c) const {
    const unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7F) fail("control character (" + shown(c) + ") is not allowed here");
  }

  void skip_blanks() {
    while (!at_end() && (peek() == ' ' || peek() == '\t')) advance();
  }
  void skip_comment() {
    while (!at_end() && peek() != '\n') {
      if (peek() == '\r' && peek(1) == '\n') break;
      check_character(peek());
      advance();
    }
  }
  // Blanks, comments and line ends, as arrays allow between their elements.
  void skip_blanks_and_lines() {
    while (!at_end()) {
      const char c = peek();
      if (c == ' ' || c == '\t' || c == '\n') advance();
      else if (c == '\r' && peek(1) == '\n') advance();
      else if (c == '#') skip_comment();
      else break;
    }
  }
  // After a header or key = value: blanks, maybe a comment, then the end of the line.
  void end_line() {
    skip_blanks();
    if (at_end()) return;
    if (peek() == '#') skip_comment();
    if (at_end()) return;
    if (peek() == '\r' && peek(1) == '\n') advance();
    if (peek() != '\n') fail("expected the end of the line, found " + shown(peek()));
    advance();
  }

  std::string parse_key() {
    if (at_end()) fail("expected a key, found the end of the file");
    const char c = peek();
    if (c == '"' || c == '\'') {
      if (peek_is("\"\"\"") || peek_is("'''")) fail("multi-line strings are not supported as keys");
      std::string key = c == '"' ? parse_basic_string() : parse_literal_string();
      if (key.empty()) fail("empty keys are not supported");
      return key;
    }
    std::string key;
    while (!at_end() && is_bare_key_char(peek())) {
      key += peek();
      advance();
    }
    if (key.empty()) fail("expected a key (letters, digits, '_' or '-'), found " + shown(c));
    return key;
  }

  std::string parse_basic_string() {
    const std::size_t line = line_, column = column_;
    advance();  // the opening quote
    std::string out;
    while (true) {
      if (at_end() || peek() == '\n') fail_at(line, column, "this string is not closed on its line");
      const char c = peek();
      if (c == '"') {
        advance();
        return out;
      }
      if (c == '\\') {
        advance();
        if (at_end()) fail_at(line, column, "this string is not closed on its line");
        const char e = peek();
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case 'b': out += '\b'; break;
          case 't': out += '\t'; break;
          case 'n': out += '\n'; break;
          case 'f': out += '\f'; break;
          case 'r': out += '\r'; break;
          case 'u':
          case 'U': {
            const std::size_t digits = e == 'u' ? 4 : 8;
            std::uint32_t code = 0;
            for (std::size_t k = 1; k <= digits; ++k) {
              const char h = peek(k);
              std::uint32_t v;
              if (h >= '0' && h <= '9') v = h - '0';
              else if (h >= 'a' && h <= 'f') v = h - 'a' + 10;
              else if (h >= 'A' && h <= 'F') v = h - 'A' + 10;
              else fail(std::string("\\") + e + " needs " + std::to_string(digits) + " hexadecimal digits");
              code = code * 16 + v;
            }
            if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
              fail(std::string("\\") + e + " escape is not a Unicode scalar value");
            for (std::size_t k = 0; k < digits; ++k) advance();
            append_utf8(out, code);
            break;
          }
          default: fail("unknown escape \\" + std::string(1, e) + " in a string");
        }
        advance();
        continue;
      }
      check_character(c);
      out += c;
      advance();
    }
  }

  std::string parse_literal_string() {
    const std::size_t line = line_, column = column_;
    advance();
    std::string out;
    while (true) {
      if (at_end() || peek() == '\n') fail_at(line, column, "this string is not closed on its line");
      const char c = peek();
      if (c == '\'') {
        advance();
        return out;
      }
      check_character(c);
      out += c;
      advance();
    }
  }

  ConfigValue parse_value() {
    ConfigValue value;
    value.line = line_;
    value.column = column_;
    if (at_end() || peek() == '\n' || peek() == '\r' || peek() == '#') fail("expected a value after '='");
    const char c = peek();
    if (c == '"' || c == '\'') {
      if (peek_is("\"\"\"") || peek_is("'''")) fail("multi-line strings are not supported");
      value.type = ConfigValue::Type::kString;
      value.text = c == '"' ? parse_basic_string() : parse_literal_string();
    } else if (c == '[') {
      value.type = ConfigValue::Type::kArray;
      advance();
      while (true) {
        skip_blanks_and_lines();
        if (at_end()) fail_at(value.line, value.column, "this array is not closed");
        if (peek() == ']') {
          advance();
          break;
        }
        if (peek() == '[') fail("nested arrays are not supported");
        value.items.push_back(parse_value());
        skip_blanks_and_lines();
        if (at_end()) fail_at(value.line, value.column, "this array is not closed");
        if (peek() == ',') {
          advance();
        } else if (peek() != ']') {
          fail("expected ',' or ']' in the array, found " + shown(peek()));
        }
      }
    } else if (c == '{') {
      fail("inline tables are not supported");
    } else if (peek_is("true") && !is_bare_key_char(peek(4))) {
      value.type = ConfigValue::Type::kBoolean;
      value.text = "true";
      for (int k = 0; k < 4; ++k) advance();
    } else if (peek_is("false") && !is_bare_key_char(peek(5))) {
      value.type = ConfigValue::Type::kBoolean;
      value.text = "false";
      for (int k = 0; k < 5; ++k) advance();
    } else if (c == '+' || c == '-' || is_digit(c) || peek_is("inf") || peek_is("nan")) {
      parse_number(value);
    } else if (is_bare_key_char(c)) {
      std::string word;
      for (std::size_t k = 0; is_bare_key_char(peek(k)) || peek(k) == '.' || peek(k) == ':'; ++k) word += peek(k);
      fail("'" + word + "' is not a value: strings need quotes, as in \"" + word + "\"");
    } else {
      fail("expected a value (a string, a number, true, false or an array), found " + shown(c));
    }
    return value;
  }

  // Digits with single '_' between them; returns them without the underscores.
  std::string digits(const char* what) {
    std::string out;
    if (!is_digit(peek())) fail(std::string("expected a digit in ") + what + ", found " + shown(peek()));
    while (true) {
      if (is_digit(peek())) {
        out += peek();
        advance();
      } else if (peek() == '_' && is_digit(peek(1)) && !out.empty()) {
        advance();
      } else {
        break;
      }
    }
    return out;
  }

  void parse_number(ConfigValue& value) {
    std::string text;
    if (peek() == '+' || peek() == '-') {
      if (peek() == '-') text += '-';
      advance();
    }
    if (peek_is("inf") || peek_is("nan")) {
      text += text_.substr(pos_, 3);
      for (int k = 0; k < 3; ++k) advance();
      value.type = ConfigValue::Type::kFloat;
      value.text = text;
      if (!at_end() && is_bare_key_char(peek())) fail("unexpected " + shown(peek()) + " after the number");
      return;
    }
    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'o' || peek(1) == 'b'))
      fail("hexadecimal, octal and binary integers are not supported; write the number in decimal");
    const std::size_t start_column = column_;
    const std::string whole = digits("a number");
    if (whole.size() > 1 && whole[0] == '0') fail_at(line_, start_column, "leading zeros are not allowed in TOML numbers");
    text += whole;
    value.type = ConfigValue::Type::kInteger;
    if (peek() == '.') {
      advance();
      text += '.' + digits("the fraction");
      value.type = ConfigValue::Type::kFloat;
    }
    if (peek() == 'e' || peek() == 'E') {
      advance();
      text += 'e';
      if (peek() == '+' || peek() == '-') {
        text += peek();
        advance();
      }
      text += digits("the exponent");
      value.type = ConfigValue::Type::kFloat;
    }
    if (peek() == '-' || peek() == ':') fail("dates and times are not supported");
    if (!at_end() && (is_bare_key_char(peek()) || peek() == '.'))
      fail("unexpected " + shown(peek()) + " after the number");
    value.text = text;
  }

  std::string_view text_;
  const std::string& source_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t column_ = 1;
};

}  // namespace

ConfigDocument parse_config_text(std::string_view text, const std::string& source) {
  return Parser(text, source).parse();
}

ConfigDocument read_config_file(const std::string& path) {
  std::string text;
  try {
    text = read_text_file(path, kMaxConfigFileBytes, [&](const std::string& size) {
      return InputError(path + ": the file is " + size + "; a config file may have " + format_bytes(kMaxConfigFileBytes));
    });
  } catch (const InputError& e) {
    throw InputError(std::string("--config ") + e.what());
  }
  return parse_config_text(text, path);
}

std::string toml_string(const std::string& text) { return json_string(text); }

}  // namespace dynaq
