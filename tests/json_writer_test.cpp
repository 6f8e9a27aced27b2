#include "dynaq/json_writer.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <sstream>

namespace dynaq {
namespace {

using Layout = JsonWriter::Layout;

TEST(JsonWriter, InlineObjectsSeparateMembersWithCommaSpace) {
  std::ostringstream out;
  JsonWriter json(out);
  json.begin_object().member("a", 1).member("b", 0.5).member("c", "x\"y").member("d", true);
  json.key("e").null().member_array("f", std::vector<int>{1, 2}).end_object();
  EXPECT_EQ(out.str(), R"({"a": 1, "b": 0.5, "c": "x\"y", "d": true, "e": null, "f": [1, 2]})");
}

TEST(JsonWriter, BlocksPutEachMemberOnItsOwnIndentedLine) {
  std::ostringstream out;
  JsonWriter json(out);
  json.begin_object(Layout::kBlock).member("a", 1);
  json.key("list").begin_array(Layout::kBlock);
  json.begin_object().member("x", 1).end_object();
  json.begin_object().member("x", 2).end_object();
  json.end_array();
  json.key("empty").begin_array(Layout::kBlock).end_array();
  json.key("inline").begin_object().member("y", std::uint64_t{18446744073709551615u}).end_object();
  json.end_object();
  EXPECT_EQ(out.str(),
            "{\n  \"a\": 1,\n  \"list\": [\n    {\"x\": 1},\n    {\"x\": 2}\n  ],\n  \"empty\": [],\n"
            "  \"inline\": {\"y\": 18446744073709551615}\n}");
}

TEST(JsonWriter, TextForInsertionIsIndentedAsItWillStand) {
  std::ostringstream inner_text;
  JsonWriter inner(inner_text, 1);
  inner.begin_array(Layout::kBlock).value(1).value(2).end_array();
  std::ostringstream out;
  JsonWriter json(out);
  json.begin_object(Layout::kBlock).key("list").raw(inner_text.str()).end_object();
  EXPECT_EQ(out.str(), "{\n  \"list\": [\n    1,\n    2\n  ]\n}");
}

TEST(JsonWriter, NonFiniteNumbersAreNull) {
  std::ostringstream out;
  JsonWriter json(out);
  json.begin_array().value(std::numeric_limits<double>::infinity()).value(std::nan("")).value(-0.0).end_array();
  EXPECT_EQ(out.str(), "[null, null, -0]");
}

TEST(JsonWriter, RefusesAKeyOutsideAnObjectAndAnUnbalancedClose) {
  std::ostringstream out;
  JsonWriter json(out);
  EXPECT_THROW(json.key("a"), std::logic_error);
  EXPECT_THROW(json.end_object(), std::logic_error);
  json.begin_object().key("a");
  EXPECT_THROW(json.end_object(), std::logic_error);
}

}  // namespace
}  // namespace dynaq
