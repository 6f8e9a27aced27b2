// Every CUDA call is checked: a failure becomes a std::runtime_error with file and line.
#pragma once

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#define DYNAQ_CUDA_TRY(call)                                                                  \
  do {                                                                                        \
    const cudaError_t dynaq_status_ = (call);                                                 \
    if (dynaq_status_ != cudaSuccess)                                                         \
      throw std::runtime_error(std::string(__FILE__) + ":" + std::to_string(__LINE__) + ": " + \
                               #call + " failed: " + cudaGetErrorString(dynaq_status_));      \
  } while (0)

namespace dynaq {

// Device memory owned on the host. The destructor frees and never throws.
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t count) : count_(count) {
    if (count > 0) DYNAQ_CUDA_TRY(cudaMalloc(&data_, count * sizeof(T)));
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& other) noexcept : data_(other.data_), count_(other.count_) {
    other.data_ = nullptr;
    other.count_ = 0;
  }
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    if (this != &other) {
      if (data_ != nullptr) cudaFree(data_);
      data_ = other.data_;
      count_ = other.count_;
      other.data_ = nullptr;
      other.count_ = 0;
    }
    return *this;
  }
  ~DeviceBuffer() {
    if (data_ != nullptr) cudaFree(data_);
  }

  T* data() const { return data_; }
  std::size_t size() const { return count_; }

  void upload(const T* host, std::size_t count) {
    if (count > 0) DYNAQ_CUDA_TRY(cudaMemcpy(data_, host, count * sizeof(T), cudaMemcpyHostToDevice));
  }
  void download(T* host, std::size_t count) const {
    if (count > 0) DYNAQ_CUDA_TRY(cudaMemcpy(host, data_, count * sizeof(T), cudaMemcpyDeviceToHost));
  }

 private:
  T* data_ = nullptr;
  std::size_t count_ = 0;
};

}  // namespace dynaq
