// NumPy .npy writing: format version 1.0, C order, little-endian float32 and float64, NaNs in
// one form.
#include "dynaq/npy.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "dynaq/same_bits.hpp"

namespace dynaq {

namespace {

// The data is written as the host holds it, which is only NumPy's '<' order on a
// little-endian host (every host dynaq targets: x86-64 and AArch64 Linux).
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "npy writing assumes a little-endian host");

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicLength = 6;
constexpr std::size_t kPreambleLength = kMagicLength + 2 + 2;  // magic, version, header length
constexpr std::size_t kAlignment = 64;

std::uint64_t element_count(const std::vector<std::uint64_t>& shape) {
  std::uint64_t count = 1;
  for (const std::uint64_t extent : shape) {
    if (extent != 0 && count > std::numeric_limits<std::uint64_t>::max() / extent)
      throw std::invalid_argument("npy: the shape's element count overflows 64 bits");
    count *= extent;
  }
  return count;
}

// The header dict, padded with spaces and ended by '\n'.
std::string npy_header(const std::string& descr, const std::vector<std::uint64_t>& shape) {
  std::string tuple = "(";
  for (std::size_t k = 0; k < shape.size(); ++k) {
    if (k > 0) tuple += ", ";
    tuple += std::to_string(shape[k]);
  }
  if (shape.size() == 1) tuple += ",";  // Python's one-element tuple
  tuple += ")";
  std::string header =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + tuple + ", }";
  // Pad with spaces so that the data starts on a 64-byte boundary; '\n' ends the header.
  const std::size_t unpadded = kPreambleLength + header.size() + 1;
  header.append((kAlignment - unpadded % kAlignment) % kAlignment, ' ');
  header += '\n';
  if (header.size() > 0xFFFF)
    throw std::invalid_argument("npy: the header does not fit format version 1.0");
  return header;
}

template <typename T>
void write_array(std::ostream& out, const T* data, const std::vector<std::uint64_t>& shape,
                 const char* descr) {
  const std::uint64_t count = element_count(shape);
  if (count > std::numeric_limits<std::uint64_t>::max() / sizeof(T))
    throw std::invalid_argument("npy: the array's size in bytes overflows 64 bits");
  const std::string header = npy_header(descr, shape);
  const char preamble[kPreambleLength] = {
      kMagic[0], kMagic[1], kMagic[2], kMagic[3], kMagic[4], kMagic[5], 1, 0,
      static_cast<char>(header.size() & 0xFF), static_cast<char>((header.size() >> 8) & 0xFF)};
  out.write(preamble, kPreambleLength);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  // In pieces, with every NaN in one form (same_bits.hpp: the processor that made it chose its
  // sign and payload), so that the same results are the same bytes whichever engine made them.
  constexpr std::uint64_t kPiece = std::uint64_t{1} << 16;  // values
  std::vector<T> piece;
  for (std::uint64_t first = 0; first < count && out; first += kPiece) {
    const std::uint64_t length = std::min(kPiece, count - first);
    piece.assign(data + first, data + first + length);
    for (T& value : piece) value = canonical_nan(value);
    out.write(reinterpret_cast<const char*>(piece.data()), static_cast<std::streamsize>(length * sizeof(T)));
  }
  if (!out) throw std::runtime_error("npy: writing the array failed");
}

}  // namespace

void write_npy(std::ostream& out, const float* data, const std::vector<std::uint64_t>& shape) {
  write_array(out, data, shape, "<f4");
}

void write_npy(std::ostream& out, const double* data, const std::vector<std::uint64_t>& shape) {
  write_array(out, data, shape, "<f8");
}

}  // namespace dynaq
