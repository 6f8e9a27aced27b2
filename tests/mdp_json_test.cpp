// The tabular MDP JSON reader and writer: the tables it reads, the position and wording of
// every kind of error, and bit-exact round trips through the writer.
#include "dynaq/mdp_json.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "dynaq/errors.hpp"

namespace dynaq {
namespace {

// ---------------------------------------------------------------------------------------------
// Helpers.

// The message of the InputError that parsing `text` throws; a test failure if there is none.
std::string error_of(const std::string& text, const std::string& source = "t.json") {
  try {
    parse_mdp_json(text, source);
  } catch (const InputError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an InputError: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no error";
  return "";
}

void expect_error(const std::string& text, const std::string& prefix, const std::string& phrase) {
  const std::string message = error_of(text);
  EXPECT_EQ(message.substr(0, prefix.size()), prefix) << "message: " << message;
  EXPECT_NE(message.find(phrase), std::string::npos)
      << "expected \"" << phrase << "\" in: " << message;
}

// Checks that parsing `text` fails with a message that starts with `prefix` ("t.json:L:C: ")
// and contains `phrase`.
#define EXPECT_JSON_ERROR(text, prefix, phrase) \
  do {                                          \
    SCOPED_TRACE(text);                         \
    expect_error((text), (prefix), (phrase));   \
  } while (0)

// "t.json:1:C: " with C the column of the first `token` at or after `from` in one-line `text`:
// the error must point at that token.
std::string at_token(const std::string& text, const std::string& token, std::size_t from = 0) {
  const std::size_t offset = text.find(token, from);
  EXPECT_NE(offset, std::string::npos) << token;
  return "t.json:1:" + std::to_string(offset + 1) + ": ";
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const std::size_t offset = text.find(from);
  EXPECT_NE(offset, std::string::npos) << from;
  return text.replace(offset, from.size(), to);
}

// A valid one-line document: 2 states, 2 actions; with_p swaps in another P.
const std::string kHead =
    R"({"name": "m", "n_states": 2, "n_actions": 2, "initial_state_distribution": [1, 0], )";
const std::string kP = R"([[[[1, 0, 0, false]], [[0.5, 0, 1, false], [0.5, 1, 0, true]]], )"
                       R"([[[1, 1, 0, true]], [[1, 0, 0, false]]]])";
std::string with_p(const std::string& p) { return kHead + "\"P\": " + p + "}"; }
const std::string kDoc = with_p(kP);

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

// Every table of two MDPs, compared bit for bit (so -0.0 differs from 0.0).
void expect_identical(const TabularMdp& a, const TabularMdp& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.n_states, b.n_states);
  EXPECT_EQ(a.n_actions, b.n_actions);
  EXPECT_EQ(a.max_episode_steps, b.max_episode_steps);
  EXPECT_TRUE(same_bits(a.pair_begin, b.pair_begin));
  EXPECT_TRUE(same_bits(a.probability, b.probability));
  EXPECT_TRUE(same_bits(a.next_state, b.next_state));
  EXPECT_TRUE(same_bits(a.reward, b.reward));
  EXPECT_TRUE(same_bits(a.terminated, b.terminated));
  EXPECT_TRUE(same_bits(a.initial_distribution, b.initial_distribution));
  EXPECT_TRUE(same_bits(a.outcome_threshold, b.outcome_threshold));
  EXPECT_TRUE(same_bits(a.start_state, b.start_state));
  EXPECT_TRUE(same_bits(a.start_threshold, b.start_threshold));
}

std::string to_json(const TabularMdp& mdp) {
  std::ostringstream out;
  write_mdp_json(mdp, out);
  return out.str();
}

// ---------------------------------------------------------------------------------------------
// Reading valid documents.

const char* const kArrayForm = R"({
  "name": "two",
  "n_states": 2,
  "n_actions": 2,
  "initial_state_distribution": [1.0, 0.0],
  "max_episode_steps": 10,
  "P": [
    [[[1.0, 0, 0.0, false]], [[0.25, 0, -1.5, false], [0.75, 1, 2.0, true]]],
    [[[1.0, 1, 0.0, true]], [[1.0, 0, 0.5, false]]]
  ]
})";

TEST(MdpJsonParse, ArrayFormGivesTheTables) {
  const TabularMdp mdp = parse_mdp_json(kArrayForm, "two.json");
  EXPECT_EQ(mdp.name, "two");
  EXPECT_EQ(mdp.n_states, 2u);
  EXPECT_EQ(mdp.n_actions, 2u);
  EXPECT_EQ(mdp.max_episode_steps, 10u);
  EXPECT_EQ(mdp.pair_begin, (std::vector<std::uint32_t>{0, 1, 3, 4, 5}));
  EXPECT_EQ(mdp.probability, (std::vector<double>{1.0, 0.25, 0.75, 1.0, 1.0}));
  EXPECT_EQ(mdp.next_state, (std::vector<std::uint32_t>{0, 0, 1, 1, 0}));
  EXPECT_EQ(mdp.reward, (std::vector<float>{0.0f, -1.5f, 2.0f, 0.0f, 0.5f}));
  EXPECT_EQ(mdp.terminated, (std::vector<std::uint8_t>{0, 0, 1, 1, 0}));
  EXPECT_EQ(mdp.initial_distribution, (std::vector<double>{1.0, 0.0}));
  EXPECT_EQ(mdp.start_state, (std::vector<std::uint32_t>{0}));
}

