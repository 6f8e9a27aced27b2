// ResultFileSet and verify_results: temporary files renamed into place only once all are
// complete, removed on signals, sealed by a summary with their checksums (result_files.hpp).
#include "dynaq/result_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>

#include "dynaq/errors.hpp"
#include "dynaq/format.hpp"

namespace dynaq {
namespace {

// ---------------------------------------------------------------------------------------------
// Errors.

// The system's reason, with what it usually means for someone writing results.
std::string reason(int error) {
  std::string text = std::strerror(error);
  switch (error) {
    case ENOSPC: return text + " (the disk is full)";
    case EDQUOT: return text + " (the disk quota is used up)";
    case EFBIG:
      return text + " (the file size limit, see ulimit -f, or the file system's largest file " +
             "was reached)";
    case EACCES:
    case EPERM: return text + " (this user may not write there)";
    case EROFS: return text + " (the file system is mounted read-only)";
    case ENOTDIR: return text + " (a part of the path is a file, not a folder)";
    default: return text;
  }
}

std::runtime_error io_failure(const std::string& what, const std::string& path, int error) {
  return std::runtime_error("cannot " + what + " " + path + ": " + reason(error));
}

// fsync of a folder, so that the renames in it survive a power loss. File systems that cannot
// sync a folder say EINVAL; there is nothing more to do on them.
void sync_directory(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw io_failure("open folder", path, errno);
  const int result = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (result != 0 && error != EINVAL && error != ENOTSUP) throw io_failure("sync folder", path, error);
}

// ---------------------------------------------------------------------------------------------
// SHA-256 (FIPS 180-4).

class Sha256 {
 public:
  void update(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    length_ += size;
    if (filled_ > 0) {
      const std::size_t take = std::min(size, block_.size() - filled_);
      std::memcpy(block_.data() + filled_, bytes, take);
      filled_ += take;
      bytes += take;
      size -= take;
      if (filled_ < block_.size()) return;
      compress(block_.data());
      filled_ = 0;
    }
    for (; size >= 64; bytes += 64, size -= 64) compress(bytes);
    std::memcpy(block_.data(), bytes, size);
    filled_ = size;
  }

  std::string hex() const {
    Sha256 last = *this;
    const std::uint64_t bits = length_ * 8;
    const unsigned char one = 0x80, zero = 0;
    last.update(&one, 1);
    while (last.filled_ != 56) last.update(&zero, 1);
    unsigned char tail[8];
    for (int k = 0; k < 8; ++k) tail[k] = static_cast<unsigned char>(bits >> (56 - 8 * k));
    last.update(tail, 8);
    static const char kDigits[] = "0123456789abcdef";
    std::string out;
    for (std::uint32_t word : last.state_)
      for (int shift = 28; shift >= 0; shift -= 4) out += kDigits[(word >> shift) & 0xF];
    return out;
  }

 private:
  static std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

  void compress(const unsigned char* block) {
    static constexpr std::uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2};
    std::uint32_t w[64];
    for (int t = 0; t < 16; ++t)
      w[t] = std::uint32_t{block[4 * t]} << 24 | std::uint32_t{block[4 * t + 1]} << 16 |
             std::uint32_t{block[4 * t + 2]} << 8 | std::uint32_t{block[4 * t + 3]};
    for (int t = 16; t < 64; ++t) {
      const std::uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
      const std::uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
      w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3], e = state_[4],
                  f = state_[5], g = state_[6], h = state_[7];
    for (int t = 0; t < 64; ++t) {
      const std::uint32_t t1 =
          h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[t] + w[t];
      const std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    state_[0] += a;
    state_[1] += b;
    state_[2] += c;
    state_[3] += d;
    state_[4] += e;
    state_[5] += f;
    state_[6] += g;
    state_[7] += h;
  }

