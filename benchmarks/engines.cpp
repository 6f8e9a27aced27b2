// The engines dynaq-bench runs, as --engines names them: the reference, the cpu engine on one
// thread, on all and in SIMD lanes, and the cuda engine's kernel versions on the GPU or on its
// host emulation.
#include <omp.h>

#include <algorithm>

#include "bench.hpp"
#include "dynaq/cuda_runtime_checks.hpp"
#include "dynaq/detail/cpu_lanes.hpp"
#include "dynaq/detail/cuda_engine_driver.hpp"

namespace dynaq::bench {

namespace {

// The cuda engine's two kernel versions on its host emulation (cuda_engine_driver.hpp): the
// kernels' bodies on this CPU, one thread after another, within an H100's limits and 2 GiB of
// host memory standing for the device's. Slow, and no measure of a GPU: it runs the benchmark's
// GPU half (verification, device memory, a kernel version refusing a case) where no GPU is.
void add_emulated_cuda_engines(std::vector<BenchEngine>& engines, BenchRun& run) {
  EmulationOptions emulation;
  emulation.limits = hopper_limits(std::uint64_t{2} << 30);
  for (const CudaKernel kernel : {CudaKernel::kGlobal, CudaKernel::kShared}) {
    CudaEngineOptions cuda;
    cuda.kernel = kernel;
    cuda.self_check = false;
    BenchEngine e{"emulated-cuda-" + cuda_kernel_name(kernel), true, false, 0, nullptr, cuda_kernel_name(kernel),
                  [cuda, emulation] { return make_device_engine(make_emulated_device(emulation), cuda, "cuda-emulated"); }};
    e.emulated = true;
    engines.push_back(std::move(e));
  }
  // For the report, no GPU ran: the timings are the emulation's, and no cuda target is judged.
  run.gpu_skipped = "the cuda engine ran only on its host emulation (--engines cuda-emulated)";
  run.gpu.emulated = true;
  run.gpu.name = make_emulated_device(emulation)->describe();
  run.gpu.sm_count = static_cast<int>(emulation.limits.multiprocessors);
  run.gpu.memory_bytes = emulation.limits.free_bytes;
}

}  // namespace

std::vector<BenchEngine> make_engines(const Options& options, const std::vector<std::string>& wanted,
                                      BenchRun& run) {
  const auto want = [&](const std::string& name) {
    return wanted.empty() || std::find(wanted.begin(), wanted.end(), name) != wanted.end();
  };
  const auto cpu_engine = [](int threads, std::uint32_t lanes = CpuEngineOptions{}.lanes) {
    CpuEngineOptions cpu;  // batch size and memory budget: the engine's defaults, as `dynaq run` uses them
    cpu.threads = threads;
    cpu.lanes = lanes;
    return make_cpu_engine(cpu);
  };
  // Engines that run only when named.
  const auto named = [&](const std::string& name) {
    return std::find(wanted.begin(), wanted.end(), name) != wanted.end();
  };
  std::vector<BenchEngine> engines;
  if (want("reference")) engines.push_back(BenchEngine{"reference", false, true, 1, nullptr, "", make_reference_engine});
  if (want("cpu-1t")) engines.push_back(BenchEngine{"cpu-1t", false, false, 1, nullptr, "", [=] { return cpu_engine(1); }});
  if (named("cpu-1t-lanes") && kWidestLanes > 1)
    engines.push_back(BenchEngine{"cpu-1t-lanes", false, false, 1, nullptr, "", [=] { return cpu_engine(1, 0); }});
  const int all = options.threads > 0 ? options.threads : omp_get_max_threads();
  if (want("cpu-all") && all > 1)
    engines.push_back(BenchEngine{"cpu-" + std::to_string(all) + "t", false, false, all, nullptr, "", [=] { return cpu_engine(all); }});
  if (named("cuda-emulated")) {
    add_emulated_cuda_engines(engines, run);
  } else if (!want("cuda") && !want("cuda-global") && !want("cuda-shared")) {
    run.gpu_skipped = "not asked for (--engines)";
  } else if (options.no_gpu) {
    run.gpu_skipped = "--no-gpu";
  } else {
    const GpuStatus status = query_gpu();
    if (!status.present) {
      run.gpu_skipped = status.reason;
    } else {
      // Every kernel version, without the self-check: each case is verified against the
      // reference before it is timed.
      for (const CudaKernel kernel : {CudaKernel::kGlobal, CudaKernel::kShared}) {
        const std::string label = "cuda-" + cuda_kernel_name(kernel);
        if (!want("cuda") && !want(label)) continue;
        CudaEngineOptions cuda;
        cuda.kernel = kernel;
        cuda.self_check = false;
        make_cuda_engine(cuda);  // fails here, before any case, when the GPU cannot be used
        engines.push_back(BenchEngine{label, true, false, 0, nullptr, cuda_kernel_name(kernel),
                                      [cuda] { return make_cuda_engine(cuda); }});
      }
      run.gpu = gpu_properties();
    }
  }
  for (const BenchEngine& e : engines) run.engines.push_back(e.label);
  return engines;
}

}  // namespace dynaq::bench