TEST(MdpJsonParse, ObjectFormAsJsonDumpsWritesGymnasiumDicts) {
  // Keys in any order, P before the sizes, 0/1 for terminated, integer literals for numbers.
  const char* text = R"({"P": {"1": {"1": [[1, 0, 0.5, 0]], "0": [[1, 1, 0, 1]]},
                               "0": {"0": [[1, 0, 0, false]],
                                     "1": [[0.25, 0, -1.5, 0], [0.75, 1, 2, 1]]}},
    "name": "two", "n_states": 2, "n_actions": 2, "max_episode_steps": 10,
    "initial_state_distribution": [1, 0]})";
  expect_identical(parse_mdp_json(text, "t.json"), parse_mdp_json(kArrayForm, "t.json"));
}

TEST(MdpJsonParse, MixedFormsAndKeyOrder) {
  const char* text = R"({"n_actions": 2, "P": [{"1": [[0.25, 0, -1.5, false], [0.75, 1, 2, true]],
                                 "0": [[1, 0, 0, false]]},
                                [[[1, 1, 0, true]], [[1, 0, 0.5, false]]]],
    "initial_state_distribution": [1, 0], "max_episode_steps": 10, "n_states": 2, "name": "two"})";
  expect_identical(parse_mdp_json(text, "t.json"), parse_mdp_json(kArrayForm, "t.json"));
}

TEST(MdpJsonParse, UnknownKeysAreSkipped) {
  const std::string text = replaced(
      kDoc, "\"P\":",
      R"("meta": {"a": [1, -2.5e-3, true, false, null, {}, [], )"
      R"([[{"b": "\"\\\/\b\f\n\r\t\u00e9"}]]], "c": NaN, "d": -Infinity, )"
      R"("e": "\ud83d\ude00"}, "version": "1.0", "P":)");
  expect_identical(parse_mdp_json(text, "t.json"), parse_mdp_json(kDoc, "t.json"));
}

TEST(MdpJsonParse, DeepNestingInUnknownKeysIsFine) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  expect_identical(parse_mdp_json(replaced(kDoc, "\"P\":", "\"deep\": " + deep + ", \"P\":"), "t"),
                   parse_mdp_json(kDoc, "t"));
}

TEST(MdpJsonParse, NameEscapesAreDecoded) {
  const std::string text =
      replaced(kDoc, R"("name": "m")", R"("name": "a\"b\\c\/d\n\t\u00e9\u20ac\ud83d\ude00\u0001")");
  EXPECT_EQ(parse_mdp_json(text, "t.json").name,
            "a\"b\\c/d\n\t\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\x01");
}

TEST(MdpJsonParse, MaxEpisodeStepsIsOptional) {
  EXPECT_EQ(parse_mdp_json(kDoc, "t.json").max_episode_steps, 0u);
  const std::string with_null = replaced(kDoc, "\"P\":", "\"max_episode_steps\": null, \"P\":");
  EXPECT_EQ(parse_mdp_json(with_null, "t.json").max_episode_steps, 0u);
  const std::string with_steps = replaced(kDoc, "\"P\":", "\"max_episode_steps\": 4e2, \"P\":");
  EXPECT_EQ(parse_mdp_json(with_steps, "t.json").max_episode_steps, 400u);
}

TEST(MdpJsonParse, IntegralNumbersAreAcceptedAsIntegers) {
  const std::string text =
      with_p(R"([[[[1, 0.0, 0, false]], [[0.5, 0e3, 1, false], )"
             R"([0.5, 1.0, 0, true]]], [[[1, 1E0, 0, 1.0]], [[1, -0, 0, 0]]]])");
  expect_identical(parse_mdp_json(text, "t.json"), parse_mdp_json(kDoc, "t.json"));
}

TEST(MdpJsonParse, RewardsAreReadAsFloat32) {
  const std::string text = with_p(
      R"([[[[1, 0, 0.1, false]], [[0.5, 0, 3.4028235e+38, false], [0.5, 1, -1e-50, true]]], )"
      R"([[[1, 1, 16777217, true]], [[1, 0, 1e-45, false]]]])");
  const TabularMdp mdp = parse_mdp_json(text, "t.json");
  EXPECT_EQ(mdp.reward[0], 0.1f);
  EXPECT_EQ(mdp.reward[1], std::numeric_limits<float>::max());
  EXPECT_EQ(mdp.reward[2], 0.0f);
  EXPECT_TRUE(std::signbit(mdp.reward[2]));
  EXPECT_EQ(mdp.reward[3], 16777216.0f);
  EXPECT_EQ(mdp.reward[4], std::numeric_limits<float>::denorm_min());
}

