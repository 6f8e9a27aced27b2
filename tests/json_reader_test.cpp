// The summary's JSON reader: members in file order, every value kind, escapes (surrogate pairs
// included), counts, the nesting limit, strict numbers, and errors that say what is wrong and at
// which line and column.
#include "dynaq/json_reader.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "dynaq/errors.hpp"

namespace dynaq {
namespace {

using Kind = JsonValue::Kind;

std::string error_of(const std::string& text) {
  try {
    read_json(text);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(JsonReader, ObjectsKeepTheirMembersInFileOrder) {
  const JsonValue v = read_json(R"( {"z": 1, "a": [true, false, null], "m": {"x": "y"}} )");
  ASSERT_EQ(v.kind, Kind::kObject);
  ASSERT_EQ(v.members.size(), 3u);
  EXPECT_EQ(v.members[0].first, "z");
  EXPECT_EQ(v.members[1].first, "a");
  EXPECT_EQ(v.members[2].first, "m");
  const JsonValue* list = v.find("a");
  ASSERT_NE(list, nullptr);
  ASSERT_EQ(list->items.size(), 3u);
  EXPECT_EQ(list->items[0].kind, Kind::kBool);
  EXPECT_TRUE(list->items[0].boolean);
  EXPECT_FALSE(list->items[1].boolean);
  EXPECT_EQ(list->items[2].kind, Kind::kNull);
  EXPECT_EQ(v.find("m")->find("x")->text, "y");
  EXPECT_EQ(v.find("absent"), nullptr);
}

TEST(JsonReader, NumbersKeepTheirTextAndCountsAreWholeAndNonNegative) {
  const JsonValue v = read_json(R"({"n": 81234, "big": 18446744073709551615, "neg": -1, "real": 1.5e3})");
  std::uint64_t count = 0;
  EXPECT_TRUE(v.find("n")->as_count(count));
  EXPECT_EQ(count, 81234u);
  EXPECT_TRUE(v.find("big")->as_count(count));
  EXPECT_EQ(count, 18446744073709551615u);
  EXPECT_FALSE(v.find("neg")->as_count(count));
  EXPECT_FALSE(v.find("real")->as_count(count));
  EXPECT_EQ(v.find("real")->text, "1.5e3");
  EXPECT_FALSE(read_json(R"("81234")").as_count(count));  // a string is not a count
}

TEST(JsonReader, StringEscapesAndSurrogatePairsBecomeUtf8) {
  EXPECT_EQ(read_json(R"("a\"b\\c\/d\n\t")").text, "a\"b\\c/d\n\t");
  EXPECT_EQ(read_json(R"("\u00e9")").text, "\xC3\xA9");
  EXPECT_EQ(read_json(R"("\ud83d\ude00")").text, "\xF0\x9F\x98\x80");
}

TEST(JsonReader, ErrorsSayWhatAndWhere) {
  EXPECT_EQ(error_of(R"({"a": 1,})"), "line 1, column 9: unexpected character '}' (expected a key string)");
  EXPECT_EQ(error_of(R"({"a": 1} x)"),
            "line 1, column 10: trailing characters after the top-level value, starting with 'x'");
  EXPECT_EQ(error_of(R"({"a": 1)"),
            "line 1, column 8: unexpected end of input (expected ',' or '}' after an object member)");
  EXPECT_EQ(error_of(R"("\ud83d")"),
            "line 1, column 2: invalid \\u escape: a high surrogate must be followed by a \\u escape of a "
            "low surrogate");
  EXPECT_EQ(error_of("\"a\x01\""),
            "line 1, column 3: control character byte 0x01 in a string (write it as an escape such as "
            "\\n or \\u001f)");
  EXPECT_EQ(error_of(""), "line 1, column 1: unexpected end of input (expected a value)");
  EXPECT_EQ(error_of("{\n  \"a\": tru\n}"), "line 2, column 8: unexpected word \"tru\" (expected a value)");
  EXPECT_EQ(error_of("[1,]"), "line 1, column 4: unexpected character ']' (expected a value)");
  EXPECT_THROW(read_json("{"), InputError);
}

TEST(JsonReader, NestingStopsBelow64Levels) {
  EXPECT_EQ(error_of(std::string(65, '[') + std::string(65, ']')), "");
  EXPECT_EQ(error_of(std::string(64, '[') + "1" + std::string(64, ']')), "");
  EXPECT_EQ(error_of(std::string(66, '[') + std::string(66, ']')), "line 1, column 66: nesting deeper than 64 levels");
  EXPECT_EQ(error_of(std::string(65, '[') + "1" + std::string(65, ']')),
            "line 1, column 66: nesting deeper than 64 levels");
}

// The tokenizer reads NaN and Infinity as numbers for the MDP schema's messages; they are not JSON.
TEST(JsonReader, NonFiniteLiteralsAreRefused) {
  EXPECT_EQ(error_of(R"({"a": NaN})"), "line 1, column 7: NaN is not a JSON number (JSON has no NaN or infinity)");
  EXPECT_EQ(error_of("[-Infinity]"),
            "line 1, column 2: -Infinity is not a JSON number (JSON has no NaN or infinity)");
  EXPECT_EQ(error_of("Infinity"), "line 1, column 1: Infinity is not a JSON number (JSON has no NaN or infinity)");
}

TEST(JsonReader, NumbersFollowTheGrammar) {
  EXPECT_EQ(error_of("01"), "line 1, column 1: invalid number: leading zeros are not allowed");
  EXPECT_EQ(error_of("1."),
            "line 1, column 3: unexpected end of input in a number (expected a digit after the decimal point)");
  EXPECT_EQ(error_of("[-x]"), "line 1, column 3: invalid number: expected a digit after '-', found 'x'");
  EXPECT_EQ(read_json("-0.5E+2").text, "-0.5E+2");
}

}  // namespace
}  // namespace dynaq
