// The JSON tokenizer (json_cursor.hpp): message helpers, strings, escapes, numbers, skipping.
#include "dynaq/json_cursor.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <system_error>
#include <vector>

namespace dynaq::json_text {

bool is_digit(int c) { return c >= '0' && c <= '9'; }
bool is_word_char(int c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

std::string byte_name(int c) {
  if (c > 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "byte 0x%02x", static_cast<unsigned>(c));
  return buffer;
}

std::string excerpt(std::string_view text) {
  constexpr std::size_t kLongest = 40;
  if (text.size() <= kLongest) return std::string(text);
  return std::string(text.substr(0, kLongest)) + "...";
}

namespace {

// The decimal exponent of the first nonzero digit of a JSON number (1 for "12.5", -3 for
// "0.002", 999 for "1e999"); used only to tell overflow from underflow.
long leading_exponent(std::string_view text) {
  std::size_t i = (text[0] == '-') ? 1 : 0;
  const std::size_t int_begin = i;
  while (i < text.size() && is_digit(text[i])) ++i;
  const std::size_t int_end = i;
  long lead = 0;
  bool found = false;
  for (std::size_t k = int_begin; k < int_end && !found; ++k) {
    if (text[k] != '0') {
      lead = static_cast<long>(int_end - k) - 1;
      found = true;
    }
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    for (long place = -1; i < text.size() && is_digit(text[i]); ++i, --place) {
      if (!found && text[i] != '0') {
        lead = place;
        found = true;
      }
    }
  }
  long exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative = false;
    if (text[i] == '+' || text[i] == '-') negative = text[i++] == '-';
    for (; i < text.size(); ++i) exponent = std::min(exponent * 10 + (text[i] - '0'), 1000000L);
    if (negative) exponent = -exponent;
  }
  return lead + exponent;
}

// The double nearest to a JSON number's text. std::from_chars is exact and ignores the locale,
// but leaves its output untouched when the value is out of range: overflow becomes infinity
// and underflow zero, as strtod would give.
double decimal_value(std::string_view text) {
  double value = 0.0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec == std::errc::result_out_of_range) {
    value = leading_exponent(text) > 0 ? std::numeric_limits<double>::infinity() : 0.0;
    if (text[0] == '-') value = -value;
  }
  return value;
}

}  // namespace

std::string Cursor::describe_next() {
  const Mark saved = here_;
  std::string description;
  switch (next_kind()) {
    case Kind::Object: description = "an object"; break;
    case Kind::Array: description = "an array"; break;
    case Kind::True: description = "true"; break;
    case Kind::False: description = "false"; break;
    case Kind::Null: description = "null"; break;
    case Kind::String: {
      std::string text;
      read_string(text);
      description = "the string " + json_string(excerpt(text));
      break;
    }
    case Kind::Number: description = excerpt(read_number().text); break;
    case Kind::End:
    case Kind::Invalid: break;
  }
  here_ = saved;
  return description;
}

void Cursor::read_string(std::string& out) {
  const Mark start = here_;  // at the opening quote
  out.clear();
  std::size_t i = here_.offset + 1;
  for (;;) {
    std::size_t run = i;
    while (run < text_.size()) {
      const unsigned char c = text_[run];
      if (c == '"' || c == '\\' || c < 0x20) break;
      ++run;
    }
    out.append(text_.data() + i, run - i);
    i = run;
    if (i >= text_.size())
      fail(at(i), "unexpected end of input: unterminated string (it starts at line " +
                      std::to_string(start.line) + ", column " + std::to_string(start.column()) +
                      ")");
    const unsigned char c = text_[i];
    if (c == '"') {
      here_.offset = i + 1;
      return;
    }
    if (c == '\\') {
      i = read_escape(i, out);
    } else if (c == '\n' || c == '\r') {
      // JSON strings cannot span lines, so the quote that opened this one is the likely fault.
      fail(start, "unterminated string: no closing '\"' before the end of the line");
    } else {
      fail(at(i), "control character " + byte_name(c) +
                      " in a string (write it as an escape such as \\n or \\u001f)");
    }
  }
}

unsigned Cursor::read_hex4(std::size_t begin) {
  unsigned code = 0;
  for (std::size_t i = begin; i < begin + 4; ++i) {
    if (i >= text_.size()) fail(at(i), "unexpected end of input in a \\u escape");
    const char c = text_[i];
    unsigned digit;
    if (is_digit(c)) {
      digit = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<unsigned>(c - 'A' + 10);
    } else {
      fail(at(i), "invalid \\u escape: expected 4 hexadecimal digits, found " +
                      byte_name(static_cast<unsigned char>(c)));
    }
    code = code * 16 + digit;
  }
  return code;
}

