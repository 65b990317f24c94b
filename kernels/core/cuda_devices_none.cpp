// The CPU-only build's answers to cuda_devices.hpp (compiled only when MIGRA_CUDA is off).
#include "kernels/core/cuda_devices.hpp"

namespace migra {

bool built_with_cuda() { return false; }

CudaProbe probe_cuda() { return {{}, "built without CUDA (MIGRA_CUDA=OFF)"}; }

std::unique_ptr<Backend> make_cuda_backend(int index) {
  MIGRA_THROW_FMT("cuda:%d requested, but this migra was built without CUDA", index);
}

}  // namespace migra
