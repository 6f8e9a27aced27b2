// Environment files held in memory (environment.hpp): the Python module's environments made
// from text, arrays or Gymnasium, which load_environment reads as files of that name.
#include <map>
#include <mutex>
#include <optional>

#include "dynaq/environment.hpp"

namespace dynaq {
namespace {

std::mutex& texts_mutex() {
  static std::mutex mutex;
  return mutex;
}
std::map<std::string, std::string>& texts() {
  static std::map<std::string, std::string> map;
  return map;
}

}  // namespace

void set_environment_text(const std::string& file_name, std::string text) {
  const std::lock_guard<std::mutex> lock(texts_mutex());
  texts()[file_name] = std::move(text);
}

void clear_environment_text(const std::string& file_name) {
  const std::lock_guard<std::mutex> lock(texts_mutex());
  texts().erase(file_name);
}

std::optional<std::string> environment_text(const std::string& file_name) {
  const std::lock_guard<std::mutex> lock(texts_mutex());
  const auto it = texts().find(file_name);
  if (it == texts().end()) return std::nullopt;
  return it->second;
}

}  // namespace dynaq
