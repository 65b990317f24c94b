#include "kernels/core/cuda_check.cuh"
#include "kernels/core/device_context.cuh"

namespace migra {

DeviceContext::DeviceContext(int device) : device_(device) {
  MIGRA_CUDA_CHECK(cudaSetDevice(device_));
  MIGRA_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
}

DeviceContext::~DeviceContext() {
  cudaSetDevice(device_);
  if (scratch_) cudaFree(scratch_);
  if (cublas_) cublasDestroy(cublas_);
  if (cusolver_) cusolverDnDestroy(cusolver_);
  if (stream_) cudaStreamDestroy(stream_);
}

cublasHandle_t DeviceContext::cublas() {
  if (!cublas_) {
    MIGRA_THROW_IF_NOT_FMT(cublasCreate(&cublas_) == CUBLAS_STATUS_SUCCESS,
                           "cuBLAS could not be initialised on cuda:%d", device_);
    cublasSetStream(cublas_, stream_);
  }
  return cublas_;
}

cusolverDnHandle_t DeviceContext::cusolver() {
  if (!cusolver_) {
    MIGRA_THROW_IF_NOT_FMT(cusolverDnCreate(&cusolver_) == CUSOLVER_STATUS_SUCCESS,
                           "cuSOLVER could not be initialised on cuda:%d", device_);
    cusolverDnSetStream(cusolver_, stream_);
  }
  return cusolver_;
}

void* DeviceContext::scratch(std::size_t bytes) {
  if (bytes > scratch_bytes_) {
    MIGRA_CUDA_CHECK(cudaStreamSynchronize(stream_));
    if (scratch_) MIGRA_CUDA_CHECK(cudaFree(scratch_));
    scratch_ = nullptr;
    scratch_bytes_ = 0;
    MIGRA_CUDA_CHECK(detail::cuda_malloc(&scratch_, bytes));
    scratch_bytes_ = bytes;
  }
  return scratch_;
}

void DeviceContext::synchronize() { MIGRA_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

}  // namespace migra
