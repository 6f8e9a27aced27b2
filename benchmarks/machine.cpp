// What the numbers were measured on: CPU, compiler, CUDA, date and commit; and number formats.
#include <omp.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "bench.hpp"
#include "dynaq/messages.hpp"

namespace dynaq::bench {

namespace {

// The first line a shell command prints, without its newline; empty when it fails.
std::string first_line_of(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  char buffer[512];
  std::string line;
  if (std::fgets(buffer, sizeof buffer, pipe) != nullptr) line = buffer;
  const int status = pclose(pipe);
  if (status != 0) return "";
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

std::string cpuinfo_field(const std::string& key) {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind(key, 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const auto value = line.find_first_not_of(' ', colon + 1);
    return value == std::string::npos ? "" : line.substr(value);
  }
  return "";
}

}  // namespace

Machine describe_machine(const std::string& source_dir) {
  Machine m;
  m.cpu_model = cpuinfo_field("model name");
  if (m.cpu_model.empty()) m.cpu_model = "unknown CPU";
  m.cores = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  m.openmp_threads = omp_get_max_threads();
  const std::string mhz = cpuinfo_field("cpu MHz");
  m.cpu_mhz = mhz.empty() ? 0.0 : std::atof(mhz.c_str());
#if defined(__clang__)
  m.compiler = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  m.compiler = std::string("g++ ") + __VERSION__;
#else
  m.compiler = "unknown";
#endif
  m.cuda_build = cuda_build_version();
  const std::time_t now = std::time(nullptr);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  m.date_utc = date;
  if (!source_dir.empty()) {
    const std::string git = "git -C '" + source_dir + "' ";
    m.git_commit = first_line_of(git + "rev-parse HEAD 2>/dev/null");
    if (!m.git_commit.empty() && !first_line_of(git + "status --porcelain --untracked-files=no 2>/dev/null").empty())
      m.git_commit += "+dirty";
  }
  m.load_average = load_average();
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) == 0) m.hostname = host;
  return m;
}

std::string load_average() {
  std::ifstream file("/proc/loadavg");
  std::string one, five, fifteen;
  file >> one >> five >> fifteen;
  return file ? one + " " + five + " " + fifteen : "";
}

std::string si(double value, int digits) {
  if (!std::isfinite(value)) return "n/a";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*e", digits - 1, value);
  // 1.23e+08 -> 1.23e8, 4.5e-03 -> 4.5e-3
  std::string text = buffer;
  const auto e = text.find('e');
  if (e == std::string::npos) return text;
  std::string mantissa = text.substr(0, e), exponent = text.substr(e + 1);
  const bool negative = exponent[0] == '-';
  exponent = exponent.substr(1);
  while (exponent.size() > 1 && exponent[0] == '0') exponent.erase(0, 1);
  return mantissa + "e" + (negative ? "-" : "") + exponent;
}

std::string bytes_text(double bytes) { return bytes < 0 ? "n/a" : format_bytes(static_cast<std::uint64_t>(bytes)); }

}  // namespace dynaq::bench
