// The tabular MDP JSON reader and writer (the format is described in mdp_json.hpp).
//
// The reader is a hand-written JSON tokenizer driven by the schema: it reads P straight into an
// MdpBuilder rather than into a document tree, so that memory stays proportional to the MDP
// (a million states load fine), and it knows every token's line and column, so that every
// error names source:line:column. It checks everything MdpBuilder would check before handing
// the data over, because MdpBuilder's own errors cannot say where in the file the fault is.
#include "dynaq/mdp_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>
#include <system_error>
#include <unordered_set>
#include <vector>

#include "dynaq/errors.hpp"
#include "dynaq/format.hpp"
#include "dynaq/messages.hpp"
#include "dynaq/text_file.hpp"

namespace dynaq {
namespace {

// ---------------------------------------------------------------------------------------------
// Small helpers for messages.

bool is_digit(int c) { return c >= '0' && c <= '9'; }
bool is_word_char(int c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// "'x'" for a printable ASCII byte, "byte 0x0c" otherwise.
std::string byte_name(int c) {
  if (c > 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "byte 0x%02x", static_cast<unsigned>(c));
  return buffer;
}

// Long tokens are cut in messages, so that a message stays one readable line.
std::string excerpt(std::string_view text) {
  constexpr std::size_t kLongest = 40;
  if (text.size() <= kLongest) return std::string(text);
  return std::string(text.substr(0, kLongest)) + "...";
}

// "1 state", "2 states"; "1 entry", "2 entries".
std::string count_of(std::size_t n, const char* noun, const char* plural = nullptr) {
  if (n == 1) return "1 " + std::string(noun);
  return std::to_string(n) + " " + (plural ? std::string(plural) : std::string(noun) + "s");
}

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

// ---------------------------------------------------------------------------------------------
// The tokenizer.

// A place in the text: byte offset, 1-based line, and the offset at which that line starts.
struct Mark {
  std::size_t offset = 0;
  std::size_t line = 1;
  std::size_t line_start = 0;
  std::size_t column() const { return offset - line_start + 1; }
};

// A number token. NaN, Infinity and -Infinity are not JSON, but Python's json.dumps writes
// them: they are read as numbers so that the schema can reject them with a precise message.
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
  Cursor(std::string_view text, const std::string& source) : text_(text), source_(source) {
    // A UTF-8 byte order mark is not part of the JSON text; columns count from after it.
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") here_.offset = here_.line_start = 3;
  }

  [[noreturn]] void fail(const Mark& at, const std::string& message) const {
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

// ---------------------------------------------------------------------------------------------
// The schema.

// The keys of an object-form P or P[s] read so far: for duplicates and the first missing key.
// A bitmap of `count` bits when the rest of the text could hold that many entries (each takes
// several bytes), a hash set of the keys read otherwise: an object whose n_states is huge but
// whose text is short must not cost n_states bits (a fuzzing regression: 256 MiB for a
// 50-byte file), so memory stays proportional to the input.
class SeenKeys {
 public:
  SeenKeys(std::uint32_t count, std::size_t bytes_left) : dense_(count <= bytes_left) {
    if (dense_) bits_.assign(count, false);
  }
  // False when `index` was already seen.
  bool insert(std::uint32_t index) {
    if (!dense_) return sparse_.insert(index).second;
    if (bits_[index]) return false;
    bits_[index] = true;
    return true;
  }
  bool contains(std::uint32_t index) const {
    return dense_ ? bits_[index] : sparse_.count(index) > 0;
  }

 private:
  bool dense_;
  std::vector<bool> bits_;
  std::unordered_set<std::uint32_t> sparse_;
};

// Canonical decimal keys "0", "1", ... below `count`, as json.dumps writes Gymnasium's dict P.
bool parse_index_key(const std::string& key, std::uint32_t count, std::uint32_t& index) {
  if (key.empty() || key.size() > 10 || (key.size() > 1 && key[0] == '0')) return false;
  std::uint64_t value = 0;
  for (char c : key) {
    if (!is_digit(c)) return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value >= count) return false;
  index = static_cast<std::uint32_t>(value);
  return true;
}

std::string pair_name(std::uint32_t state, std::uint32_t action) {
  return "P[" + std::to_string(state) + "][" + std::to_string(action) + "]";
}

// The smallest magnitude that float32 rounds to infinity: FLT_MAX plus half its last place.
constexpr double kFloatOverflow = 0x1.ffffffp127;

// What the reader produces: every table checked and handed to the builder, not yet built.
// load_mdp_json_file frees the text before building, so that the text, the builder's pending
// outcomes and the built tables are never all in memory at once.
struct ParsedMdpJson {
  MdpBuilder builder;
  std::string name;

  TabularMdp build() && {
    TabularMdp mdp = builder.build();
    mdp.name = std::move(name);
    return mdp;
  }
};

class MdpJsonReader {
 public:
  MdpJsonReader(std::string_view text, const std::string& source)
      : cursor_(text, source), source_(source) {}

  ParsedMdpJson read();

 private:
  void read_member(const std::string& key, const Mark& key_at);
  std::uint32_t read_count(const char* key);
  void check_pair_count(const Mark& at);
  void read_initial_distribution();
  void read_max_episode_steps();
  void check_after_object();

  // P and its parts.
  void read_p();
  template <class ReadEntry>
  void read_indexed(std::optional<std::uint32_t> state, ReadEntry&& read_entry);
  void read_pair(std::uint32_t state, std::uint32_t action);
  double read_outcome(std::uint32_t state, std::uint32_t action);
  Number read_outcome_number(const Mark& open, int element, std::uint32_t state,
                             std::uint32_t action, const char* what);
  void outcome_separator(const Mark& open, int elements, std::uint32_t state, std::uint32_t action);
  [[noreturn]] void fail_arity(const Mark& open, const std::string& count, std::uint32_t state,
                               std::uint32_t action);

  Cursor cursor_;
  const std::string& source_;
  Mark object_at_;

  // Each known key, once read.
  std::optional<std::string> name_;
  std::optional<std::uint32_t> n_states_;
  std::optional<std::uint32_t> n_actions_;
  std::optional<Mark> initial_at_;  // the '[' of initial_state_distribution
  std::vector<double> initial_;
  bool max_steps_seen_ = false;
  std::uint32_t max_episode_steps_ = 0;
  std::optional<Mark> p_at_;
  bool p_read_ = false;

  std::optional<MdpBuilder> builder_;
};

ParsedMdpJson MdpJsonReader::read() {
  const int first = cursor_.peek();
  if (first < 0)
    cursor_.fail(cursor_.mark(), "empty input: expected a JSON object describing a tabular MDP");
  if (first != '{')
    cursor_.fail_found(
        "expected a JSON object {\"name\": ..., \"n_states\": ..., ...} at the top level");
  object_at_ = cursor_.mark();
  cursor_.advance();
  if (cursor_.peek() == '}') {
    cursor_.advance();
  } else {
    std::string key;
    do {
      const Mark key_at = cursor_.read_key(key);
      read_member(key, key_at);
    } while (cursor_.next_or_close('}', "after a member of the top-level object"));
  }
  const int trailing = cursor_.peek();
  if (trailing >= 0)
    cursor_.fail(cursor_.mark(), "trailing characters after the top-level object, starting with " +
                                     byte_name(trailing));
  check_after_object();

  // P came before n_states or n_actions: it was checked for syntax only; read it now.
  if (!p_read_) {
    cursor_.restore(*p_at_);
    read_p();
  }
  builder_->set_initial_distribution(std::move(initial_));
  builder_->set_max_episode_steps(max_episode_steps_);
  return ParsedMdpJson{std::move(*builder_), std::move(*name_)};
}

void MdpJsonReader::read_member(const std::string& key, const Mark& key_at) {
  const auto once = [&](bool seen) {
    if (seen) cursor_.fail(key_at, "duplicate key " + json_string(key));
  };
  if (key == "name") {
    once(name_.has_value());
    if (cursor_.next_kind() != Kind::String) cursor_.fail_found("name must be a string");
    name_.emplace();
    cursor_.read_string(*name_);
  } else if (key == "n_states") {
    once(n_states_.has_value());
    const Mark at = cursor_.mark();
    n_states_ = read_count("n_states");
    check_pair_count(at);
  } else if (key == "n_actions") {
    once(n_actions_.has_value());
    const Mark at = cursor_.mark();
    n_actions_ = read_count("n_actions");
    check_pair_count(at);
  } else if (key == "initial_state_distribution") {
    once(initial_at_.has_value());
    read_initial_distribution();
  } else if (key == "max_episode_steps") {
    once(max_steps_seen_);
    max_steps_seen_ = true;
    read_max_episode_steps();
  } else if (key == "P") {
    once(p_at_.has_value());
    p_at_ = cursor_.mark();
    // Read P into the builder as it streams past when its sizes are known (the usual order);
    // otherwise check its syntax now and read it again once they are: reading the text twice
    // costs less than holding every outcome with its position.
    if (n_states_ && n_actions_) {
      read_p();
    } else {
      cursor_.skip_value();
    }
  } else {
    cursor_.skip_value();  // metadata that exports may carry
  }
}

std::uint32_t MdpJsonReader::read_count(const char* key) {
  const std::string expectation = std::string(key) + " must be a positive integer";
  if (cursor_.next_kind() != Kind::Number) cursor_.fail_found(expectation);
  const Number number = cursor_.read_number();
  if (!number.integral() || number.value < 1)
    cursor_.fail(number.at, expectation + ", found " + excerpt(number.text));
  if (number.value > kMaxStates)
    cursor_.fail(number.at, std::string(key) + " must be at most " + std::to_string(kMaxStates) +
                                ", found " + excerpt(number.text));
  return static_cast<std::uint32_t>(number.value);
}

// Checked as soon as both counts are known, because MdpBuilder checks it without a position.
void MdpJsonReader::check_pair_count(const Mark& at) {
  if (!n_states_ || !n_actions_) return;
  const std::uint64_t pairs = std::uint64_t{*n_states_} * *n_actions_;
  if (pairs > kMaxStates)
    cursor_.fail(at, "n_states x n_actions = " + std::to_string(pairs) + " is more than the " +
                         std::to_string(kMaxStates) + " state-action pairs dynaq supports");
}

void MdpJsonReader::read_initial_distribution() {
  if (cursor_.next_kind() != Kind::Array)
    cursor_.fail_found("initial_state_distribution must be an array of n_states probabilities");
  initial_at_ = cursor_.mark();
  cursor_.advance();
  if (cursor_.peek() == ']') {
    cursor_.advance();
    return;
  }
  do {
    const auto entry = [&] {
      return "initial_state_distribution[" + std::to_string(initial_.size()) + "]";
    };
    if (cursor_.next_kind() != Kind::Number) cursor_.fail_found(entry() + " must be a number");
    const Number number = cursor_.read_number();
    if (!number.finite())
      cursor_.fail(number.at, entry() + " must be a finite number, found " + excerpt(number.text));
    if (number.value < 0.0)
      cursor_.fail(number.at, entry() + " = " + excerpt(number.text) + " is negative");
    initial_.push_back(number.value);
  } while (cursor_.next_or_close(']', "after an entry of initial_state_distribution"));
}

void MdpJsonReader::read_max_episode_steps() {
  const char* expectation = "max_episode_steps must be a non-negative integer or null";
  const Kind kind = cursor_.next_kind();
  if (kind == Kind::Null) {
    cursor_.skip_word();
    max_episode_steps_ = 0;
    return;
  }
  if (kind != Kind::Number) cursor_.fail_found(expectation);
  const Number number = cursor_.read_number();
  if (!number.integral() || number.value < 0)
    cursor_.fail(number.at, std::string(expectation) + ", found " + excerpt(number.text));
  if (number.value > std::numeric_limits<std::uint32_t>::max())
    cursor_.fail(number.at, "max_episode_steps must be at most " +
                                std::to_string(std::numeric_limits<std::uint32_t>::max()) +
                                ", found " + excerpt(number.text));
  max_episode_steps_ = static_cast<std::uint32_t>(number.value);
}

void MdpJsonReader::check_after_object() {
  std::vector<std::string> missing;
  if (!name_) missing.push_back("\"name\"");
  if (!n_states_) missing.push_back("\"n_states\"");
  if (!n_actions_) missing.push_back("\"n_actions\"");
  if (!initial_at_) missing.push_back("\"initial_state_distribution\"");
  if (!p_at_) missing.push_back("\"P\"");
  if (!missing.empty()) {
    std::string list = missing[0];
    for (std::size_t k = 1; k < missing.size(); ++k) list += ", " + missing[k];
    cursor_.fail(object_at_, std::string(missing.size() == 1 ? "missing key " : "missing keys ") +
                                 list + " in the MDP object (required: name, n_states, " +
                                 "n_actions, initial_state_distribution, P)");
  }

  if (initial_.size() != *n_states_)
    cursor_.fail(*initial_at_, "initial_state_distribution has " +
                                   count_of(initial_.size(), "entry", "entries") +
                                   ", expected n_states = " + std::to_string(*n_states_));
  double total = 0.0;  // summed in order, as MdpBuilder does
  for (double p : initial_) total += p;
  if (std::fabs(total - 1.0) > kProbabilityTolerance)
    cursor_.fail(*initial_at_, "initial_state_distribution sums to " + format_double(total) +
                                   ", not 1 (within 1e-6)");
}

void MdpJsonReader::read_p() {
  builder_.emplace(source_, *n_states_, *n_actions_);
  read_indexed(std::nullopt, [&](std::uint32_t state) {
    read_indexed(state, [&](std::uint32_t action) { read_pair(state, action); });
  });
  p_read_ = true;
}

// Reads P (no state given) or P[state]: a container of n_states or n_actions entries, either
// a JSON array (index = position) or an object keyed "0", "1", ..., calling read_entry(index)
// at each entry's value. Names for messages are made only when there is an error, since this
// runs once per state.
template <class ReadEntry>
void MdpJsonReader::read_indexed(std::optional<std::uint32_t> state, ReadEntry&& read_entry) {
  const char* noun = state ? "action" : "state";
  const std::uint32_t count = state ? *n_actions_ : *n_states_;
  const auto container = [&] { return state ? "P[" + std::to_string(*state) + "]" : "P"; };
  const auto expected_count = [&] {
    return std::string(state ? "n_actions" : "n_states") + " = " + std::to_string(count);
  };
  const Mark open = cursor_.mark();
  const Kind kind = cursor_.next_kind();
  if (kind == Kind::Array) {
    cursor_.advance();
    std::uint32_t n = 0;
    Mark close = cursor_.mark();  // where the closing ']' turns out to be
    if (cursor_.peek() == ']') {
      cursor_.advance();
    } else {
      do {
        if (n == count)
          cursor_.fail(cursor_.mark(), container() + " has more than " + count_of(count, noun) +
                                           " (" + expected_count() + ")");
        read_entry(n++);
        close = cursor_.mark();
      } while (cursor_.next_or_close(']', "after an entry of P"));
    }
    if (n < count)
      cursor_.fail(close,
                   container() + " has " + count_of(n, noun) + ", expected " + expected_count());
  } else if (kind == Kind::Object) {
    cursor_.advance();
    SeenKeys seen(count, cursor_.remaining());
    std::uint32_t n = 0;
    if (cursor_.peek() == '}') {
      cursor_.advance();
    } else {
      std::string key;
      do {
        if (cursor_.peek() != '"') cursor_.fail_found("expected a key string");
        const Mark key_at = cursor_.mark();
        cursor_.read_string(key);
        std::uint32_t index = 0;
        if (!parse_index_key(key, count, index))
          cursor_.fail(key_at, container() + ": expected " + noun + " keys \"0\" to \"" +
                                   std::to_string(count - 1) + "\" (" + expected_count() +
                                   "), found " + json_string(excerpt(key)));
        if (!seen.insert(index))
          cursor_.fail(key_at, container() + ": duplicate " + noun + " key " + json_string(key));
        ++n;
        if (cursor_.peek() != ':')
          cursor_.fail_found("expected ':' after the key " + json_string(key));
        cursor_.advance();
        read_entry(index);
      } while (cursor_.next_or_close('}', "after an entry of P"));
    }
    if (n < count) {
      std::uint32_t first_missing = 0;
      while (seen.contains(first_missing)) ++first_missing;
      cursor_.fail(open, container() + " has no entry for " + noun + " \"" +
                             std::to_string(first_missing) + "\" (" + expected_count() + ")");
    }
  } else {
    cursor_.fail_found(container() + " must be an array or an object indexed by " + noun);
  }
}

void MdpJsonReader::read_pair(std::uint32_t state, std::uint32_t action) {
  if (cursor_.next_kind() != Kind::Array)
    cursor_.fail_found(pair_name(state, action) +
                       " must be a list of outcomes [probability, next_state, reward, terminated]");
  const Mark open = cursor_.mark();
  cursor_.advance();
  if (cursor_.peek() == ']')
    cursor_.fail(open, pair_name(state, action) +
                           " has no outcomes (every state-action pair needs at least one)");
  double total = 0.0;  // summed in order, as MdpBuilder does
  do {
    total += read_outcome(state, action);
  } while (cursor_.next_or_close(']', "after an outcome"));
  if (std::fabs(total - 1.0) > kProbabilityTolerance)
    cursor_.fail(open, "the probabilities of " + pair_name(state, action) + " sum to " +
                           format_double(total) + ", not 1 (within 1e-6)");
}

void MdpJsonReader::fail_arity(const Mark& open, const std::string& count, std::uint32_t state,
                               std::uint32_t action) {
  cursor_.fail(open, pair_name(state, action) + ": an outcome has " + count +
                         ", expected 4: [probability, next_state, reward, terminated]");
}

// Before element `element` (0-based) of an outcome: a number must start there.
Number MdpJsonReader::read_outcome_number(const Mark& open, int element, std::uint32_t state,
                                          std::uint32_t action, const char* what) {
  if (cursor_.peek() == ']') fail_arity(open, count_of(element, "element"), state, action);
  if (cursor_.next_kind() != Kind::Number)
    cursor_.fail_found(pair_name(state, action) + ": " + what + " must be a number");
  return cursor_.read_number();
}

// After element `elements` - 1 of an outcome, with more to come.
void MdpJsonReader::outcome_separator(const Mark& open, int elements, std::uint32_t state,
                                      std::uint32_t action) {
  const int c = cursor_.peek();
  if (c == ',') {
    cursor_.advance();
    return;
  }
  if (c == ']') fail_arity(open, count_of(elements, "element"), state, action);
  cursor_.fail_found("expected ',' between the elements of an outcome");
}

// Reads [probability, next_state, reward, terminated], adds it, and returns its probability.
double MdpJsonReader::read_outcome(std::uint32_t state, std::uint32_t action) {
  const auto where = [&] { return pair_name(state, action) + ": "; };
  if (cursor_.next_kind() != Kind::Array)
    cursor_.fail_found(where() +
                       "expected an outcome [probability, next_state, reward, terminated]");
  const Mark open = cursor_.mark();
  cursor_.advance();

  const Number probability = read_outcome_number(open, 0, state, action, "the probability");
  if (!probability.finite())
    cursor_.fail(probability.at, where() + "probability must be a finite number, found " +
                                     excerpt(probability.text));
  if (probability.value < 0.0)
    cursor_.fail(probability.at,
                 where() + "probability " + excerpt(probability.text) + " is negative");
  if (probability.value > 1.0 + kProbabilityTolerance)
    cursor_.fail(probability.at,
                 where() + "probability " + excerpt(probability.text) + " is greater than 1");
  outcome_separator(open, 1, state, action);

  const Number next = read_outcome_number(open, 1, state, action, "next_state");
  if (!next.integral())
    cursor_.fail(next.at, where() + "next_state must be an integer, found " + excerpt(next.text));
  if (next.value < 0 || next.value >= *n_states_)
    cursor_.fail(next.at, where() + "next_state " + excerpt(next.text) + " is out of range [0, " +
                              std::to_string(*n_states_) + ")");
  outcome_separator(open, 2, state, action);

  const Number reward = read_outcome_number(open, 2, state, action, "the reward");
  if (!reward.finite())
    cursor_.fail(reward.at, where() + "reward must be finite, found " + excerpt(reward.text) +
                                (reward.literal_nonfinite ? "" : " (it overflows a double)"));
  // Parsed straight to float: rounding the text to double first could round twice.
  float reward32 = 0.0f;
  const auto parsed =
      std::from_chars(reward.text.data(), reward.text.data() + reward.text.size(), reward32);
  if (parsed.ec == std::errc::result_out_of_range) {
    if (std::fabs(reward.value) >= kFloatOverflow)
      cursor_.fail(reward.at, where() + "reward " + excerpt(reward.text) +
                                  " is outside the float32 range (magnitude at most " +
                                  format_float(std::numeric_limits<float>::max()) + ")");
    reward32 = static_cast<float>(reward.value);  // underflow to zero, or just above FLT_MAX
  }
  outcome_separator(open, 3, state, action);

  bool terminated = false;
  const auto terminated_expectation = [&] {
    return where() + "terminated must be true, false, 0 or 1";
  };
  if (cursor_.peek() == ']') fail_arity(open, count_of(3, "element"), state, action);
  switch (cursor_.next_kind()) {
    case Kind::True:
    case Kind::False:
      terminated = cursor_.next_kind() == Kind::True;
      cursor_.skip_word();
      break;
    case Kind::Number: {
      // NumPy bools often reach JSON as 0 and 1.
      const Number flag = cursor_.read_number();
      if (flag.value != 0.0 && flag.value != 1.0)
        cursor_.fail(flag.at, terminated_expectation() + ", found " + excerpt(flag.text));
      terminated = flag.value == 1.0;
      break;
    }
    default: cursor_.fail_found(terminated_expectation());
  }
  const int c = cursor_.peek();
  if (c == ',') fail_arity(open, "more than 4 elements", state, action);
  if (c != ']') cursor_.fail_found("expected ']' after the 4 elements of an outcome");
  cursor_.advance();

  builder_->add_outcome(state, action, probability.value, static_cast<std::uint32_t>(next.value),
                        static_cast<double>(reward32), terminated);
  return probability.value;
}

// ---------------------------------------------------------------------------------------------
// The writer.

constexpr std::size_t kLineWidth = 100;

// Appends "[a, b, c]" on the current line when it fits; otherwise the items follow on lines of
// at most 100 columns, so that a large start distribution is neither one huge line nor one
// number per line.
void append_wrapped(std::string& out, std::size_t column, const std::vector<std::string>& items) {
  std::size_t total = 2;
  for (const auto& item : items) total += item.size() + 2;
  if (column + total <= kLineWidth) {
    out += '[';
    for (std::size_t k = 0; k < items.size(); ++k) out += (k ? ", " : "") + items[k];
    out += ']';
    return;
  }
  out += "[\n    ";
  std::size_t line = 4;
  for (std::size_t k = 0; k < items.size(); ++k) {
    if (k > 0) {
      if (line + 2 + items[k].size() + 1 > kLineWidth) {
        out += ",\n    ";
        line = 4;
      } else {
        out += ", ";
        line += 2;
      }
    }
    out += items[k];
    line += items[k].size();
  }
  out += "\n  ]";
}

}  // namespace

TabularMdp parse_mdp_json(std::string_view text, const std::string& source) {
  return MdpJsonReader(text, source).read().build();
}

namespace {

}  // namespace

TabularMdp load_mdp_json_file(const std::string& path) {
  // Loading takes more memory than the file's size (mdp_json.hpp): a regular file larger than the
  // memory available is refused before it is read.
  std::error_code not_regular;
  const std::uintmax_t size = std::filesystem::file_size(path, not_regular);
  if (!not_regular && size <= kMaxMdpJsonBytes) {
    const std::uint64_t available = available_memory_bytes();
    if (size > available)
      throw InputError(path + ": the file is " + format_bytes(size) + ", but only " + format_bytes(available) +
                       " of memory is available (loading an MDP JSON file takes more than its "
                       "size)");
  }
  std::string text = read_text_file(path, kMaxMdpJsonBytes, [&](const std::string& file_size) {
    return InputError(path + ": the file is " + file_size + "; MDP JSON files are limited to " +
                      format_bytes(kMaxMdpJsonBytes) + " (kMaxMdpJsonBytes)");
  });
  ParsedMdpJson parsed = MdpJsonReader(text, path).read();
  std::string().swap(text);  // before the tables are built: see ParsedMdpJson
  return std::move(parsed).build();
}

void write_mdp_json(const TabularMdp& mdp, std::ostream& out) {
  std::string text = "{\n";
  text += "  \"name\": " + json_string(mdp.name) + ",\n";
  text += "  \"n_states\": " + std::to_string(mdp.n_states) + ",\n";
  text += "  \"n_actions\": " + std::to_string(mdp.n_actions) + ",\n";
  if (mdp.max_episode_steps != 0)
    text += "  \"max_episode_steps\": " + std::to_string(mdp.max_episode_steps) + ",\n";
  {
    const std::string key = "  \"initial_state_distribution\": ";
    text += key;
    std::vector<std::string> items;
    items.reserve(mdp.initial_distribution.size());
    for (double p : mdp.initial_distribution) items.push_back(format_double(p));
    append_wrapped(text, key.size(), items);
  }
  // The sizes come before P, so that the reader streams P instead of reading it twice.
  text += ",\n  \"P\": [\n";
  for (std::uint32_t s = 0; s < mdp.n_states; ++s) {
    text += "    [\n";
    for (std::uint32_t a = 0; a < mdp.n_actions; ++a) {
      const std::uint32_t pair = s * mdp.n_actions + a;
      text += "      [";
      for (std::uint32_t i = mdp.pair_begin[pair]; i < mdp.pair_begin[pair + 1]; ++i) {
        if (i > mdp.pair_begin[pair]) text += ", ";
        text += '[';
        text += format_double(mdp.probability[i]);
        text += ", ";
        text += std::to_string(mdp.next_state[i]);
        text += ", ";
        text += format_float(mdp.reward[i]);
        text += mdp.terminated[i] ? ", true]" : ", false]";
      }
      text += a + 1 < mdp.n_actions ? "],\n" : "]\n";
    }
    text += s + 1 < mdp.n_states ? "    ],\n" : "    ]\n";
    if (text.size() >= (1u << 16)) {
      out.write(text.data(), static_cast<std::streamsize>(text.size()));
      text.clear();
    }
  }
  text += "  ]\n}\n";
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

}  // namespace dynaq
