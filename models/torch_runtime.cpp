#include "models/torch_runtime.hpp"

#include <dlfcn.h>
#include <limits>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <cstdlib>

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

void single_threaded_blas() {
  if (std::getenv("OPENBLAS_NUM_THREADS")) return;
  using SetThreads = void (*)(int);
  // Looked up at run time: OpenBLAS is whatever libblas.so.3 LibTorch was given, or absent.
  if (const auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(1);
}

void reuse_freed_memory() {
#ifdef __GLIBC__
  if (std::getenv("GLIBC_TUNABLES")) return;
  static const bool done = (mallopt(M_MMAP_MAX, 0), mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max()), true);
  (void)done;
#endif
}

}  // namespace migra::models
