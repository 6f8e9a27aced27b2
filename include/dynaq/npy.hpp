// NumPy .npy (format version 1.0) writing, so that NumPy users load dynaq's tables directly.
#pragma once

#include <cstdint>
#include <ostream>
#include <vector>

namespace dynaq {

// Writes a C-ordered little-endian array of the given shape (`shape` empty: a 0-d array of
// one element) as a version 1.0 .npy file: the magic "\x93NUMPY", the version bytes 1 and 0,
// the header length as 2 bytes little-endian, then the header
//   {'descr': '<f4', 'fortran_order': False, 'shape': (a, b, c), }
// ('<f8' for double; a 1-D shape is written "(n,)") padded with spaces and ended by '\n' so
// that magic, version, length and header together are a multiple of 64 bytes, then the data,
// each NaN written as canonical_nan (same_bits.hpp), the positive quiet NaN.
// Throws std::runtime_error when the stream fails, std::invalid_argument when the shape's
// element count overflows or the header would not fit version 1.0's 65535 bytes.
void write_npy(std::ostream& out, const float* data, const std::vector<std::uint64_t>& shape);
void write_npy(std::ostream& out, const double* data, const std::vector<std::uint64_t>& shape);

}  // namespace dynaq
