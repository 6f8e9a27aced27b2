// Option value parsing with errors that name the option and the value.
#include "options.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "dynaq/errors.hpp"

namespace dynaq::cli {

namespace {
std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}
}  // namespace

std::vector<std::string> split_list(const std::vector<std::string>& occurrences) {
  std::vector<std::string> items;
  for (const std::string& occurrence : occurrences) {
    std::size_t start = 0;
    while (true) {
      const std::size_t comma = occurrence.find(',', start);
      items.push_back(trim(occurrence.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return items;
}

double parse_real(const std::string& text, const std::string& option) {
  if (text.empty()) throw InputError(option + ": empty value in the list");
  errno = 0;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || text.find_first_of("xXpP") != std::string::npos)
    throw InputError(option + ": '" + text + "' is not a number");
  if (!std::isfinite(value) || errno == ERANGE) throw InputError(option + ": '" + text + "' is not a finite number");
  return value;
}

std::uint64_t parse_count(const std::string& text, const std::string& option) {
  if (text.empty()) throw InputError(option + ": empty value in the list");
  if (text[0] == '-') throw InputError(option + ": '" + text + "' is negative; expected an integer >= 0");
  if (text.find_first_not_of("0123456789") != std::string::npos)
    throw InputError(option + ": '" + text + "' is not a non-negative integer");
  errno = 0;
  const unsigned long long value = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE) throw InputError(option + ": '" + text + "' is too large");
  return value;
}

std::vector<double> parse_reals(const std::vector<std::string>& occurrences, const std::string& option) {
  std::vector<double> values;
  for (const std::string& item : split_list(occurrences)) values.push_back(parse_real(item, option));
  return values;
}

std::vector<std::uint32_t> parse_counts32(const std::vector<std::string>& occurrences, const std::string& option) {
  std::vector<std::uint32_t> values;
  for (const std::string& item : split_list(occurrences)) {
    const std::uint64_t value = parse_count(item, option);
    if (value > 0xFFFFFFFFull) throw InputError(option + ": '" + item + "' is larger than 4294967295");
    values.push_back(static_cast<std::uint32_t>(value));
  }
  return values;
}

std::vector<PlanningDraw> parse_planning_draws(const std::vector<std::string>& occurrences) {
  std::vector<PlanningDraw> values;
  for (const std::string& item : split_list(occurrences)) {
    if (item == "pairs") values.push_back(PlanningDraw::kPairs);
    else if (item == "states") values.push_back(PlanningDraw::kStates);
    else throw InputError("--planning-draw: '" + item + "' is not one of: pairs, states");
  }
  return values;
}

std::vector<std::optional<std::uint32_t>> parse_step_limits(const std::vector<std::string>& occurrences) {
  std::vector<std::optional<std::uint32_t>> values;
  for (const std::string& item : split_list(occurrences)) {
    if (item == "env") values.push_back(std::nullopt);
    else if (item == "none") values.push_back(0u);
    else {
      const std::uint64_t value = parse_count(item, "--max-episode-steps");
      if (value > 0xFFFFFFFFull) throw InputError("--max-episode-steps: '" + item + "' is larger than 4294967295");
      values.push_back(static_cast<std::uint32_t>(value));
    }
  }
  return values;
}

std::string command_line(int argc, const char* const* argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    const bool plain = !arg.empty() && arg.find_first_of(" \t\"'\\$`;&|<>()*?") == std::string::npos;
    if (!plain) {
      std::string quoted = "'";
      for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
      arg = quoted + "'";
    }
    line += (i ? " " : "") + arg;
  }
  return line;
}

}  // namespace dynaq::cli
