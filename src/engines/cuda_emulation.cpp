// The cuda engine's device emulated on the host (cuda_engine_driver.hpp): the kernels' bodies run
// block by block, and a block's phases run one after another, each over all of the block's
// threads, which is exactly what the barriers between them guarantee on a GPU. Within a phase the
// threads run last to first, so a phase that read what another thread of the same phase writes
// would show.
#include <cstring>
#include <new>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "dynaq/detail/cuda_engine_driver.hpp"
#include "dynaq/errors.hpp"

namespace dynaq {

namespace {

// Memory never written by the engine holds this byte: not 0, not a sentinel such as kUnseen, not
// a float that is 0 or 1.
constexpr unsigned char kGarbage = 0xA5;
constexpr std::align_val_t kAlignment{256};  // as cudaMalloc's

class HostMemory final : public DeviceMemory {
 public:
  // `allocated` counts the device's bytes in use; it must outlive this.
  HostMemory(std::uint64_t bytes, std::uint64_t& allocated)
      : data_(static_cast<unsigned char*>(::operator new(bytes > 0 ? bytes : 1, kAlignment))),
        bytes_(bytes),
        allocated_(allocated) {
    std::memset(data_, kGarbage, bytes);
    allocated_ += bytes;
  }
  HostMemory(const HostMemory&) = delete;
  HostMemory& operator=(const HostMemory&) = delete;
  ~HostMemory() override {
    ::operator delete(data_, kAlignment);
    allocated_ -= bytes_;
  }
  unsigned char* data() const override { return data_; }

 private:
  unsigned char* data_;
  std::uint64_t bytes_;
  std::uint64_t& allocated_;
};

// A block's shared memory, aligned as the kernel declares it.
struct alignas(16) SharedWords {
  unsigned char bytes[16];
};

class EmulatedDevice final : public AgentDevice {
 public:
  explicit EmulatedDevice(EmulationOptions options) : options_(std::move(options)) {}

  std::string describe() const override {
    std::ostringstream out;
    out << "host emulation of a CUDA device (" << options_.limits.multiprocessors << " multiprocessors, "
        << options_.limits.shared_bytes_per_block << " bytes of shared memory per block)";
    return out.str();
  }

  DeviceLimits limits() override { return options_.limits; }

  // Refuses, as cudaMalloc would, allocations beyond the free memory the limits claim.
  std::unique_ptr<DeviceMemory> allocate(std::uint64_t bytes) override {
    if (bytes > options_.limits.free_bytes - allocated_)
      throw std::runtime_error("emulated device: out of memory allocating " + std::to_string(bytes) + " bytes (" +
                               std::to_string(options_.limits.free_bytes - allocated_) + " free)");
    return std::make_unique<HostMemory>(bytes, allocated_);
  }
  void upload(void* device, const void* host, std::uint64_t bytes) override { std::memcpy(device, host, bytes); }
  void download(void* host, const void* device, std::uint64_t bytes) override { std::memcpy(host, device, bytes); }
  void zero(void* device, std::uint64_t bytes) override { std::memset(device, 0, bytes); }

  void prepare(const KernelPlan& plan) override {
    const DeviceLimits& l = options_.limits;
    const bool shared = plan.kernel == CudaKernel::kShared;
    if (plan.threads_per_block == 0 || plan.threads_per_block > (shared ? l.max_threads_shared : l.max_threads_global) ||
        (shared && (plan.shared.bytes > l.shared_bytes_per_block || plan.agents_per_block > plan.threads_per_block)))
      throw std::runtime_error("emulated device: the plan cannot launch");
  }

  // As init_agents_kernel: blocks of 128 threads over the chunk.
  void init_agents(const ChunkArgs& chunk) override {
    constexpr std::uint32_t kThreads = 128;
    const std::uint32_t blocks = (chunk.n_agents + kThreads - 1) / kThreads;
    for (std::uint32_t b = 0; b < blocks; ++b)
      for (std::uint32_t t = 0; t < kThreads; ++t) init_agent_thread(chunk, b * kThreads + t);
  }

  void advance_agents(const AdvanceArgs& args, const KernelPlan& plan, std::uint32_t* unfinished) override {
    // The launch carries the plan's choice of model source (tests of the plan rely on it running).
    DYNAQ_EXPECTS(args.chunk.tables.model_is_environment == plan.model_from_environment,
                  "emulated device: the launch's tables do not say where the plan reads the model");
    const std::uint32_t blocks = plan.blocks(args.chunk.n_agents), threads = plan.threads_per_block;
    std::uint32_t count = 0;
    if (plan.kernel != CudaKernel::kShared) {
      for (std::uint32_t b = 0; b < blocks; ++b)
        for (std::uint32_t k = 0; k < threads; ++k) count += advance_global_thread(args, b * threads + thread(k, threads));
    } else {
      SharedLayout layout = plan.shared;
      if (options_.tamper_shared_layout) options_.tamper_shared_layout(layout);
      // The block's shared memory, 16-byte aligned as the kernel declares it.
      std::vector<SharedWords> words(layout.bytes / sizeof(SharedWords) + 1);
      unsigned char* smem = reinterpret_cast<unsigned char*>(words.data());
      for (std::uint32_t b = 0; b < blocks; ++b) {
        std::memset(smem, kGarbage, words.size() * sizeof(SharedWords));  // undefined at the start of every block
        for (std::uint32_t phase = 0; phase < kSharedPhases; ++phase)
          for (std::uint32_t k = 0; k < threads; ++k)
            count += shared_block_phase(phase, args, layout, smem, b, thread(k, threads), threads);
      }
    }
    *unfinished += count;
  }

 private:
  std::uint32_t thread(std::uint32_t k, std::uint32_t threads) const {
    return options_.reverse_threads ? threads - 1 - k : k;
  }

  EmulationOptions options_;
  std::uint64_t allocated_ = 0;
};

}  // namespace

std::unique_ptr<AgentDevice> make_emulated_device(const EmulationOptions& options) {
  return std::make_unique<EmulatedDevice>(options);
}

}  // namespace dynaq
