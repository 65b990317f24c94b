#include "models/torch_runtime.hpp"

#ifdef MIGRA_HAVE_TORCH
#include <torch/cuda.h>
#include <torch/version.h>
#endif

namespace migra::models {

std::string torch_description() {
#ifdef MIGRA_HAVE_TORCH
  std::string s = "LibTorch " + std::to_string(TORCH_VERSION_MAJOR) + "." +
                  std::to_string(TORCH_VERSION_MINOR) + "." + std::to_string(TORCH_VERSION_PATCH);
  if (torch::cuda::is_available())
    s += ", CUDA (" + std::to_string(torch::cuda::device_count()) + " device(s))";
  else
    s += ", CPU";
  return s;
#else
  return "built without LibTorch (MIGRA_TORCH=OFF)";
#endif
}

#ifdef MIGRA_HAVE_TORCH
bool have_torch() { return true; }
bool torch_has_cuda() { return torch::cuda::is_available(); }
#else
bool have_torch() { return false; }
bool torch_has_cuda() { return false; }
#endif

}  // namespace migra::models
