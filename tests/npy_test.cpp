// Tests of .npy writing: the exact header bytes, the data bits, and (where NumPy is installed)
// that numpy.load reads the files back.
#include "dynaq/npy.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace dynaq {
namespace {

constexpr std::size_t kPreamble = 10;  // magic (6), version (2), header length (2)

template <typename T>
std::string npy_bytes(const std::vector<T>& data, const std::vector<std::uint64_t>& shape) {
  std::ostringstream out;
  write_npy(out, data.data(), shape);
  return out.str();
}

// A header as NumPy writes it: the dict, then spaces up to the 64-byte boundary, then '\n'.
std::string padded(const std::string& dict, std::size_t spaces) {
  return dict + std::string(spaces, ' ') + "\n";
}

std::string header_of(const std::string& file) {
  const std::size_t length = static_cast<unsigned char>(file[8]) |
                             (static_cast<std::size_t>(static_cast<unsigned char>(file[9])) << 8);
  return file.substr(kPreamble, length);
}

TEST(Npy, FloatMatrixHeaderAndBits) {
  const std::vector<float> data = {0.0f, 1.5f, -2.25f, 1e-30f, 3.0e38f, -0.0f};
  const std::string file = npy_bytes(data, {2, 3});
  ASSERT_GE(file.size(), kPreamble);
  EXPECT_EQ(file.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  // 10 + 59 + 58 + 1 = 128: the same 58 spaces NumPy itself writes for this dict.
  EXPECT_EQ(header_of(file),
            padded("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 58));
  EXPECT_EQ(static_cast<unsigned char>(file[8]), 118);
  EXPECT_EQ(file[9], 0);
  ASSERT_EQ(file.size(), 128 + data.size() * sizeof(float));
  EXPECT_EQ(std::memcmp(file.data() + 128, data.data(), data.size() * sizeof(float)), 0);
}

// Results made on different processors hold NaNs of different signs and payloads: the file holds
// one, the positive quiet NaN, so that the same results are the same bytes.
TEST(Npy, EveryNanIsWrittenAsThePositiveQuietNan) {
  std::vector<float> floats(70000, 1.25f);  // more than one piece of the writer
  const std::uint32_t x86_nan = 0xFFC00000u, gpu_nan = 0x7FFFFFFFu;
  std::memcpy(&floats[3], &x86_nan, 4);
  std::memcpy(&floats[69999], &gpu_nan, 4);
  const std::string file = npy_bytes(floats, {floats.size()});
  ASSERT_EQ(file.size(), 128 + floats.size() * sizeof(float));
  std::vector<std::uint32_t> written(floats.size());
  std::memcpy(written.data(), file.data() + 128, written.size() * 4);
  EXPECT_EQ(written[3], 0x7FC00000u);
  EXPECT_EQ(written[69999], 0x7FC00000u);
  EXPECT_EQ(written[4], 0x3FA00000u);  // 1.25f, untouched
  const std::uint64_t x86_nan_double = 0xFFF8000000000000ull;
  std::vector<double> doubles = {-0.0, 0.0};
  std::memcpy(&doubles[1], &x86_nan_double, 8);
  const std::string doubles_file = npy_bytes(doubles, {2});
  std::uint64_t bits[2];
  std::memcpy(bits, doubles_file.data() + 128, 16);
  EXPECT_EQ(bits[0], 0x8000000000000000ull);  // -0 stays -0
  EXPECT_EQ(bits[1], 0x7FF8000000000000ull);
}

TEST(Npy, OneDimensionalShapeIsAOneTuple) {
  const std::vector<double> data = {1.0, 2.0, 3.0, 4.0, 5.0};
  const std::string file = npy_bytes(data, {5});
  EXPECT_EQ(header_of(file),
            padded("{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", 60));
  ASSERT_EQ(file.size(), 128 + 5 * sizeof(double));
  EXPECT_EQ(std::memcmp(file.data() + 128, data.data(), 5 * sizeof(double)), 0);
}

TEST(Npy, HeadersAlwaysEndOnA64ByteBoundary) {
  const std::vector<std::vector<std::uint64_t>> shapes = {
      {}, {0}, {7}, {2, 3, 4}, {3, 0}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}};
  for (const auto& shape : shapes) {
    std::uint64_t count = 1;
    for (std::uint64_t extent : shape) count *= extent;
    const std::vector<double> data(count, 0.25);
    const std::string file = npy_bytes(data, shape);
    const std::string header = header_of(file);
    EXPECT_EQ((kPreamble + header.size()) % 64, 0u) << header;
    EXPECT_EQ(header.back(), '\n');
    EXPECT_EQ(file.size(), kPreamble + header.size() + count * sizeof(double));
  }
  // A 0-d array holds one element; an empty one none.
  const std::vector<double> one = {0.5};
  EXPECT_EQ(header_of(npy_bytes(one, {})),
            padded("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 62));
  const std::vector<double> none;
  EXPECT_EQ(header_of(npy_bytes(none, {3, 0})),
            padded("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 0), }", 58));
}

TEST(Npy, ThreeDimensionalDoubles) {
  std::vector<double> data(2 * 3 * 4);
  for (std::size_t k = 0; k < data.size(); ++k) data[k] = 0.5 * static_cast<double>(k) - 3.0;
  const std::string file = npy_bytes(data, {2, 3, 4});
  EXPECT_EQ(header_of(file),
            padded("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, 4), }", 55));
  EXPECT_EQ(std::memcmp(file.data() + 128, data.data(), data.size() * sizeof(double)), 0);
}

TEST(Npy, FailingStreamThrows) {
  std::ofstream closed;  // never opened: every write fails
  const std::vector<float> data = {1.0f};
  EXPECT_THROW(write_npy(closed, data.data(), {1}), std::runtime_error);
}

TEST(Npy, OverflowingShapeThrows) {
  std::ostringstream out;
  const std::vector<float> data = {1.0f};
  EXPECT_THROW(write_npy(out, data.data(), {1ull << 32, 1ull << 32}), std::invalid_argument);
}

// Runs `command` and returns its standard output.
std::string output_of(const std::string& command) {
  std::string text;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return text;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) text.append(buffer, n);
  pclose(pipe);
  return text;
}

// A Python that imports NumPy: the first python3 on PATH may be one without it (a pyenv
// interpreter), while scripts/setup.sh installs Debian's python3-numpy for /usr/bin/python3.
std::string python_with_numpy() {
  for (const char* python : {"python3", "/usr/bin/python3"})
    if (std::system((std::string(python) + " -c 'import numpy' >/dev/null 2>&1").c_str()) == 0) return python;
  return "";
}

TEST(Npy, NumpyLoadsTheFiles) {
  const std::string python = python_with_numpy();
  if (python.empty()) GTEST_SKIP() << "no python3 with numpy is installed: numpy.load is not checked";
  const std::filesystem::path folder =
      std::filesystem::temp_directory_path() / ("dynaq-npy-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(folder);
  const std::string f4 = (folder / "f4.npy").string(), f8 = (folder / "f8.npy").string();
  {
    std::ofstream out(f4, std::ios::binary);
    const std::vector<float> data = {0.0f, 1.5f, -2.25f, 4.0f, -0.375f, 0.125f};
    write_npy(out, data.data(), {2, 3});
  }
  {
    std::ofstream out(f8, std::ios::binary);
    std::vector<double> data(2 * 3 * 4);
    for (std::size_t k = 0; k < data.size(); ++k) data[k] = 0.5 * static_cast<double>(k) - 3.0;
    write_npy(out, data.data(), {2, 3, 4});
  }
  const std::string script =
      "import numpy as np\n"
      "a = np.load('" + f4 + "')\n"
      "b = np.load('" + f8 + "')\n"
      "print(a.dtype.str, a.shape, a.flags['C_CONTIGUOUS'], float(a[0, 1]), float(a[1, 0]),"
      " float(a[1, 1]))\n"
      "print(b.dtype.str, b.shape, float(b[0, 0, 0]), float(b[1, 2, 3]), float(b[1, 0, 1]))\n";
  const std::string output = output_of(python + " -c \"" + script + "\" 2>&1");
  EXPECT_EQ(output,
            "<f4 (2, 3) True 1.5 4.0 -0.375\n"
            "<f8 (2, 3, 4) -3.0 8.5 3.5\n");
  std::filesystem::remove_all(folder);
}

}  // namespace
}  // namespace dynaq
