// Chunk files: a short text header naming the arrays, then the arrays as raw little-endian
// bytes, so that a chunk is written and read back at disk speed and checked for completeness.
#include "dynaq/agent_metrics_store.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dynaq/errors.hpp"
#include "dynaq/format.hpp"
#include "dynaq/result_files.hpp"

namespace dynaq {

namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "chunk files are little-endian");

// Version 2 added the environment line.
constexpr const char* kMagic = "dynaq-chunk 2";
constexpr std::size_t kMaxHeaderBytes = 1 << 16;

std::string hex64(std::uint64_t value) {
  char buffer[20];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
  return buffer;
}

[[noreturn]] void damaged(const std::string& path, const std::string& why) {
  throw InputError(path + ": not a complete dynaq chunk file (" + why +
                   "); delete it and resume to compute that chunk again");
}

}  // namespace

const std::vector<double>* ChunkRecord::find(const std::string& name) const {
  for (std::size_t k = 0; k < names.size(); ++k)
    if (names[k] == name) return &arrays[k];
  return nullptr;
}

std::string chunk_file_name(std::uint32_t chunk) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "chunk-%06u.bin", chunk);
  return buffer;
}

std::uint64_t fnv1a64(const std::string& text) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

void write_chunk_file(const std::string& folder, const ChunkRecord& record) {
  std::ostringstream header;
  header << kMagic << "\n"
         << "dynaq-version " << record.identity.dynaq_version << "\n"
         << "config-hash " << hex64(record.identity.config_hash) << "\n"
         << "chunk " << record.chunk << "\n"
         << "environment " << record.environment_fingerprint << "\n"
         << "agents " << record.first_agent << " " << record.agents << "\n"
         << "seconds " << format_double(record.seconds) << "\n";
  std::string engine = record.engine;
  for (char& c : engine)
    if (c == '\n' || c == '\r') c = ' ';
  header << "engine " << engine << "\n";
  for (std::size_t k = 0; k < record.names.size(); ++k)
    header << "array " << record.names[k] << " f8 " << record.arrays[k].size() << "\n";
  if (!record.q.empty()) header << "array q f4 " << record.q.size() << "\n";
  header << "data\n";

  ResultFileSet files(folder);
  std::ostream& out = files.open(chunk_file_name(record.chunk));
  out << header.str();
  for (const std::vector<double>& array : record.arrays)
    out.write(reinterpret_cast<const char*>(array.data()), static_cast<std::streamsize>(array.size() * sizeof(double)));
  out.write(reinterpret_cast<const char*>(record.q.data()), static_cast<std::streamsize>(record.q.size() * sizeof(float)));
  files.commit();
}

ChunkRecord read_chunk_file(const std::string& path, bool header_only) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open the chunk file");
  ChunkRecord record;
  std::string line;
  std::size_t header_bytes = 0;
  std::vector<std::pair<std::string, std::uint64_t>> layout;  // name (q: float32), count
  bool saw_data = false;
  for (int k = 0; std::getline(in, line); ++k) {
    header_bytes += line.size() + 1;
    if (header_bytes > kMaxHeaderBytes) damaged(path, "its header is too long");
    if (k == 0) {
      if (line.rfind("dynaq-chunk ", 0) == 0 && line != kMagic)
        throw InputError(path + " is in another chunk format (" + line + ", this dynaq reads " + kMagic +
                         "); finish the run with the dynaq that started it, or start it again with --overwrite");
      if (line != kMagic) damaged(path, "it does not start with '" + std::string(kMagic) + "'");
      continue;
    }
    if (line == "data") {
      saw_data = true;
      break;
    }
    std::istringstream fields(line);
    std::string key;
    fields >> key;
    bool ok = true;
    if (key == "dynaq-version") {
      ok = static_cast<bool>(fields >> record.identity.dynaq_version);
    } else if (key == "config-hash") {
      std::string hex;
      ok = static_cast<bool>(fields >> hex) && hex.size() == 16;
      if (ok) record.identity.config_hash = std::stoull(hex, nullptr, 16);
    } else if (key == "chunk") {
      ok = static_cast<bool>(fields >> record.chunk);
    } else if (key == "environment") {
      ok = static_cast<bool>(fields >> record.environment_fingerprint);
    } else if (key == "agents") {
      ok = static_cast<bool>(fields >> record.first_agent >> record.agents);
    } else if (key == "seconds") {
      ok = static_cast<bool>(fields >> record.seconds);
    } else if (key == "engine") {
      record.engine = line.size() > 7 ? line.substr(7) : std::string();
    } else if (key == "array") {
      std::string name, type;
      std::uint64_t count = 0;
      ok = static_cast<bool>(fields >> name >> type >> count) &&
           (name == "q" ? type == "f4" : type == "f8") && count < (std::uint64_t{1} << 40);
      if (ok) layout.emplace_back(name, count);
    } else {
      damaged(path, "unknown header line '" + line + "'");
    }
    if (!ok) damaged(path, "bad header line '" + line + "'");
  }
  if (!saw_data) damaged(path, "its header has no end");
  if (header_only) return record;
  // The sizes the header declares are checked against the file's before anything is allocated:
  // a damaged count could otherwise ask for terabytes.
  std::uint64_t declared = header_bytes;
  for (const auto& [name, count] : layout) declared += count * (name == "q" ? sizeof(float) : sizeof(double));
  std::error_code not_regular;
  const std::uintmax_t size = std::filesystem::file_size(path, not_regular);
  if (!not_regular && declared > size) damaged(path, "it is shorter than its header says");
  if (!not_regular && declared < size) damaged(path, "it is longer than its header says");

  for (const auto& [name, count] : layout) {
    if (name == "q") {
      record.q.resize(count);
      in.read(reinterpret_cast<char*>(record.q.data()), static_cast<std::streamsize>(count * sizeof(float)));
    } else {
      record.names.push_back(name);
      record.arrays.emplace_back(count);
      in.read(reinterpret_cast<char*>(record.arrays.back().data()), static_cast<std::streamsize>(count * sizeof(double)));
    }
    if (!in) damaged(path, "it is shorter than its header says");
  }
  if (in.peek() != std::char_traits<char>::eof()) damaged(path, "it is longer than its header says");
  return record;
}

}  // namespace dynaq
