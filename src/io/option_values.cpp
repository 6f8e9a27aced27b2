// Option value parsing with errors that name the option and the value.
#include "dynaq/option_values.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "dynaq/errors.hpp"

namespace dynaq {

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
  // strtod also reads hexadecimal ("0x1p3"): not a form anyone means in an option.
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

int parse_thread_count(const std::string& text, const std::string& option) {
  const std::uint64_t threads = parse_count(text, option);
  if (threads > kMaxThreads)
    throw InputError(option + " " + text + " is more than " + std::to_string(kMaxThreads));
  return static_cast<int>(threads);
}

}  // namespace dynaq
