// The JSON tokenizer, the one place that holds the JSON grammar: a cursor over the text that
// knows every token's line and column, so that every error names source:line:column, and that
// reads tokens one at a time. The MDP JSON reader (envs' mdp_json.cpp) drives it with its schema
// and builds no tree, so that its memory stays proportional to the input; read_json
// (json_reader.hpp) builds the summary's small tree on it.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dynaq/errors.hpp"
#include "dynaq/format.hpp"
#include "dynaq/messages.hpp"

namespace dynaq::json_text {

bool is_digit(int c);
bool is_word_char(int c);
// "'x'" for a printable ASCII byte, "byte 0x0c" otherwise.
std::string byte_name(int c);
// Long tokens are cut in messages, so that a message stays one readable line.
std::string excerpt(std::string_view text);

// A place in the text: byte offset, 1-based line, and the offset at which that line starts.
struct Mark {
  std::size_t offset = 0;
  std::size_t line = 1;
  std::size_t line_start = 0;
  std::size_t column() const { return offset - line_start + 1; }
};

// A number token. NaN, Infinity and -Infinity are not JSON, but Python's json.dumps writes
// them: they are read as numbers so that the MDP schema can reject them with a precise message.
// Readers that take no such schema (read_json) must reject them themselves.
struct Number {
  Mark at;
  std::string_view text;
  double value = 0.0;
  bool literal_nonfinite = false;  // NaN, Infinity or -Infinity

  bool finite() const { return !literal_nonfinite && std::isfinite(value); }
  // Integral values written with a fraction or an exponent (3.0, 3e2) count as integers:
  // exports from NumPy float arrays write next states that way.
  bool integral() const { return finite() && value == std::floor(value); }
};

enum class Kind { End, Object, Array, String, True, False, Null, Number, Invalid };

class Cursor {
 public:
  // Errors are InputErrors "source:line:column: message"; with an empty source (a text that the
  // caller names in its own message), "line L, column C: message". Both strings must outlive
  // the cursor.
  Cursor(std::string_view text, const std::string& source) : text_(text), source_(source) {
    // A UTF-8 byte order mark is not part of the JSON text; columns count from after it.
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") here_.offset = here_.line_start = 3;
  }

  [[noreturn]] void fail(const Mark& at, const std::string& message) const {
    if (source_.empty())
      throw InputError("line " + std::to_string(at.line) + ", column " +
                       std::to_string(at.column()) + ": " + message);
    throw InputError(at_position(source_, at.line, at.column(), message));
  }

  // Fails at the next token, saying what was expected and what is there instead:
  // "<expectation>, found <token>", or "unexpected end of input (<expectation>)".
  [[noreturn]] void fail_found(const std::string& expectation) {
    const int c = peek();
    if (c < 0) fail(here_, "unexpected end of input (" + expectation + ")");
    const std::string found = describe_next();
    if (!found.empty()) fail(here_, expectation + ", found " + found);
    if (is_word_char(c))
      fail(here_, "unexpected word \"" + excerpt(word_here()) + "\" (" + expectation + ")");
    fail(here_, "unexpected character " + byte_name(c) + " (" + expectation + ")");
  }

  // Skips whitespace; returns the next byte without consuming it, or -1 at the end.
  int peek() {
    while (here_.offset < text_.size()) {
      const char c = text_[here_.offset];
      if (c == '\n') {
        ++here_.offset;
        ++here_.line;
        here_.line_start = here_.offset;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++here_.offset;
      } else {
        break;
      }
    }
    return here_.offset < text_.size() ? static_cast<unsigned char>(text_[here_.offset]) : -1;
  }

  // Consumes the byte that peek() returned (never a newline).
  void advance() { ++here_.offset; }

  Mark mark() {
    peek();
    return here_;
  }
  // Bytes of text after the cursor.
  std::size_t remaining() const { return text_.size() - here_.offset; }
  void restore(const Mark& mark) { here_ = mark; }

  Kind next_kind() {
    const int c = peek();
    if (c < 0) return Kind::End;
    switch (c) {
      case '{': return Kind::Object;
      case '[': return Kind::Array;
      case '"': return Kind::String;
      case '-': return Kind::Number;
      default: break;
    }
    if (is_digit(c)) return Kind::Number;
    const std::string_view word = word_here();
    if (word == "true") return Kind::True;
    if (word == "false") return Kind::False;
    if (word == "null") return Kind::Null;
    if (word == "NaN" || word == "Infinity") return Kind::Number;
    return Kind::Invalid;
  }

  // After an element of a container: consumes ',' and returns true, or consumes the closing
  // bracket and returns false.
  bool next_or_close(char close, const char* context) {
    const int c = peek();
    if (c == ',') {
      advance();
      return true;
    }
    if (c == static_cast<unsigned char>(close)) {
      advance();
      return false;
    }
    fail_found(std::string("expected ',' or '") + close + "' " + context);
  }

  // Consumes true, false or null (after next_kind() said which).
  void skip_word() { here_.offset += word_here().size(); }

  // Reads an object key and the colon after it.
  Mark read_key(std::string& key) {
    if (peek() != '"') fail_found("expected a key string");
    const Mark at = here_;
    read_string(key);
    if (peek() != ':') fail_found("expected ':' after the key " + json_string(excerpt(key)));
    advance();
    return at;
  }

  void read_string(std::string& out);
  Number read_number();
  // Reads any JSON value and forgets it (unknown keys). Iterative, so that deep nesting
  // cannot exhaust the stack.
  void skip_value();

 private:
  Mark at(std::size_t offset) const { return Mark{offset, here_.line, here_.line_start}; }

  std::string_view word_here() const {
    std::size_t i = here_.offset;
    while (i < text_.size() && is_word_char(static_cast<unsigned char>(text_[i]))) ++i;
    return text_.substr(here_.offset, i - here_.offset);
  }

  // Describes the value that starts at the next token ("the string \"abc\"", "an array",
  // "3.5"), or returns "" if no value starts there. Leaves the cursor where it was.
  std::string describe_next();

  std::size_t read_escape(std::size_t backslash, std::string& out);
  unsigned read_hex4(std::size_t begin);
  [[noreturn]] void fail_in_number(std::size_t offset, const std::string& expected);

  std::string_view text_;
  const std::string& source_;
  Mark here_;
};

}  // namespace dynaq::json_text
