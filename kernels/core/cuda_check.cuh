#pragma once
/// MIGRA_CUDA_CHECK(call): sorts CUDA errors into abort vs throw (Kokkos's
/// cuda_internal_safe_call, not FAISS's abort-on-everything), so the scheduler can react:
///  - sticky errors (illegal address, launch failure, device assert, ...) corrupt the context:
///    print and abort;
///  - cudaErrorMemoryAllocation throws CudaOutOfMemory (retry smaller, or fall back to CPU);
///  - everything else throws CudaError.
/// MIGRA_CUDA_CHECK_LAUNCH() checks the last launch; with MIGRA_CUDA_SYNC_CHECK it also
/// synchronises, to pin an asynchronous fault on the kernel that caused it.
#include <cuda_runtime.h>

#include "kernels/core/error.hpp"

namespace migra::detail {
void cuda_check(cudaError_t err, const char* call, const char* file, int line);
/// cudaMalloc with a test hook: when MIGRA_TEST_GPU_ALLOC_LIMIT=BYTES is set, a request above
/// BYTES fails with cudaErrorMemoryAllocation, so out-of-memory handling can be exercised on
/// any GPU. Every device allocation in migra goes through here.
cudaError_t cuda_malloc(void** p, std::size_t bytes);
}

#define MIGRA_CUDA_CHECK(call) ::migra::detail::cuda_check((call), #call, __FILE__, __LINE__)

#ifdef MIGRA_CUDA_SYNC_CHECK
#define MIGRA_CUDA_CHECK_LAUNCH()                  \
  do {                                             \
    MIGRA_CUDA_CHECK(cudaGetLastError());          \
    MIGRA_CUDA_CHECK(cudaDeviceSynchronize());     \
  } while (0)
#else
#define MIGRA_CUDA_CHECK_LAUNCH() MIGRA_CUDA_CHECK(cudaGetLastError())
#endif
