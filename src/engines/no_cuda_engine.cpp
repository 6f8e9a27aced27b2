// The cuda engine in a build without nvcc: no GPU can be used, and it says why.
#include <stdexcept>

#include "dynaq/cuda_runtime_checks.hpp"
#include "dynaq/engine.hpp"

namespace dynaq {

void run_group_on_gpu(const AgentGroup&, GroupResults&) { throw std::runtime_error(query_gpu().reason); }

std::unique_ptr<Engine> make_cuda_engine(const CudaEngineOptions&) {
  throw std::runtime_error("no usable GPU: " + query_gpu().reason);
}

}  // namespace dynaq
