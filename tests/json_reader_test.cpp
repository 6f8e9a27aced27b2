// The summary's JSON reader: members in file order, every value kind, escapes (surrogate pairs
// included), counts, and errors that say what is wrong and at which byte.
#include "dynaq/json_reader.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

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

TEST(JsonReader, ErrorsSayWhatAndAtWhichByte) {
  EXPECT_EQ(error_of(R"({"a": 1,})"), "expected a string at byte 9");
  EXPECT_EQ(error_of(R"({"a": 1} x)"), "trailing characters after the top-level value at byte 10");
  EXPECT_EQ(error_of(R"({"a": 1)"), "expected '}' at byte 8");
  EXPECT_EQ(error_of(R"("\ud83d")"), "unpaired surrogate at byte 8");
  EXPECT_EQ(error_of("\"a\x01\"").rfind("control character in a string at byte ", 0), 0u);
  EXPECT_EQ(error_of(""), "unexpected end at byte 1");
  EXPECT_EQ(error_of(std::string(65, '[') + std::string(65, ']')), "");
  EXPECT_EQ(error_of(std::string(66, '[') + std::string(66, ']')), "nesting deeper than 64 levels at byte 66");
}

}  // namespace
}  // namespace dynaq
