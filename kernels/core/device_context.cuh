#pragma once
/// One DeviceContext per GPU (FAISS's GpuResources): the stream every launcher uses, cuBLAS and
/// cuSOLVER handles (made on first use), and a scratch arena that grows to the largest request and is then reused, so no
/// iteration loop calls cudaMalloc. Passed explicitly to every GPU launcher; no globals.
#include <cublas_v2.h>
#include <cusolverDn.h>
#include <cuda_runtime.h>

#include <cstddef>

namespace migra {

class DeviceContext {
 public:
  explicit DeviceContext(int device);
  ~DeviceContext();
  DeviceContext(const DeviceContext&) = delete;
  DeviceContext& operator=(const DeviceContext&) = delete;

  int device() const { return device_; }
  cudaStream_t stream() const { return stream_; }
  cublasHandle_t cublas();
  cusolverDnHandle_t cusolver();
  /// At least `bytes` of device scratch, valid until the next scratch() call.
  void* scratch(std::size_t bytes);
  void synchronize();
  /// Upper bound on the scratch a chunked primitive plans for (lowered by the scheduler's
  /// out-of-memory retry through Backend::set_budget_cap).
  std::size_t chunk_cap() const { return chunk_cap_; }
  void set_chunk_cap(std::size_t bytes) { chunk_cap_ = bytes; }

 private:
  int device_;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  cusolverDnHandle_t cusolver_ = nullptr;
  void* scratch_ = nullptr;
  std::size_t scratch_bytes_ = 0;
  std::size_t chunk_cap_ = ~std::size_t(0);
};

}  // namespace migra
