#include "kernels/core/backend.hpp"

#include <cstdlib>
#include <cstring>

#include "kernels/core/cuda_devices.hpp"

namespace migra {
namespace {

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(std::size_t budget) : budget_(budget) {}
  std::string name() const override { return "cpu"; }
  std::string description() const override;
  Exec exec() override { return Exec::cpu(); }
  bool is_gpu() const override { return false; }
  void* alloc(std::size_t bytes) override {
    void* p = std::malloc(bytes ? bytes : 1);
    MIGRA_THROW_IF_NOT_FMT(p, "out of host memory allocating %zu bytes", bytes);
    return p;
  }
  void release(void* p) noexcept override { std::free(p); }
  void copy_in(void* dst, const void* src, std::size_t bytes) override {
    std::memcpy(dst, src, bytes);
  }
  void copy_out(void* dst, const void* src, std::size_t bytes) override {
    std::memcpy(dst, src, bytes);
  }
  void copy_within(void* dst, const void* src, std::size_t bytes) override {
    std::memcpy(dst, src, bytes);
  }
  void synchronize() override {}

 protected:
  std::size_t device_budget() const override { return budget_; }

 private:
  std::size_t budget_;
};

}  // namespace
}  // namespace migra

#ifdef _OPENMP
#include <omp.h>
#endif

namespace migra {

std::string CpuBackend::description() const {
#ifdef _OPENMP
  return "CPU, OpenMP with " + std::to_string(omp_get_max_threads()) + " thread(s)";
#else
  return "CPU, serial (built without OpenMP)";
#endif
}

std::unique_ptr<Backend> make_cpu_backend(std::size_t budget_bytes) {
  return std::make_unique<CpuBackend>(budget_bytes);
}

BackendChoice choose_backend(const std::string& device) {
  if (device == "cpu") return {make_cpu_backend(), ""};
  int index = 0;
  if (device == "auto" || device == "cuda") {
    index = 0;
  } else if (device.rfind("cuda:", 0) == 0) {
    char* end = nullptr;
    const long v = std::strtol(device.c_str() + 5, &end, 10);
    MIGRA_THROW_IF_NOT_FMT(end && *end == '\0' && end != device.c_str() + 5 && v >= 0,
                           "unknown device '%s' (expected auto, cpu, cuda or cuda:N)",
                           device.c_str());
    index = int(v);
  } else {
    MIGRA_THROW_FMT("unknown device '%s' (expected auto, cpu, cuda or cuda:N)", device.c_str());
  }
  const CudaProbe probe = probe_cuda();
  if (probe.devices.empty()) {
    std::string notice;
    if (device != "auto") notice = device + " requested but " + probe.status + ": running on the CPU";
    return {make_cpu_backend(), notice};
  }
  return {make_cuda_backend(index), ""};
}

}  // namespace migra
