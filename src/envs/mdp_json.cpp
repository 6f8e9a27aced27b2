// The tabular MDP JSON reader and writer (the format is described in mdp_json.hpp).
//
// The reader is a JSON tokenizer (json_cursor.hpp) driven by the schema: it reads P straight into an
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
#include "dynaq/json_cursor.hpp"
#include "dynaq/messages.hpp"
#include "dynaq/text_file.hpp"

namespace dynaq {
namespace {

using namespace json_text;

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

// "1 state", "2 states"; "1 entry", "2 entries".
std::string count_of(std::size_t n, const char* noun, const char* plural = nullptr) {
  if (n == 1) return "1 " + std::string(noun);
  return std::to_string(n) + " " + (plural ? std::string(plural) : std::string(noun) + "s");
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
