// Errors that the command line turns into messages and exit codes.
//
// InputError: the user gave something wrong (a file, an option, a value). The message names the
// file:line:column or the option at fault; the command line prints it and exits with code 2.
// Everything else (std::runtime_error and friends) is an internal or environment failure and
// exits with code 1. Errors carry the source location where they were raised when that helps a
// bug report (DYNAQ_FAIL), never in user-facing input errors.
#pragma once

#include <stdexcept>
#include <string>

namespace dynaq {

inline constexpr int kExitInputError = 2;
inline constexpr int kExitRuntimeError = 1;

class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

// Formats "file:line:column: message", the form editors and terminals recognise.
inline std::string at_position(const std::string& file, std::size_t line, std::size_t column,
                               const std::string& message) {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

// An internal invariant failed: a bug in dynaq, reported with where it happened.
class InternalError : public std::logic_error {
 public:
  InternalError(const std::string& message, const char* file, int line)
      : std::logic_error(std::string(file) + ":" + std::to_string(line) + ": " + message) {}
};

}  // namespace dynaq

#define DYNAQ_EXPECTS(condition, message)                                      \
  do {                                                                         \
    if (!(condition)) throw ::dynaq::InternalError((message), __FILE__, __LINE__); \
  } while (0)
