// The CUDA backend: device memory through cudaMalloc, copies on the context's stream.
#include <cstdio>

#include "kernels/core/cuda_check.cuh"
#include "kernels/core/cuda_devices.hpp"
#include "kernels/core/device_context.cuh"

namespace migra {
namespace {

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(const CudaDeviceInfo& info) : info_(info), ctx_(info.index) {}
  std::string name() const override { return "cuda:" + std::to_string(info_.index); }
  std::string description() const override {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s, %.1f GiB, compute capability %d.%d, %d SMs",
                  info_.name.c_str(), info_.total_bytes / 1073741824.0, info_.cc_major,
                  info_.cc_minor, info_.multiprocessors);
    return buf;
  }
  Exec exec() override { return Exec{&ctx_}; }
  bool is_gpu() const override { return true; }
  void* alloc(std::size_t bytes) override {
    void* p = nullptr;
    MIGRA_CUDA_CHECK(cudaSetDevice(info_.index));
    MIGRA_CUDA_CHECK(detail::cuda_malloc(&p, bytes));
    return p;
  }
  void release(void* p) noexcept override { cudaFree(p); }
  void copy_in(void* dst, const void* src, std::size_t bytes) override {
    MIGRA_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, ctx_.stream()));
    ctx_.synchronize();  // the caller may free or reuse its host buffer right away
  }
  void copy_out(void* dst, const void* src, std::size_t bytes) override {
    MIGRA_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, ctx_.stream()));
    ctx_.synchronize();
  }
  void copy_within(void* dst, const void* src, std::size_t bytes) override {
    MIGRA_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, ctx_.stream()));
  }
  void activate() override { MIGRA_CUDA_CHECK(cudaSetDevice(info_.index)); }
  void synchronize() override { ctx_.synchronize(); }
  void set_budget_cap(std::size_t bytes) override {
    Backend::set_budget_cap(bytes);
    ctx_.set_chunk_cap(bytes);
  }

 protected:
  std::size_t device_budget() const override {
    std::size_t free_b = 0, total_b = 0;
    cudaSetDevice(info_.index);
    if (cudaMemGetInfo(&free_b, &total_b) != cudaSuccess) return 0;
    const std::size_t reserve = std::size_t(512) << 20;  // cuBLAS, CUB temp, fragmentation
    return free_b > reserve ? free_b - reserve : 0;
  }

 private:
  CudaDeviceInfo info_;
  DeviceContext ctx_;
};

}  // namespace

bool built_with_cuda() { return true; }

CudaProbe probe_cuda() {
  CudaProbe probe;
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();
    probe.status = std::string("no CUDA device (") + cudaGetErrorString(err) + ")";
    return probe;
  }
  for (int d = 0; d < count; ++d) {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, d) != cudaSuccess) continue;
    CudaDeviceInfo info;
    info.index = d;
    info.name = p.name;
    info.total_bytes = p.totalGlobalMem;
    info.cc_major = p.major;
    info.cc_minor = p.minor;
    info.multiprocessors = p.multiProcessorCount;
    if (cudaSetDevice(d) == cudaSuccess) {
      std::size_t total = 0;
      cudaMemGetInfo(&info.free_bytes, &total);
    }
    probe.devices.push_back(info);
  }
  if (probe.devices.empty()) probe.status = "no CUDA-capable device";
  return probe;
}

std::unique_ptr<Backend> make_cuda_backend(int index) {
  const CudaProbe probe = probe_cuda();
  MIGRA_THROW_IF_NOT_FMT(index >= 0 && index < int(probe.devices.size()),
                         "cuda:%d requested, but this machine has %d CUDA device(s)", index,
                         int(probe.devices.size()));
  return std::make_unique<CudaBackend>(probe.devices[index]);
}

}  // namespace migra