TEST(MdpJsonParse, WhitespaceByteOrderMarkAndCrlf) {
  std::string text = "\xEF\xBB\xBF";
  for (char c : std::string(kArrayForm)) {
    if (c == '\n')
      text += "\r\n\t";
    else
      text += c;
  }
  expect_identical(parse_mdp_json(text, "t.json"), parse_mdp_json(kArrayForm, "t.json"));
}

TEST(MdpJsonParse, LargeChain) {
  // 10^5 states, 2 actions: 0 moves right (terminating at the end), 1 stays.
  constexpr std::uint32_t kStates = 100000;
  std::string text = "{\"name\": \"chain\", \"n_states\": " + std::to_string(kStates) +
                     ", \"n_actions\": 2, \"initial_state_distribution\": [1";
  for (std::uint32_t s = 1; s < kStates; ++s) text += ", 0";
  text += "], \"P\": [\n";
  for (std::uint32_t s = 0; s < kStates; ++s) {
    const bool last = s + 1 == kStates;
    text += "[[[1.0, " + std::to_string(last ? s : s + 1) + ", " +
            (last ? "1.0, true" : "0.0, false") + "]], [[1.0, " + std::to_string(s) +
            ", -0.01, false]]]" + (last ? "\n" : ",\n");
  }
  text += "]}\n";
  const TabularMdp mdp = parse_mdp_json(text, "chain.json");
  ASSERT_EQ(mdp.n_states, kStates);
  EXPECT_EQ(mdp.n_outcomes(), 2 * kStates);
  EXPECT_EQ(mdp.next_state[2 * 500], 501u);
  EXPECT_EQ(mdp.reward[2 * 500 + 1], -0.01f);
  EXPECT_EQ(mdp.terminated[2 * (kStates - 1)], 1);
}

// ---------------------------------------------------------------------------------------------
// Syntax errors.

TEST(MdpJsonErrors, EmptyInput) {
  EXPECT_JSON_ERROR("", "t.json:1:1: ", "empty input");
  EXPECT_JSON_ERROR("\n\n  ", "t.json:3:3: ", "empty input");
}

TEST(MdpJsonErrors, TopLevelNotAnObject) {
  EXPECT_JSON_ERROR("[1, 2]", "t.json:1:1: ", "expected a JSON object");
  EXPECT_JSON_ERROR("[1, 2]", "t.json:1:1: ", "found an array");
  EXPECT_JSON_ERROR("\n  42", "t.json:2:3: ", "found 42");
  EXPECT_JSON_ERROR("\"x\"", "t.json:1:1: ", "found the string \"x\"");
}

TEST(MdpJsonErrors, UnexpectedCharacter) {
  const std::string text = replaced(kDoc, "\"n_states\": 2", "\"n_states\": @");
  EXPECT_JSON_ERROR(text, at_token(text, "@"), "unexpected character '@'");
  const std::string plus = replaced(kDoc, "\"n_states\": 2", "\"n_states\": +2");
  EXPECT_JSON_ERROR(plus, at_token(plus, "+"), "unexpected character '+'");
  const std::string word = replaced(kDoc, "false", "nope");
  EXPECT_JSON_ERROR(word, at_token(word, "nope"), "unexpected word \"nope\"");
}

TEST(MdpJsonErrors, MissingComma) {
  const std::string text = replaced(kDoc, "\"n_states\": 2,", "\"n_states\": 2");
  EXPECT_JSON_ERROR(text, at_token(text, "\"n_actions\""), "expected ',' or '}'");
  EXPECT_JSON_ERROR(text, at_token(text, "\"n_actions\""), "found the string \"n_actions\"");
  const std::string in_array = replaced(kDoc, "[1, 0]", "[1 0]");
  EXPECT_JSON_ERROR(in_array, at_token(in_array, "0]"), "expected ',' or ']'");
}

TEST(MdpJsonErrors, MissingColon) {
  const std::string text = replaced(kDoc, "\"n_states\": 2", "\"n_states\" 2");
  EXPECT_JSON_ERROR(text, at_token(text, "2,"), "expected ':' after the key \"n_states\", found 2");
}

TEST(MdpJsonErrors, UnterminatedString) {
  // A line break inside a string: the error points at the opening quote.
  EXPECT_JSON_ERROR("{\"name\": \"abc,\n \"n_states\": 2}", "t.json:1:10: ", "unterminated string");
  // The end of input inside a string: the error points at the end.
  EXPECT_JSON_ERROR(
      "{\"name\": \"abc", "t.json:1:14: ",
      "unexpected end of input: unterminated string (it starts at line 1, column 10)");
}