  std::array<std::uint32_t, 8> state_{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::array<unsigned char, 64> block_{};
  std::size_t filled_ = 0;
  std::uint64_t length_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Removal of temporaries on SIGINT, SIGTERM and SIGHUP.
//
// A signal handler may only call async-signal-safe functions (unlink, signal, raise) and may not
// take a lock or allocate, so the temporaries' paths live in a fixed table of slots. A slot is
// claimed (free -> claimed) by compare-and-swap, filled, then published (armed) with a release
// store; the handler unlinks the armed slots' paths. A path that does not fit, or a table that
// is full, only loses the signal-time cleanup: the destructor still removes the file.

constexpr int kSlotCount = 64;
constexpr std::size_t kSlotPathBytes = 4096;
enum SlotState : int { kFree = 0, kClaimed = 1, kArmed = 2 };

struct CleanupSlot {
  std::atomic<int> state{kFree};
  char path[kSlotPathBytes];
};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs lock-free atomics");

CleanupSlot cleanup_slots[kSlotCount];

extern "C" void remove_temporaries_on_signal(int signal_number) {
  remove_result_temporaries_in_signal_handler();
  // Die of the same signal, so that the parent sees how the process ended: with the default
  // action back, the signal raised here is delivered as soon as the handler returns.
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

void install_signal_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
      if (::sigaction(signal_number, nullptr, &current) != 0) continue;
      if ((current.sa_flags & SA_SIGINFO) != 0 || current.sa_handler != SIG_DFL) continue;
      struct sigaction action {};
      action.sa_handler = remove_temporaries_on_signal;
      ::sigemptyset(&action.sa_mask);
      for (int blocked : {SIGINT, SIGTERM, SIGHUP}) ::sigaddset(&action.sa_mask, blocked);
      ::sigaction(signal_number, &action, nullptr);
    }
    if (::sigaction(SIGXFSZ, nullptr, &current) == 0 && (current.sa_flags & SA_SIGINFO) == 0 &&
        current.sa_handler == SIG_DFL)
      ::signal(SIGXFSZ, SIG_IGN);
  });
}

// Returns the slot that now holds `path`, or -1.
int arm_cleanup(const std::string& path) {
  if (path.size() >= kSlotPathBytes) return -1;
  for (int k = 0; k < kSlotCount; ++k) {
    int expected = kFree;
    if (!cleanup_slots[k].state.compare_exchange_strong(expected, kClaimed,
                                                        std::memory_order_acquire))
      continue;
    std::memcpy(cleanup_slots[k].path, path.c_str(), path.size() + 1);
    cleanup_slots[k].state.store(kArmed, std::memory_order_release);
    return k;
  }
  return -1;
}

void disarm_cleanup(int& slot) noexcept {
  if (slot >= 0) cleanup_slots[slot].state.store(kFree, std::memory_order_release);
  slot = -1;
}

// ---------------------------------------------------------------------------------------------
// The stream buffer of a result file: a file descriptor written through a 64 KiB buffer, hashed
// as it goes. The first failed write throws (the ostream rethrows it, its exception mask holding
// badbit) and is remembered, so that commit() reports it too.

class ResultFileBuffer : public std::streambuf {
 public:
  ResultFileBuffer(int fd, std::string name) : fd_(fd), name_(std::move(name)) {
    setp(buffer_.data(), buffer_.data() + buffer_.size());
  }
  ResultFileBuffer(const ResultFileBuffer&) = delete;
  ResultFileBuffer& operator=(const ResultFileBuffer&) = delete;
  ~ResultFileBuffer() override { abandon(); }

  // Writes what is buffered, syncs the file to the disk and closes it.
  void finish() {
    if (error_ != 0) fail(error_);
    drain();
    if (::fsync(fd_) != 0) fail(errno);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail(errno);  // NFS reports some write errors only here
  }
  // Closes the file without writing what is buffered.
  void abandon() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  std::uint64_t bytes() const { return bytes_; }
  std::string sha256() const { return hash_.hex(); }

