// same_bits and canonical_nan (same_bits.hpp): every NaN alike, every other bit compared; and the
// one text every NaN is written as (format.hpp).
#include "dynaq/same_bits.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "dynaq/format.hpp"
#include "engine_test_support.hpp"

namespace dynaq {
namespace {

float float_of(std::uint32_t bits) {
  float x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}
double double_of(std::uint64_t bits) {
  double x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}
using testing_support::bits;

// The NaNs of x86 (the "default NaN", sign set) and of NVIDIA GPUs, and a signalling one.
const float kX86Nan = float_of(0xFFC00000u);
const float kGpuNan = float_of(0x7FFFFFFFu);
const float kSignallingNan = float_of(0x7F800001u);
const double kX86NanDouble = double_of(0xFFF8000000000000ull);
const double kGpuNanDouble = double_of(0x7FFFFFFFFFFFFFFFull);

TEST(SameBits, AnyTwoNaNsAreTheSame) {
  EXPECT_TRUE(same_bits(kX86Nan, kGpuNan));
  EXPECT_TRUE(same_bits(kGpuNan, kSignallingNan));
  EXPECT_TRUE(same_bits(kX86NanDouble, kGpuNanDouble));
}

TEST(SameBits, EveryOtherBitCounts) {
  EXPECT_FALSE(same_bits(0.0f, -0.0f));  // equal as numbers, not as bits
  EXPECT_FALSE(same_bits(0.0, -0.0));
  EXPECT_FALSE(same_bits(1.0f, std::nextafter(1.0f, 2.0f)));
  EXPECT_FALSE(same_bits(kGpuNan, std::numeric_limits<float>::infinity()));
  EXPECT_FALSE(same_bits(1.0, kX86NanDouble));
  EXPECT_TRUE(same_bits(-0.0f, -0.0f));
  EXPECT_TRUE(same_bits(std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()));
  EXPECT_TRUE(same_bits(7u, 7u));
  EXPECT_FALSE(same_bits(std::uint64_t{7}, std::uint64_t{8}));
}

TEST(SameBits, VectorsCompareLengthAndEveryElement) {
  EXPECT_TRUE(same_bits(std::vector<float>{1.0f, kX86Nan}, std::vector<float>{1.0f, kGpuNan}));
  EXPECT_FALSE(same_bits(std::vector<float>{1.0f, 0.0f}, std::vector<float>{1.0f, -0.0f}));
  EXPECT_FALSE(same_bits(std::vector<float>{1.0f}, std::vector<float>{1.0f, 1.0f}));
  EXPECT_TRUE(same_bits(std::vector<double>{}, std::vector<double>{}));
}

TEST(SameBits, CanonicalNanIsThePositiveQuietNanAndLeavesNumbersAlone) {
  EXPECT_EQ(bits(canonical_nan(kX86Nan)), 0x7FC00000u);
  EXPECT_EQ(bits(canonical_nan(kGpuNan)), 0x7FC00000u);
  EXPECT_EQ(bits(canonical_nan(kSignallingNan)), 0x7FC00000u);
  EXPECT_EQ(bits(canonical_nan(kX86NanDouble)), 0x7FF8000000000000ull);
  EXPECT_EQ(bits(canonical_nan(-0.0f)), bits(-0.0f));
  EXPECT_EQ(canonical_nan(-std::numeric_limits<double>::infinity()), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(canonical_nan(2.5), 2.5);
}

TEST(SameBits, EveryNanIsWrittenAsNan) {
  EXPECT_EQ(format_float(kX86Nan), "nan");
  EXPECT_EQ(format_float(kGpuNan), "nan");
  EXPECT_EQ(format_double(kX86NanDouble), "nan");
  EXPECT_EQ(format_double(kGpuNanDouble), "nan");
  EXPECT_EQ(format_double(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(format_float(-0.0f), "-0");
}

}  // namespace
}  // namespace dynaq