TEST(MdpJsonErrors, BadStringContents) {
  const std::string escape = replaced(kDoc, "\"m\"", R"("a\qb")");
  EXPECT_JSON_ERROR(escape, at_token(escape, "\\q"), "invalid escape \\q");
  const std::string escaped_break = replaced(kDoc, "\"m\"", "\"a\\\nb\"");
  EXPECT_JSON_ERROR(escaped_break, at_token(escaped_break, "\\"),
                    "invalid escape (a backslash and byte 0x0a)");
  const std::string hex = replaced(kDoc, "\"m\"", R"("\u12G4")");
  EXPECT_JSON_ERROR(hex, at_token(hex, "G"), "expected 4 hexadecimal digits, found 'G'");
  const std::string high = replaced(kDoc, "\"m\"", R"("\ud83d x")");
  EXPECT_JSON_ERROR(high, at_token(high, "\\u"), "high surrogate");
  const std::string low = replaced(kDoc, "\"m\"", R"("\ude00")");
  EXPECT_JSON_ERROR(low, at_token(low, "\\u"), "low surrogate");
  const std::string control = replaced(kDoc, "\"m\"", "\"a\tb\"");
  EXPECT_JSON_ERROR(control, at_token(control, "\t"), "control character byte 0x09");
}

TEST(MdpJsonErrors, BadNumbers) {
  const std::string zeros = replaced(kDoc, "\"n_states\": 2", "\"n_states\": 02");
  EXPECT_JSON_ERROR(zeros, at_token(zeros, "02"), "leading zeros");
  const std::string point = replaced(kDoc, "[1, 0]", "[1., 0]");
  EXPECT_JSON_ERROR(point, at_token(point, ", 0]"), "expected a digit after the decimal point");
  const std::string minus = replaced(kDoc, "[1, 0]", "[1, -]");
  EXPECT_JSON_ERROR(minus, at_token(minus, "]", minus.find("-")), "expected a digit after '-'");
  const std::string exponent = replaced(kDoc, "[1, 0]", "[1e+, 0]");
  EXPECT_JSON_ERROR(exponent, at_token(exponent, ", 0]"), "expected a digit in the exponent");
}

TEST(MdpJsonErrors, TrailingCharacters) {
  const std::string text = kDoc + "\n  x";
  EXPECT_JSON_ERROR(text, "t.json:2:3: ", "trailing characters after the top-level object");
  EXPECT_JSON_ERROR(kDoc + "}", "t.json:1:" + std::to_string(kDoc.size() + 1) + ": ",
                    "trailing characters after the top-level object, starting with '}'");
}

TEST(MdpJsonErrors, TruncatedFile) {
  const std::string text = std::string(kArrayForm).substr(0, std::string(kArrayForm).find("0.25"));
  // "    [[[1.0, 0, 0.0, false]], [[" is where line 8 stops.
  EXPECT_JSON_ERROR(text, "t.json:8:32: ", "unexpected end of input");
  EXPECT_JSON_ERROR("{\"name\": \"m\", \"n_states\": 2\n",
                    "t.json:2:1: ", "unexpected end of input (expected ',' or '}'");
  EXPECT_JSON_ERROR("{\"name\": \"m\", \"n_states\": 2.",
                    "t.json:1:29: ", "unexpected end of input in a number");
  EXPECT_JSON_ERROR("{\"name\": \"m\", \"n_states\":", "t.json:1:26: ", "unexpected end of input");
}

TEST(MdpJsonErrors, SyntaxInsideSkippedValues) {
  const std::string text = replaced(kDoc, "\"P\":", "\"meta\": {\"a\": [1, 2,, 3]}, \"P\":");
  EXPECT_JSON_ERROR(text, at_token(text, ", 3]"), "unexpected character ',' (expected a value)");
}

TEST(MdpJsonErrors, PositionsCountLinesAndBytes) {
  // Columns count bytes (a tab is one); CR before LF is not a column of the next line.
  const std::string text = "{\r\n\t\"name\": \"\xC3\xA9\", \"n_states\": true,\r\n}";
  EXPECT_JSON_ERROR(text, "t.json:2:28: ", "n_states must be a positive integer, found true");
}

// ---------------------------------------------------------------------------------------------
// Schema errors.

TEST(MdpJsonErrors, WrongTypes) {
  const std::string states = replaced(kDoc, "\"n_states\": 2", "\"n_states\": \"2\"");
  EXPECT_JSON_ERROR(states, at_token(states, "\"2\""),
                    "n_states must be a positive integer, found the string \"2\"");
  const std::string name = replaced(kDoc, "\"m\"", "5");
  EXPECT_JSON_ERROR(name, at_token(name, "5"), "name must be a string, found 5");
  const std::string p = with_p("3");
  EXPECT_JSON_ERROR(p, at_token(p, "3}"),
                    "P must be an array or an object indexed by state, found 3");
  const std::string pair = replaced(kDoc, "[[1, 0, 0, false]]", "5");
  EXPECT_JSON_ERROR(pair, at_token(pair, "5"), "P[0][0] must be a list of outcomes");
  const std::string outcome = replaced(kDoc, "[[1, 0, 0, false]]", "[1]");
  EXPECT_JSON_ERROR(outcome, at_token(outcome, "1]"), "P[0][0]: expected an outcome");
  const std::string initial = replaced(kDoc, "[1, 0]", "{}");
  EXPECT_JSON_ERROR(
      initial, at_token(initial, "{}"),
      "initial_state_distribution must be an array of n_states probabilities, found an object");
  const std::string probability = replaced(kDoc, "[1, 0, 0, false]", "[\"1\", 0, 0, false]");
  EXPECT_JSON_ERROR(probability, at_token(probability, "\"1\""),
                    "P[0][0]: the probability must be a number, found the string \"1\"");
}

