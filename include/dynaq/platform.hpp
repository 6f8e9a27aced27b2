// Macros shared by host and device code.
//
// Per-agent logic is written once, in headers, and compiled both by the host compiler (for the
// reference-checked CPU engine) and by nvcc (for the CUDA kernels). DYNAQ_HD marks such
// functions: it means __host__ __device__ under nvcc and nothing under a plain C++ compiler.
#pragma once

#if defined(__CUDACC__)
#define DYNAQ_HD __host__ __device__
#define DYNAQ_FORCEINLINE __forceinline__
#else
#define DYNAQ_HD
#define DYNAQ_FORCEINLINE inline __attribute__((always_inline))
#endif
