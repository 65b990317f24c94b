#include <cstdio>
#include <cstdlib>

#include "kernels/core/cuda_check.cuh"

namespace migra::detail {

namespace {
bool is_sticky(cudaError_t err) {
  switch (err) {
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchFailure:
    case cudaErrorAssert:
    case cudaErrorHardwareStackError:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorLaunchTimeout:
    case cudaErrorECCUncorrectable:
      return true;
    default:
      return false;
  }
}
}  // namespace

void cuda_check(cudaError_t err, const char* call, const char* file, int line) {
  if (err == cudaSuccess) return;
  const std::string what = format("CUDA error %s (%s) in %s at %s:%d", cudaGetErrorName(err),
                                  cudaGetErrorString(err), call, file, line);
  if (is_sticky(err)) {
    std::fprintf(stderr, "migra: fatal %s\n", what.c_str());
    std::abort();
  }
  cudaGetLastError();  // clear the non-sticky error so the device stays usable
  if (err == cudaErrorMemoryAllocation) throw CudaOutOfMemory(what);
  throw CudaError(what);
}

cudaError_t cuda_malloc(void** p, std::size_t bytes) {
  static const std::size_t limit = [] {
    const char* v = std::getenv("MIGRA_TEST_GPU_ALLOC_LIMIT");
    return v && *v ? std::size_t(std::strtoull(v, nullptr, 10)) : ~std::size_t(0);
  }();
  if (bytes > limit) return cudaErrorMemoryAllocation;
  return cudaMalloc(p, bytes);
}

}  // namespace migra::detail