TEST(MdpJsonErrors, OutcomeArity) {
  const std::string three = replaced(kDoc, "[1, 0, 0, false]", "[1, 0, 0]");
  EXPECT_JSON_ERROR(three, at_token(three, "[1, 0, 0]"),
                    "P[0][0]: an outcome has 3 elements, expected 4: [probability, next_state, "
                    "reward, terminated]");
  const std::string five = replaced(kDoc, "[1, 0, 0, false]", "[1, 0, 0, false, 7]");
  EXPECT_JSON_ERROR(five, at_token(five, "[1, 0, 0, false, 7]"),
                    "an outcome has more than 4 elements");
  const std::string empty = replaced(kDoc, "[1, 0, 0, false]", "[]");
  EXPECT_JSON_ERROR(empty, at_token(empty, "[]"), "an outcome has 0 elements");
}

TEST(MdpJsonErrors, Terminated) {
  const std::string text = replaced(kDoc, "[1, 0, 0, false]", "[1, 0, 0, \"yes\"]");
  EXPECT_JSON_ERROR(text, at_token(text, "\"yes\""),
                    "P[0][0]: terminated must be true, false, 0 or 1, found the string \"yes\"");
  const std::string two = replaced(kDoc, "[1, 0, 0, false]", "[1, 0, 0, 2]");
  EXPECT_JSON_ERROR(two, at_token(two, "2]"), "terminated must be true, false, 0 or 1, found 2");
  const std::string null = replaced(kDoc, "[1, 0, 0, false]", "[1, 0, 0, null]");
  EXPECT_JSON_ERROR(null, at_token(null, "null"), "found null");
}

TEST(MdpJsonErrors, MissingKeys) {
  const std::string text = replaced(kDoc, "\"n_actions\": 2, ", "");
  EXPECT_JSON_ERROR(text, "t.json:1:1: ", "missing key \"n_actions\"");
  EXPECT_JSON_ERROR(
      "\n  {\"name\": \"m\"}", "t.json:2:3: ",
      "missing keys \"n_states\", \"n_actions\", \"initial_state_distribution\", \"P\"");
  EXPECT_JSON_ERROR("{}", "t.json:1:1: ", "missing keys \"name\", \"n_states\"");
  EXPECT_JSON_ERROR(replaced(kDoc, "\"name\": \"m\", ", ""),
                    "t.json:1:1: ", "missing key \"name\"");
}

TEST(MdpJsonErrors, DuplicateKey) {
  const std::string text = replaced(kDoc, "\"P\":", "\"n_states\": 2, \"P\":");
  EXPECT_JSON_ERROR(text, at_token(text, "\"n_states\"", text.find("\"n_states\"") + 1),
                    "duplicate key \"n_states\"");
}

TEST(MdpJsonErrors, CountsMustBePositiveIntegers) {
  for (const char* bad : {"0", "-1", "2.5", "NaN", "-0"}) {
    const std::string text = replaced(kDoc, "\"n_states\": 2", std::string("\"n_states\": ") + bad);
    EXPECT_JSON_ERROR(text, at_token(text, bad, 10),
                      std::string("n_states must be a positive integer, found ") + bad);
  }
  const std::string actions = replaced(kDoc, "\"n_actions\": 2", "\"n_actions\": 0");
  EXPECT_JSON_ERROR(actions, at_token(actions, "0,"),
                    "n_actions must be a positive integer, found 0");
  const std::string huge = replaced(kDoc, "\"n_states\": 2", "\"n_states\": 3e9");
  EXPECT_JSON_ERROR(huge, at_token(huge, "3e9"), "n_states must be at most 2147483647, found 3e9");
  const std::string pairs = replaced(replaced(kDoc, "\"n_states\": 2", "\"n_states\": 100000"),
                                     "\"n_actions\": 2", "\"n_actions\": 100000");
  EXPECT_JSON_ERROR(
      pairs, at_token(pairs, "100000", 30),
      "n_states x n_actions = 10000000000 is more than the 2147483647 state-action pairs");
}

TEST(MdpJsonErrors, MaxEpisodeSteps) {
  for (const char* bad : {"-1", "2.5", "\"x\"", "5e9"}) {
    const std::string text =
        replaced(kDoc, "\"P\":", std::string("\"max_episode_steps\": ") + bad + ", \"P\":");
    EXPECT_JSON_ERROR(text, at_token(text, bad, 10), "max_episode_steps must be");
  }
}

