// What "the same bits" means when results of different processors are compared: identical bits,
// except that any two NaNs are the same.
//
// The processor that makes a NaN (inf - inf, 0 * inf) chooses its sign and payload: x86 makes
// 0xFFC00000 (float) and 0xFFF8000000000000 (double), NVIDIA GPUs 0x7FFFFFFF. Nothing dynaq
// computes depends on them: a NaN compares false with everything and turns every sum and product
// it enters into a NaN, so the engines agree on which values are NaN and on every other bit.
// Comparisons of results therefore use same_bits, and the files dynaq writes hold NaN in one
// form (canonical_nan; format.hpp writes it as "nan").
#pragma once

#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

namespace dynaq {

template <typename T>
bool same_bits(const T& a, const T& b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (a != a && b != b) return true;  // both NaN
    return std::memcmp(&a, &b, sizeof(T)) == 0;
  } else {
    return a == b;
  }
}

template <typename T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same_bits(a[i], b[i])) return false;
  return true;
}

// The value, with any NaN replaced by the positive quiet NaN with no payload.
template <typename T>
T canonical_nan(T value) {
  static_assert(std::is_floating_point_v<T>, "canonical_nan is for float and double");
  return value != value ? std::numeric_limits<T>::quiet_NaN() : value;
}

}  // namespace dynaq
