// Errors of the system calls that write and read result files: each names the file and the
// system's reason, with what the reason usually means for someone writing results.
#pragma once

#include <stdexcept>
#include <string>

namespace dynaq {

// strerror(error), with what it usually means for someone writing results ("(the disk is full)").
std::string io_error_reason(int error);

// "cannot WHAT PATH: REASON", e.g. io_failure("write", "out/curves.csv", ENOSPC).
std::runtime_error io_failure(const std::string& what, const std::string& path, int error);

}  // namespace dynaq
