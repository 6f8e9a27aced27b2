// Parsing of option values the way every subcommand needs them: comma-separated lists of
// numbers, integers and names, each error naming the option and the value at fault.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dynaq/agent_params.hpp"

namespace dynaq::cli {

// Splits "a,b,c" (each item trimmed); several occurrences of an option are concatenated.
std::vector<std::string> split_list(const std::vector<std::string>& occurrences);

double parse_real(const std::string& text, const std::string& option);
std::uint64_t parse_count(const std::string& text, const std::string& option);  // integer >= 0

std::vector<double> parse_reals(const std::vector<std::string>& occurrences, const std::string& option);
std::vector<std::uint32_t> parse_counts32(const std::vector<std::string>& occurrences, const std::string& option);
std::vector<PlanningDraw> parse_planning_draws(const std::vector<std::string>& occurrences);
// "env" (the environment's own limit), "none" or 0 (no limit), or a positive integer.
std::vector<std::optional<std::uint32_t>> parse_step_limits(const std::vector<std::string>& occurrences);

// The command line as one string, for the summary (so that a run can be repeated).
std::string command_line(int argc, const char* const* argv);

}  // namespace dynaq::cli
