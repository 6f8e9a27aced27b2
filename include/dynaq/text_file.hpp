// Whole text files for dynaq's parsers (maze files, MDP JSON, config files), read within limits.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "dynaq/errors.hpp"

namespace dynaq {

// The error for a file past a reader's limit; `size` is the file's size ("1.2 GiB"), or "larger
// than that" for a pipe or a device, whose size shows only as it is read.
using TooLargeError = std::function<InputError(const std::string& size)>;

// Reads the file at `path` whole. A directory is refused. A regular file larger than
// `max_bytes` is refused before anything is read; a pipe or a device as soon as it passes the
// limit, so that it cannot grow the text without bound. Reading stops after the first piece
// that holds a NUL byte: no format dynaq reads allows one, so the parser then reports it at its
// line and column, and /dev/zero or a binary file fails at once instead of filling memory.
// Throws InputError naming the file when it cannot be opened or read.
std::string read_text_file(const std::string& path, std::uint64_t max_bytes, const TooLargeError& too_large);

}  // namespace dynaq