 protected:
  int_type overflow(int_type c) override {
    drain();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }

  std::streamsize xsputn(const char* data, std::streamsize size) override {
    if (size <= 0) return 0;  // ostream::write(nullptr, 0), e.g. of an empty vector, is valid
    if (size <= epptr() - pptr()) {
      std::memcpy(pptr(), data, static_cast<std::size_t>(size));
      pbump(static_cast<int>(size));
      return size;
    }
    drain();
    write_all(data, static_cast<std::size_t>(size));
    return size;
  }

  int sync() override {
    drain();
    return 0;
  }

 private:
  void drain() {
    const std::size_t pending = static_cast<std::size_t>(pptr() - pbase());
    if (pending > 0) write_all(pbase(), pending);
    setp(buffer_.data(), buffer_.data() + buffer_.size());
  }

  void write_all(const char* data, std::size_t size) {
    if (error_ != 0) fail(error_);
    if (fd_ < 0) fail(EBADF);
    hash_.update(data, size);
    bytes_ += size;
    while (size > 0) {
      const ssize_t written = ::write(fd_, data, std::min<std::size_t>(size, std::size_t{1} << 30));
      if (written < 0) {
        if (errno == EINTR) continue;
        fail(errno);
      }
      data += written;
      size -= static_cast<std::size_t>(written);
    }
  }

  [[noreturn]] void fail(int error) {
    error_ = error;
    throw io_failure("write", name_, error);
  }

  int fd_;
  std::string name_;  // the final path, as the user knows the file
  int error_ = 0;
  std::uint64_t bytes_ = 0;
  Sha256 hash_;
  std::array<char, 1 << 16> buffer_;
};

// Creates a new temporary file for writing. A stale one of the same name (left by a killed
// process whose id this one now has) is replaced.
int create_temporary(const std::string& path) {
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW;
  int fd = ::open(path.c_str(), flags, 0666);
  if (fd < 0 && errno == EEXIST && ::unlink(path.c_str()) == 0) fd = ::open(path.c_str(), flags, 0666);
  return fd;
}

bool is_plain_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

// ---------------------------------------------------------------------------------------------
// A small strict JSON reader, for the summary: the caller's object when it is sealed, and the
// whole summary when a folder is verified. Members keep their order ("complete" must be last).

struct Json {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;  // a string's value, or a number's literal text
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;

  const Json* find(std::string_view key) const {
    for (const auto& member : members)
      if (member.first == key) return &member.second;
    return nullptr;
  }
  // A non-negative integer literal, or false.
  bool as_count(std::uint64_t& value) const {
    if (kind != Kind::kNumber) return false;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    return result.ec == std::errc() && result.ptr == text.data() + text.size();
  }
};

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : text_(text) {}