TEST(MdpJsonErrors, StateCountInArrayForm) {
  const std::string few = with_p("[[[[1, 0, 0, false]], [[1, 0, 0, false]]]]");
  EXPECT_JSON_ERROR(few, at_token(few, "]}"), "P has 1 state, expected n_states = 2");
  const std::string many = with_p(
      "[[[[1, 0, 0, false]], [[1, 0, 0, false]]], "
      "[[[1, 0, 0, false]], [[1, 0, 0, false]]], [[[1, 0, 0, false]]]]");
  EXPECT_JSON_ERROR(many, at_token(many, "[[[1, 0, 0, false]]]]"),
                    "P has more than 2 states (n_states = 2)");
  const std::string none = with_p("[]");
  EXPECT_JSON_ERROR(none, at_token(none, "]}"), "P has 0 states, expected n_states = 2");
}

TEST(MdpJsonErrors, ActionCountInArrayForm) {
  const std::string few =
      with_p("[[[[1, 0, 0, false]], [[1, 0, 0, false]]], [[[1, 0, 0, false]]]]");
  EXPECT_JSON_ERROR(few, at_token(few, "]]}"), "P[1] has 1 action, expected n_actions = 2");
  const std::string many = with_p(
      "[[[[1, 0, 0, false]], [[1, 0, 0, false]], [[1, 0, 0, false]]], [[[1, 0, 0, false]]]]");
  EXPECT_JSON_ERROR(many, at_token(many, "[[1, 0, 0, false]]], [[["),
                    "P[0] has more than 2 actions");
}

TEST(MdpJsonErrors, ObjectFormKeys) {
  const std::string state = R"({"0": [[[1, 0, 0, false]], [[1, 0, 0, false]]]})";
  const std::string missing_state = with_p(state);
  EXPECT_JSON_ERROR(missing_state, at_token(missing_state, "{\"0\""),
                    "P has no entry for state \"1\" (n_states = 2)");
  const std::string missing_action =
      with_p(R"([{"1": [[1, 0, 0, false]]}, [[[1, 0, 0, false]], [[1, 0, 0, false]]]])");
  EXPECT_JSON_ERROR(missing_action, at_token(missing_action, "{\"1\""),
                    "P[0] has no entry for action \"0\" (n_actions = 2)");
  const std::string state_0 = R"([[[1, 0, 0, false]], [[1, 0, 0, false]]])";
  const std::string duplicate = with_p("{\"0\": " + state_0 + ", \"0\": " + state_0 + "}");
  EXPECT_JSON_ERROR(duplicate, at_token(duplicate, "\"0\"", duplicate.find("\"0\"") + 1),
                    "P: duplicate state key \"0\"");
  for (const char* bad : {"\"01\"", "\"x\"", "\"2\"", "\"-1\"", "\"\""}) {
    const std::string text = with_p(std::string("{") + bad + ": []}");
    EXPECT_JSON_ERROR(
        text, at_token(text, bad, kHead.size()),
        std::string("P: expected state keys \"0\" to \"1\" (n_states = 2), found ") + bad);
  }
}

TEST(MdpJsonErrors, EmptyOutcomeList) {
  const std::string text = replaced(kDoc, "[[1, 0, 0, false]]", "[]");
  EXPECT_JSON_ERROR(text, at_token(text, "[]"),
                    "P[0][0] has no outcomes (every state-action pair needs at least one)");
}

TEST(MdpJsonErrors, ProbabilitiesMustSumToOne) {
  const std::string text = replaced(kDoc, "[[0.5, 0, 1, false], [0.5, 1, 0, true]]",
                                    "[[0.5, 0, 1, false], [0.4, 1, 0, true]]");
  EXPECT_JSON_ERROR(text, at_token(text, "[[0.5"),
                    "the probabilities of P[0][1] sum to 0.9, not 1 (within 1e-6)");
  // Within the tolerance is fine.
  parse_mdp_json(replaced(kDoc, "[0.5, 1, 0, true]", "[0.5000005, 1, 0, true]"), "t.json");
}

TEST(MdpJsonErrors, BadProbabilities) {
  const std::string negative = replaced(kDoc, "[0.5, 0, 1, false], [0.5, 1, 0, true]",
                                        "[1.5, 0, 1, false], [-0.5, 1, 0, true]");
  EXPECT_JSON_ERROR(negative, at_token(negative, "1.5"),
                    "P[0][1]: probability 1.5 is greater than 1");
  const std::string below = replaced(kDoc, "[0.5, 1, 0, true]", "[-0.5, 1, 0, true]");
  EXPECT_JSON_ERROR(below, at_token(below, "-0.5"), "P[0][1]: probability -0.5 is negative");
  const std::string nan = replaced(kDoc, "[1, 0, 0, false]", "[NaN, 0, 0, false]");
  EXPECT_JSON_ERROR(nan, at_token(nan, "NaN"), "probability must be a finite number, found NaN");
}