// Decodes the escape at `backslash`, appends it as UTF-8, and returns the offset after it.
std::size_t Cursor::read_escape(std::size_t backslash, std::string& out) {
  const std::size_t i = backslash + 1;
  if (i >= text_.size()) fail(at(i), "unexpected end of input in a string escape");
  const char c = text_[i];
  switch (c) {
    case '"':
    case '\\':
    case '/': out += c; return i + 1;
    case 'b': out += '\b'; return i + 1;
    case 'f': out += '\f'; return i + 1;
    case 'n': out += '\n'; return i + 1;
    case 'r': out += '\r'; return i + 1;
    case 't': out += '\t'; return i + 1;
    case 'u': break;
    default: {
      const unsigned char byte = static_cast<unsigned char>(c);
      const std::string escape = byte > 0x20 && byte < 0x7f
                                     ? "\\" + std::string(1, c)
                                     : "(a backslash and " + byte_name(byte) + ")";
      fail(at(backslash), "invalid escape " + escape +
                              " in a string (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
    }
  }
  std::uint32_t code = read_hex4(i + 1);
  std::size_t end = i + 5;
  if (code >= 0xDC00 && code <= 0xDFFF)
    fail(at(backslash), "invalid \\u escape: a low surrogate with no high surrogate before it");
  if (code >= 0xD800 && code <= 0xDBFF) {
    // UTF-16 surrogate pair: characters beyond U+FFFF are written as two escapes.
    if (end + 1 >= text_.size() || text_[end] != '\\' || text_[end + 1] != 'u')
      fail(at(backslash),
           "invalid \\u escape: a high surrogate must be followed by a \\u escape "
           "of a low surrogate");
    const std::uint32_t low = read_hex4(end + 2);
    if (low < 0xDC00 || low > 0xDFFF)
      fail(at(end),
           "invalid \\u escape: expected a low surrogate (\\uDC00 to \\uDFFF) after "
           "a high surrogate");
    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    end += 6;
  }
  append_utf8(out, code);
  return end;
}

void Cursor::fail_in_number(std::size_t offset, const std::string& expected) {
  if (offset >= text_.size())
    fail(at(offset), "unexpected end of input in a number (expected " + expected + ")");
  fail(at(offset), "invalid number: expected " + expected + ", found " +
                       byte_name(static_cast<unsigned char>(text_[offset])));
}

Number Cursor::read_number() {
  Number number;
  number.at = mark();
  const std::size_t begin = here_.offset;
  std::size_t i = begin;
  const auto digit_at = [&](std::size_t k) { return k < text_.size() && is_digit(text_[k]); };
  const bool negative = text_[i] == '-';
  if (negative) ++i;
  const std::string_view rest = text_.substr(i);
  const bool infinity = rest.substr(0, 8) == "Infinity";
  if (infinity || (!negative && rest.substr(0, 3) == "NaN")) {
    i += infinity ? 8 : 3;
    number.literal_nonfinite = true;
    number.value = infinity ? std::numeric_limits<double>::infinity()
                            : std::numeric_limits<double>::quiet_NaN();
    if (negative) number.value = -number.value;
  } else {
    if (digit_at(i) && text_[i] == '0') {
      ++i;
      if (digit_at(i)) fail(number.at, "invalid number: leading zeros are not allowed");
    } else if (digit_at(i)) {
      while (digit_at(i)) ++i;
    } else {
      fail_in_number(i, "a digit after '-'");
    }
    if (i < text_.size() && text_[i] == '.') {
      ++i;
      if (!digit_at(i)) fail_in_number(i, "a digit after the decimal point");
      while (digit_at(i)) ++i;
    }
    if (i < text_.size() && (text_[i] == 'e' || text_[i] == 'E')) {
      ++i;
      if (i < text_.size() && (text_[i] == '+' || text_[i] == '-')) ++i;
      if (!digit_at(i)) fail_in_number(i, "a digit in the exponent");
      while (digit_at(i)) ++i;
    }
    number.value = decimal_value(text_.substr(begin, i - begin));
  }
  number.text = text_.substr(begin, i - begin);
  here_.offset = i;
  return number;
}

void Cursor::skip_value() {
  std::vector<char> closers;  // of the containers the value being skipped has open
  std::string scratch;
  for (;;) {
    switch (next_kind()) {
      case Kind::Object:
        advance();
        if (peek() == '}') {
          advance();
          break;
        }
        closers.push_back('}');
        read_key(scratch);
        continue;  // to the member's value
      case Kind::Array:
        advance();
        if (peek() == ']') {
          advance();
          break;
        }
        closers.push_back(']');
        continue;  // to the first element
      case Kind::String: read_string(scratch); break;
      case Kind::Number: read_number(); break;
      case Kind::True:
      case Kind::False:
      case Kind::Null: skip_word(); break;
      case Kind::End:
      case Kind::Invalid: fail_found("expected a value");
    }
    // A value is complete: close the containers it completes, then go on to the next element.
    for (;;) {
      if (closers.empty()) return;
      const char close = closers.back();
      if (next_or_close(close,
                        close == '}' ? "after an object member" : "after an array element")) {
        if (close == '}') read_key(scratch);
        break;
      }
      closers.pop_back();
    }
  }
}

}  // namespace dynaq::json_text