  Json read_document() {
    Json value = read_value(0);
    skip_space();
    if (at_ < text_.size()) fail("trailing characters after the top-level value");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(what + " at byte " + std::to_string(at_ + 1));
  }
  void skip_space() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\r' ||
                                  text_[at_] == '\t'))
      ++at_;
  }
  bool take(char c) {
    skip_space();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!take(c)) fail(std::string("expected '") + c + "'");
  }

  Json read_value(int depth) {
    if (depth > 64) fail("nesting deeper than 64 levels");
    skip_space();
    if (at_ >= text_.size()) fail("unexpected end");
    Json value;
    const char c = text_[at_];
    if (c == '{') {
      ++at_;
      value.kind = Json::Kind::kObject;
      if (take('}')) return value;
      do {
        skip_space();
        std::string key = read_string();
        expect(':');
        value.members.emplace_back(std::move(key), read_value(depth + 1));
      } while (take(','));
      expect('}');
    } else if (c == '[') {
      ++at_;
      value.kind = Json::Kind::kArray;
      if (take(']')) return value;
      do value.items.push_back(read_value(depth + 1));
      while (take(','));
      expect(']');
    } else if (c == '"') {
      value.kind = Json::Kind::kString;
      value.text = read_string();
    } else if (text_.substr(at_, 4) == "true" || text_.substr(at_, 5) == "false") {
      value.kind = Json::Kind::kBool;
      value.boolean = c == 't';
      at_ += value.boolean ? 4 : 5;
    } else if (text_.substr(at_, 4) == "null") {
      at_ += 4;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      value.kind = Json::Kind::kNumber;
      const std::size_t begin = at_;
      while (at_ < text_.size() && std::string_view("+-0123456789.eE").find(text_[at_]) != std::string_view::npos)
        ++at_;
      value.text = std::string(text_.substr(begin, at_ - begin));
      double ignored = 0.0;
      const auto result = std::from_chars(value.text.data(), value.text.data() + value.text.size(), ignored);
      if (result.ptr != value.text.data() + value.text.size()) fail("invalid number");
    } else {
      fail("unexpected character");
    }
    return value;
  }

  std::string read_string() {
    if (at_ >= text_.size() || text_[at_] != '"') fail("expected a string");
    ++at_;
    std::string out;
    for (;;) {
      if (at_ >= text_.size()) fail("unterminated string");
      const char c = text_[at_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_ >= text_.size()) fail("unterminated string");
      const char e = text_[at_++];
      switch (e) {
        case '"': case '\\': case '/': out += e; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': append_utf8(out, read_code_point()); break;
        default: fail("invalid escape");
      }
    }
  }

  std::uint32_t read_hex4() {
    if (at_ + 4 > text_.size()) fail("unterminated \\u escape");
    std::uint32_t code = 0;
    const auto result = std::from_chars(text_.data() + at_, text_.data() + at_ + 4, code, 16);
    if (result.ptr != text_.data() + at_ + 4) fail("invalid \\u escape");
    at_ += 4;
    return code;
  }
  std::uint32_t read_code_point() {
    const std::uint32_t code = read_hex4();
    if (code < 0xD800 || code > 0xDBFF) return code;
    if (text_.substr(at_, 2) != "\\u") fail("unpaired surrogate");
    at_ += 2;
    const std::uint32_t low = read_hex4();
    if (low < 0xDC00 || low > 0xDFFF) fail("unpaired surrogate");
    return 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

// Reads a whole file into memory; false (with errno) when it cannot.
bool read_whole_file(const std::string& path, std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out.clear();
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      errno = error;
      return n == 0;
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

}  // namespace

void remove_result_temporaries_in_signal_handler() noexcept {
  for (CleanupSlot& slot : cleanup_slots)
    if (slot.state.load(std::memory_order_acquire) == kArmed) ::unlink(slot.path);
}

// ---------------------------------------------------------------------------------------------
// ResultFileSet.

struct ResultFileSet::PendingFile {
  std::string name;
  std::string final_path;
  std::string temporary_path;
  std::unique_ptr<ResultFileBuffer> buffer;
  std::unique_ptr<std::ostream> stream;
  int cleanup_slot = -1;
};

ResultFileSet::ResultFileSet(std::string directory) : directory_(std::move(directory)) {}

ResultFileSet::~ResultFileSet() {
  if (!committed_) remove_temporaries();
}

void ResultFileSet::check_new_name(const std::string& filename) const {
  DYNAQ_EXPECTS(!committed_, "a ResultFileSet takes no file after commit");
  DYNAQ_EXPECTS(is_plain_name(filename), "a result file name must be a plain name: " + filename);
  bool taken = summary_ && filename == summary_name_;
  for (const auto& file : files_) taken = taken || file->name == filename;
  DYNAQ_EXPECTS(!taken, "result file opened twice: " + filename);
}

void ResultFileSet::prepare_folder() {
  if (folder_ready_) return;
  std::error_code error;
  created_folder_ = std::filesystem::create_directories(directory_, error);
  if (error && std::filesystem::exists(directory_) && !std::filesystem::is_directory(directory_))
    throw std::runtime_error("cannot write results to " + directory_ + ": it is not a folder");
  if (error) throw io_failure("create folder", directory_, error.value());
  install_signal_handlers();
  folder_ready_ = true;
}

ResultFileSet::PendingFile& ResultFileSet::create_temporary_file(const std::string& filename) {
  auto file = std::make_unique<PendingFile>();
  file->name = filename;
  file->final_path = (std::filesystem::path(directory_) / filename).string();
  file->temporary_path = file->final_path + ".partial-" + std::to_string(::getpid());
  const int fd = create_temporary(file->temporary_path);
  if (fd < 0) throw io_failure("create", file->final_path, errno);
  file->cleanup_slot = arm_cleanup(file->temporary_path);
  file->buffer = std::make_unique<ResultFileBuffer>(fd, file->final_path);
  files_.push_back(std::move(file));
  return *files_.back();
}

std::ostream& ResultFileSet::open(const std::string& filename) {
  check_new_name(filename);
  prepare_folder();
  PendingFile& file = create_temporary_file(filename);
  file.stream = std::make_unique<std::ostream>(file.buffer.get());
  file.stream->exceptions(std::ios::badbit);
  return *file.stream;
}

std::ostream& ResultFileSet::open_summary(const std::string& filename) {
  DYNAQ_EXPECTS(!summary_, "a ResultFileSet has one summary");
  check_new_name(filename);
  prepare_folder();
  summary_name_ = filename;
  summary_ = std::make_unique<std::ostringstream>();
  return *summary_;
}

namespace {

// The caller's summary with the seal's members after its own (result_files.hpp).
std::string sealed_summary(const std::string& text, const std::string& name,
                           const std::vector<std::pair<std::string, std::pair<std::uint64_t, std::string>>>& files) {
  Json object;
  try {
    object = JsonReader(text).read_document();
  } catch (const std::exception& e) {
    DYNAQ_EXPECTS(false, "the summary " + name + " is not valid JSON: " + e.what());
  }
  DYNAQ_EXPECTS(object.kind == Json::Kind::kObject, "the summary " + name + " is not a JSON object");
  for (const char* key : {"result_format", "checksums", "complete"})
    DYNAQ_EXPECTS(!object.find(key), std::string("the summary may not hold the key ") + key);

  std::string out = text.substr(0, text.find_last_of('}'));
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n' || out.back() == '\r' || out.back() == '\t'))
    out.pop_back();
  if (!object.members.empty()) out += ",";
  out += "\n";
  if (!object.find("dynaq_version")) out += "  \"dynaq_version\": " + json_string(DYNAQ_VERSION) + ",\n";
  out += "  \"result_format\": " + std::to_string(kResultFormat) + ",\n  \"checksums\": {";
  for (std::size_t k = 0; k < files.size(); ++k)
    out += std::string(k ? ",\n" : "\n") + "    " + json_string(files[k].first) + ": {\"bytes\": " +
           std::to_string(files[k].second.first) + ", \"sha256\": \"" + files[k].second.second + "\"}";
  out += files.empty() ? "},\n" : "\n  },\n";
  out += "  \"complete\": true\n}\n";
  return out;
}

}  // namespace

void ResultFileSet::commit() {
  DYNAQ_EXPECTS(!committed_, "ResultFileSet::commit twice");
  if (!folder_ready_) {  // nothing was opened: nothing to write
    committed_ = true;
    return;
  }
  try {
    std::vector<std::pair<std::string, std::pair<std::uint64_t, std::string>>> checksums;
    for (auto& file : files_) {
      file->buffer->finish();
      checksums.push_back({file->name, {file->buffer->bytes(), file->buffer->sha256()}});
    }
    if (summary_) {
      // The summary is written only now, sealed, so that it goes into place after the files.
      const std::string text = sealed_summary(summary_->str(), summary_name_, checksums);
      PendingFile& summary = create_temporary_file(summary_name_);
      summary.buffer->sputn(text.data(), static_cast<std::streamsize>(text.size()));
      summary.buffer->finish();
    }
    // The files first, then (after a sync of the folder) the summary that vouches for them: a
    // crash in between leaves either no summary or the previous one, which no longer matches.
    const std::size_t data_files = files_.size() - (summary_ ? 1 : 0);
    for (std::size_t k = 0; k < files_.size(); ++k) {
      PendingFile& file = *files_[k];
      if (k == data_files) sync_directory(directory_);
      if (std::rename(file.temporary_path.c_str(), file.final_path.c_str()) != 0)
        throw io_failure("rename into place", file.final_path, errno);
      disarm_cleanup(file.cleanup_slot);
    }
    sync_directory(directory_);
    if (created_folder_) {
      const std::filesystem::path parent = std::filesystem::absolute(directory_).parent_path();
      sync_directory(parent.string());
    }
  } catch (...) {
    remove_temporaries();
    throw;
  }
  committed_ = true;
}

void ResultFileSet::remove_temporaries() noexcept {
  for (auto& file : files_) {
    if (file->buffer) file->buffer->abandon();
    ::unlink(file->temporary_path.c_str());
    disarm_cleanup(file->cleanup_slot);
  }
}

// ---------------------------------------------------------------------------------------------
// Verification.

ResultCheck verify_results(const std::string& directory, const std::string& summary) {
  ResultCheck check;
  const auto result = [&](ResultStatus status, const std::string& message) {
    check.status = status;
    check.message = message;
    return check;
  };
  const std::filesystem::path folder(directory);
  const std::string summary_path = (folder / summary).string();
  std::error_code error;
  if (!std::filesystem::is_directory(folder, error))
    return result(ResultStatus::kMissing, directory + ": no such folder");

  std::string text;
  if (!read_whole_file(summary_path, text)) {
    if (errno != ENOENT) return result(ResultStatus::kIncomplete, "cannot read " + summary_path + ": " + reason(errno));
    // No summary: an empty folder, or files of a run that did not finish.
    for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
      const std::string name = entry.path().filename().string();
      if (name.find(".partial-") != std::string::npos) continue;
      return result(ResultStatus::kIncomplete,
                    directory + " holds " + name + " but no " + summary +
                        ": the run that wrote it did not finish, or it is not a dynaq result folder");
    }
    return result(ResultStatus::kMissing, directory + " holds no results");
  }

  Json object;
  try {
    object = JsonReader(text).read_document();
  } catch (const std::exception& e) {
    return result(ResultStatus::kIncomplete,
                  summary_path + " is cut short or damaged (" + e.what() + "): not complete results");
  }
  if (object.kind != Json::Kind::kObject)
    return result(ResultStatus::kCorrupt, summary_path + " is not a JSON object");
  if (const Json* version = object.find("dynaq_version"); version && version->kind == Json::Kind::kString)
    check.dynaq_version = version->text;
  const std::string writer =
      check.dynaq_version.empty() ? std::string("a version of dynaq") : "dynaq " + check.dynaq_version;

  const Json* format = object.find("result_format");
  std::uint64_t format_number = 0;
  if (!format)
    return result(ResultStatus::kOtherVersion,
                  directory + " was written by " + writer + " that did not seal its results with " +
                      "checksums; this is dynaq " + DYNAQ_VERSION + ", which cannot vouch for them");
  if (!format->as_count(format_number) || format_number != static_cast<std::uint64_t>(kResultFormat))
    return result(ResultStatus::kOtherVersion,
                  directory + " was written by " + writer + " in result format " + format->text +
                      "; this is dynaq " + DYNAQ_VERSION + ", which reads format " +
                      std::to_string(kResultFormat));
  const auto& last = object.members.back();
  if (last.first != "complete" || last.second.kind != Json::Kind::kBool || !last.second.boolean)
    return result(ResultStatus::kIncomplete,
                  summary_path + " does not end with \"complete\": true: not complete results");

  const Json* checksums = object.find("checksums");
  if (!checksums || checksums->kind != Json::Kind::kObject)
    return result(ResultStatus::kCorrupt, summary_path + " has no \"checksums\" object");
  for (const auto& [name, entry] : checksums->members) {
    check.files.push_back(name);
    const std::string path = (folder / name).string();
    std::uint64_t expected_bytes = 0;
    const Json* bytes = entry.find("bytes");
    const Json* sha = entry.find("sha256");
    if (!is_plain_name(name) || !bytes || !bytes->as_count(expected_bytes) || !sha ||
        sha->kind != Json::Kind::kString)
      return result(ResultStatus::kCorrupt, summary_path + ": malformed checksum entry for " + json_string(name));
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0)
      return result(ResultStatus::kCorrupt, path + " is listed in " + summary + " but " + reason(errno));
    if (static_cast<std::uint64_t>(info.st_size) != expected_bytes)
      return result(ResultStatus::kCorrupt,
                    path + " has " + std::to_string(info.st_size) + " bytes, but " + summary + " says " +
                        std::to_string(expected_bytes) +
                        ": it was cut short or changed, or a run replacing these results was interrupted");
    std::string actual;
    try {
      actual = sha256_file(path);
    } catch (const std::exception& e) {
      return result(ResultStatus::kCorrupt, e.what());
    }
    if (actual != sha->text)
      return result(ResultStatus::kCorrupt,
                    path + " does not match its SHA-256 in " + summary +
                        ": it was changed, or a run replacing these results was interrupted");
  }
  check.files.push_back(summary);
  if (check.dynaq_version != DYNAQ_VERSION)
    return result(ResultStatus::kOtherVersion,
                  directory + " holds complete results of " + writer + "; this is dynaq " + DYNAQ_VERSION);
  return result(ResultStatus::kComplete, directory + " holds complete results of " + writer);
}

