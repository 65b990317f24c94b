#pragma once
/// What CUDA offers on this machine, asked without including any CUDA header, so host/ and the
/// CPU-only build can call it. In a build without CUDA, built_with_cuda() is false and
/// probe_cuda() reports no device.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "kernels/core/backend.hpp"

namespace migra {

struct CudaDeviceInfo {
  int index = 0;
  std::string name;
  std::size_t total_bytes = 0;
  std::size_t free_bytes = 0;
  int cc_major = 0, cc_minor = 0;
  int multiprocessors = 0;
};

struct CudaProbe {
  std::vector<CudaDeviceInfo> devices;
  std::string status;  ///< why there are none ("built without CUDA", "no CUDA-capable device")
};

bool built_with_cuda();
CudaProbe probe_cuda();
/// Backend on CUDA device `index`; throws migra::Error if it does not exist.
std::unique_ptr<Backend> make_cuda_backend(int index);

}  // namespace migra