TEST(MdpJsonErrors, NextStateOutOfRange) {
  for (const char* bad : {"2", "-1", "4294967296", "1e300"}) {
    const std::string text =
        replaced(kDoc, "[0.5, 1, 0, true]", std::string("[0.5, ") + bad + ", 0, true]");
    EXPECT_JSON_ERROR(text, at_token(text, bad, kHead.size() + 30),
                      std::string("P[0][1]: next_state ") + bad + " is out of range [0, 2)");
  }
  const std::string fraction = replaced(kDoc, "[0.5, 1, 0, true]", "[0.5, 1.5, 0, true]");
  EXPECT_JSON_ERROR(fraction, at_token(fraction, "1.5"),
                    "next_state must be an integer, found 1.5");
  const std::string string = replaced(kDoc, "[0.5, 1, 0, true]", "[0.5, \"1\", 0, true]");
  EXPECT_JSON_ERROR(string, at_token(string, "\"1\""),
                    "next_state must be a number, found the string \"1\"");
}

TEST(MdpJsonErrors, RewardsMustBeFiniteFloat32) {
  for (const char* bad : {"NaN", "Infinity", "-Infinity"}) {
    const std::string text =
        replaced(kDoc, "[0.5, 1, 0, true]", std::string("[0.5, 1, ") + bad + ", true]");
    EXPECT_JSON_ERROR(text, at_token(text, bad),
                      std::string("P[0][1]: reward must be finite, found ") + bad);
  }
  const std::string overflow = replaced(kDoc, "[0.5, 1, 0, true]", "[0.5, 1, -1e999, true]");
  EXPECT_JSON_ERROR(overflow, at_token(overflow, "-1e999"),
                    "reward must be finite, found -1e999 (it overflows a double)");
  const std::string float32 = replaced(kDoc, "[0.5, 1, 0, true]", "[0.5, 1, 1e39, true]");
  EXPECT_JSON_ERROR(float32, at_token(float32, "1e39"), "reward 1e39 is outside the float32 range");
  const std::string just_over =
      replaced(kDoc, "[0.5, 1, 0, true]", "[0.5, 1, -3.40282362e38, true]");
  EXPECT_JSON_ERROR(just_over, at_token(just_over, "-3.4"), "is outside the float32 range");
}

TEST(MdpJsonErrors, InitialStateDistribution) {
  const std::string length = replaced(kDoc, "[1, 0]", "[1, 0, 0]");
  EXPECT_JSON_ERROR(length, at_token(length, "[1, 0, 0]"),
                    "initial_state_distribution has 3 entries, expected n_states = 2");
  const std::string sum = replaced(kDoc, "[1, 0]", "[0.25, 0.25]");
  EXPECT_JSON_ERROR(sum, at_token(sum, "[0.25"),
                    "initial_state_distribution sums to 0.5, not 1 (within 1e-6)");
  const std::string negative = replaced(kDoc, "[1, 0]", "[1.5, -0.5]");
  EXPECT_JSON_ERROR(negative, at_token(negative, "-0.5"),
                    "initial_state_distribution[1] = -0.5 is negative");
  const std::string infinite = replaced(kDoc, "[1, 0]", "[Infinity, 0]");
  EXPECT_JSON_ERROR(infinite, at_token(infinite, "Infinity"),
                    "initial_state_distribution[0] must be a finite number, found Infinity");
}

TEST(MdpJsonErrors, ErrorsInPBeforeTheSizesHaveTheirPositions) {
  // P comes first, so it is read after the sizes; the positions are still those of the text.
  const std::string text =
      "{\"P\": [[[[1, 0, 0, false]], [[1, 0, 0, false]]],\n"
      "        [[[1, 0, 0, false]], [[1, 7, 0, false]]]],\n"
      " \"name\": \"m\", \"n_states\": 2, \"n_actions\": 2,\n"
      " \"initial_state_distribution\": [1, 0]}";
  EXPECT_JSON_ERROR(text, "t.json:2:35: ", "P[1][1]: next_state 7 is out of range [0, 2)");
}

// ---------------------------------------------------------------------------------------------
// Files.

TEST(MdpJsonFile, LoadsAFile) {
  const std::string path = std::string(DYNAQ_TEST_DATA_DIR) + "/json/two_state.json";
  expect_identical(load_mdp_json_file(path), parse_mdp_json(kArrayForm, "t.json"));
}

TEST(MdpJsonFile, ErrorsNameTheFile) {
  const std::string path = std::string(DYNAQ_TEST_DATA_DIR) + "/json/bad_next_state.json";
  try {
    load_mdp_json_file(path);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path + ":8:62: P[0][1]: next_state 2 is out of range", 0),
              0u)
        << e.what();
  }
}

TEST(MdpJsonFile, MissingAndUnreadableFiles) {
  const std::string missing = std::string(DYNAQ_TEST_DATA_DIR) + "/json/no_such_file.json";
  try {
    load_mdp_json_file(missing);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), missing + ": cannot read: " + std::strerror(ENOENT));
  }
  const std::string directory = std::string(DYNAQ_TEST_DATA_DIR) + "/json";
  try {
    load_mdp_json_file(directory);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(directory + ": cannot ", 0), 0u) << e.what();
  }
}

// ---------------------------------------------------------------------------------------------
// Writing, and reading back.