void check_output_folder_writable(const std::string& directory) {
  // The folders missing on the way, deepest first: created for the probe, removed after it.
  std::vector<std::filesystem::path> missing;
  std::error_code error;
  for (std::filesystem::path p = directory; !p.empty() && !std::filesystem::exists(p, error); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  struct RemoveCreated {
    const std::vector<std::filesystem::path>& folders;
    ~RemoveCreated() {
      std::error_code ignored;
      for (const std::filesystem::path& folder : folders) std::filesystem::remove(folder, ignored);  // if empty
    }
  } remove_created{missing};
  std::filesystem::create_directories(directory, error);
  if (error) throw io_failure("create folder", directory, error.value());
  if (!std::filesystem::is_directory(directory, error))
    throw std::runtime_error("cannot write results to " + directory + ": it is not a folder");
  const std::string probe =
      (std::filesystem::path(directory) / (".dynaq-write-test-" + std::to_string(::getpid()))).string();
  const int fd = create_temporary(probe);
  if (fd < 0) throw io_failure("write results to", directory, errno);
  const char byte = '\n';
  ssize_t written;
  do written = ::write(fd, &byte, 1);
  while (written < 0 && errno == EINTR);
  const int write_error = written == 1 ? 0 : (written < 0 ? errno : ENOSPC);
  ::close(fd);
  ::unlink(probe.c_str());
  if (write_error != 0) throw io_failure("write results to", directory, write_error);
}

std::string sha256_hex(const void* data, std::size_t size) {
  Sha256 hash;
  hash.update(data, size);
  return hash.hex();
}

std::string sha256_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw io_failure("read", path, errno);
  Sha256 hash;
  std::vector<char> buffer(1 << 20);
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      throw io_failure("read", path, error);
    }
    if (n == 0) break;
    hash.update(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  return hash.hex();
}

}  // namespace dynaq
