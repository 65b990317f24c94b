#pragma once
/// Exec says where a primitive runs: on the CPU (an OpenMP loop) or on one CUDA device
/// (a grid on that device's stream). Pointers handed to a primitive together with an Exec
/// live in that Exec's memory space: host memory for the CPU, device memory for CUDA.
namespace migra {

/// Per-GPU resources (stream, cuBLAS handle, scratch arena); defined in device_context.cuh,
/// which only CUDA translation units include.
class DeviceContext;

struct Exec {
  DeviceContext* gpu = nullptr;  ///< null: run on the CPU
  bool on_gpu() const { return gpu != nullptr; }
  static Exec cpu() { return Exec{}; }
};

}  // namespace migra

/// Inside a primitive's dispatcher: `MIGRA_RUN_ON_GPU(exec, detail::foo_cuda(*exec.gpu, ...));`
/// runs the CUDA launcher and returns when exec is a GPU. In a build without CUDA, no GPU
/// Exec can exist and the launcher is not referenced.
#ifdef MIGRA_HAVE_CUDA
#define MIGRA_RUN_ON_GPU(exec, call) \
  if ((exec).on_gpu()) {             \
    call;                            \
    return;                          \
  }
#else
#define MIGRA_RUN_ON_GPU(exec, call) MIGRA_ASSERT(!(exec).on_gpu())
#endif