TabularMdp deterministic_mdp() {
  MdpBuilder builder("quote \" backslash \\ tab \t bell \x07 \xC3\xA9", 3, 2);
  for (std::uint32_t s = 0; s < 3; ++s) {
    builder.add_outcome(s, 0, 1.0, (s + 1) % 3, s == 2 ? 1.0 : 0.0, s == 2);
    builder.add_outcome(s, 1, 1.0, s, -0.04, false);
  }
  builder.set_initial_state(1);
  builder.set_max_episode_steps(50);
  return builder.build();
}

TabularMdp stochastic_mdp() {
  const double third = 1.0 / 3.0;
  const float max = std::numeric_limits<float>::max();
  MdpBuilder builder("thirds", 4, 3);
  for (std::uint32_t s = 0; s < 4; ++s) {
    builder.add_outcome(s, 0, third, 0, 0.1, false);
    builder.add_outcome(s, 0, third, 1, -1e-3, false);
    builder.add_outcome(s, 0, third, 3, max, true);
    builder.add_outcome(s, 1, 0.1, s, -max, false);
    builder.add_outcome(s, 1, 0.7, (s + 1) % 4, std::numeric_limits<float>::denorm_min(), true);
    builder.add_outcome(s, 1, 0.2, (s + 2) % 4, -0.0, false);
    builder.add_outcome(s, 2, 0.0, 2, 1e30, true);  // probability 0 is kept
    builder.add_outcome(s, 2, 1.0, 3, 16777216.0, false);
  }
  builder.set_initial_distribution({0.2, 0.3, 0.0, 0.5});
  return builder.build();
}

// A pseudo-random MDP (a fixed linear congruential sequence, so the test is reproducible).
TabularMdp scrambled_mdp(std::uint32_t n_states, std::uint32_t n_actions) {
  std::uint64_t x = 12345;
  const auto next = [&] {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::uint32_t>(x >> 33);
  };
  MdpBuilder builder("scrambled", n_states, n_actions);
  for (std::uint32_t s = 0; s < n_states; ++s) {
    for (std::uint32_t a = 0; a < n_actions; ++a) {
      const std::uint32_t k = 1 + next() % 4;
      std::vector<double> weights(k);
      double total = 0.0;
      for (auto& w : weights) total += (w = 1.0 + next() % 1000);
      for (std::uint32_t i = 0; i < k; ++i)
        builder.add_outcome(s, a, weights[i] / total, next() % n_states,
                            (static_cast<double>(next()) - 1e9) / 3e7, next() % 7 == 0);
    }
  }
  std::vector<double> start(n_states, 1.0 / n_states);
  builder.set_initial_distribution(start);
  return builder.build();
}

TEST(MdpJsonRoundTrip, DeterministicMdp) {
  const TabularMdp mdp = deterministic_mdp();
  const std::string text = to_json(mdp);
  expect_identical(parse_mdp_json(text, "round.json"), mdp);
  EXPECT_NE(text.find("\"max_episode_steps\": 50"), std::string::npos);
}

TEST(MdpJsonRoundTrip, StochasticMdpWithThirdsAndExtremeRewards) {
  const TabularMdp mdp = stochastic_mdp();
  const TabularMdp back = parse_mdp_json(to_json(mdp), "round.json");
  expect_identical(back, mdp);
  EXPECT_EQ(back.probability[0], 1.0 / 3.0);
  EXPECT_EQ(back.max_episode_steps, 0u);
  EXPECT_EQ(to_json(mdp).find("max_episode_steps"), std::string::npos);
}

TEST(MdpJsonRoundTrip, ScrambledMdpAndStableText) {
  const TabularMdp mdp = scrambled_mdp(1000, 5);
  const std::string text = to_json(mdp);
  const TabularMdp back = parse_mdp_json(text, "round.json");
  expect_identical(back, mdp);
  EXPECT_EQ(to_json(back), text);
}

TEST(MdpJsonRoundTrip, LayoutIsOnePairPerLine) {
  const TabularMdp mdp = scrambled_mdp(1000, 5);
  const std::string text = to_json(mdp);
  std::istringstream in(text);
  std::string line;
  std::size_t lines = 0, pair_lines = 0, longest_other = 0;
  while (std::getline(in, line)) {
    ++lines;
    if (line.rfind("      [[", 0) == 0) {
      ++pair_lines;
    } else {
      longest_other = std::max(longest_other, line.size());
    }
  }
  EXPECT_EQ(pair_lines, mdp.n_pairs());
  // The start distribution wraps at 100 columns rather than making one huge line.
  EXPECT_LE(longest_other, 100u);
  EXPECT_GT(lines, mdp.n_pairs() + mdp.n_states);
}

TEST(MdpJsonRoundTrip, GymnasiumExports) {
  // Whatever Gymnasium exports the test data holds: read, written, read back identically.
  const std::filesystem::path folder = std::filesystem::path(DYNAQ_TEST_DATA_DIR) / "gymnasium";
  if (!std::filesystem::exists(folder)) GTEST_SKIP() << "no " << folder;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().string());
    const TabularMdp mdp = load_mdp_json_file(entry.path().string());
    expect_identical(parse_mdp_json(to_json(mdp), "round.json"), mdp);
  }
}

}  // namespace
}  // namespace dynaq
