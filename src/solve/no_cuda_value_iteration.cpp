// Device value iteration in a build without nvcc: no GPU can be used, and it says why.
#include <stdexcept>

#include "dynaq/cuda_runtime_checks.hpp"
#include "dynaq/cuda_value_iteration.hpp"

namespace dynaq {

ValueIterationResult value_iteration_cuda(const TabularMdp&, const ValueIterationOptions&,
                                          const CudaValueIterationOptions&) {
  throw std::runtime_error("no usable GPU: " + query_gpu().reason);
}

}  // namespace dynaq
