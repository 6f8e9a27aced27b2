// The TOML subset reader: what it accepts, and that every refusal names file:line:column.
#include "dynaq/config_file.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dynaq/errors.hpp"

namespace dynaq {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_config_text(text, "sweep.toml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ConfigFile, ReadsKeysValuesArraysAndComments) {
  const ConfigDocument doc = parse_config_text(
      "# a sweep\n"
      "[run]\n"
      "env = [\"dyna-maze\", 'maze.txt']  # two environments\n"
      "alpha = [0.1,\n"
      "         0.5,   # comments inside arrays\n"
      "]\n"
      "seeds = 1_000\n"
      "q-init = -1\n"
      "kappa = +2.5e-3\n"
      "save_tables = true\n"
      "\"quoted key\" = \"tab\\there \\u00e9\"\r\n",
      "sweep.toml");
  ASSERT_EQ(doc.entries.size(), 7u);
  const ConfigEntry& env = doc.entries[0];
  EXPECT_EQ(env.key, "env");
  EXPECT_EQ(env.line, 3u);
  EXPECT_EQ(env.column, 1u);
  ASSERT_EQ(env.value.type, ConfigValue::Type::kArray);
  ASSERT_EQ(env.value.items.size(), 2u);
  EXPECT_EQ(env.value.items[1].text, "maze.txt");
  EXPECT_EQ(env.value.items[1].column, 21u);
  const ConfigEntry* alpha = doc.find("alpha");
  ASSERT_NE(alpha, nullptr);
  ASSERT_EQ(alpha->value.items.size(), 2u);
  EXPECT_EQ(alpha->value.items[1].text, "0.5");
  EXPECT_EQ(alpha->value.items[1].line, 5u);
  EXPECT_EQ(alpha->value.items[1].type, ConfigValue::Type::kFloat);
  EXPECT_EQ(doc.find("seeds")->value.text, "1000");
  EXPECT_EQ(doc.find("seeds")->value.type, ConfigValue::Type::kInteger);
  EXPECT_EQ(doc.find("q-init")->value.text, "-1");
  EXPECT_EQ(doc.find("kappa")->value.text, "2.5e-3");
  EXPECT_EQ(doc.find("save_tables")->value.type, ConfigValue::Type::kBoolean);
  EXPECT_EQ(doc.find("quoted key")->value.text, "tab\there \xC3\xA9");
}

TEST(ConfigFile, EveryRefusalNamesItsLineAndColumn) {
  const struct {
    std::string text;
    std::string message;
  } cases[] = {
      {"seeds = 10\nseeds = 20\n", "sweep.toml:2:1: the key 'seeds' is given twice (first at line 1)"},
      {"alpha = [0.1,\n  0.2\n", "sweep.toml:1:9: this array is not closed"},
      {"alpha = [0.1 0.2]\n", "sweep.toml:1:14: expected ',' or ']' in the array"},
      {"env = dyna-maze\n", "sweep.toml:1:7: 'dyna-maze' is not a value: strings need quotes"},
      {"[sweep]\n", "sweep.toml:1:1: unknown table [sweep]"},
      {"[run]\n[run]\n", "sweep.toml:2:1: the table [run] is given twice"},
      {"a.b = 1\n", "sweep.toml:1:2: dotted keys are not supported"},
      {"x = {a = 1}\n", "sweep.toml:1:5: inline tables are not supported"},
      {"x = [[1], [2]]\n", "sweep.toml:1:6: nested arrays are not supported"},
      {"x = \"\"\"long\"\"\"\n", "sweep.toml:1:5: multi-line strings are not supported"},
      {"x = 0x10\n", "sweep.toml:1:5: hexadecimal, octal and binary integers are not supported"},
      {"x = 007\n", "sweep.toml:1:5: leading zeros are not allowed"},
      {"x = 1979-05-27\n", "sweep.toml:1:9: dates and times are not supported"},
      {"x = \"open\n", "sweep.toml:1:5: this string is not closed on its line"},
      {"x = \"\\q\"\n", "sweep.toml:1:7: unknown escape \\q"},
      {"x = 1 y = 2\n", "sweep.toml:1:7: expected the end of the line"},
      {"x =\n", "sweep.toml:1:4: expected a value after '='"},
      {"x 1\n", "sweep.toml:1:3: expected '=' after the key 'x'"},
      {"= 1\n", "sweep.toml:1:1: expected a key"},
      {"x = 1.\n", "sweep.toml:1:7: expected a digit in the fraction"},
      {"x = 1\x01\n", "sweep.toml:1:6: expected the end of the line, found byte 0x01"},
      {"x = \"a\x7f\"\n", "sweep.toml:1:7: control character"},
  };
  for (const auto& c : cases) {
    const std::string error = error_of(c.text);
    EXPECT_EQ(error.rfind(c.message, 0), 0u) << c.text << "\n  got: " << error;
  }
}

TEST(ConfigFile, AnEmptyFileAndAByteOrderMarkAreFine) {
  EXPECT_TRUE(parse_config_text("", "x").entries.empty());
  EXPECT_TRUE(parse_config_text("\n# nothing\n\n", "x").entries.empty());
  const ConfigDocument doc = parse_config_text("\xEF\xBB\xBFseeds = 3", "x");
  ASSERT_EQ(doc.entries.size(), 1u);
  EXPECT_EQ(doc.entries[0].column, 1u);
}

TEST(ConfigFile, StringsWrittenByTomlStringReadBackUnchanged) {
  for (const std::string& text : std::vector<std::string>{"plain", "with \"quotes\" and \\", "tab\tnew\nline", "nul\x01"}) {
    const ConfigDocument doc = parse_config_text("k = " + toml_string(text) + "\n", "x");
    EXPECT_EQ(doc.entries.at(0).value.text, text);
  }
}

TEST(ConfigFile, AMissingFileIsAnInputErrorNamingIt) {
  try {
    read_config_file("/nonexistent/sweep.toml");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/sweep.toml"), std::string::npos);
  }
}

}  // namespace
}  // namespace dynaq
