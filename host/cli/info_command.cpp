// `migra info`: build options, CPU threads, LibTorch, and the CUDA devices (or why none).
#include <cstdio>
#include <string>

#include "host/build_info.hpp"
#include "host/cli/commands.hpp"
#include "kernels/core/backend.hpp"
#include "kernels/core/cuda_devices.hpp"

namespace migra::host {

void register_info(CLI::App& app, const std::function<std::string()>& torch_description) {
  CLI::App* c = app.add_subcommand("info", "Build options, CPU threads and CUDA devices");
  c->callback([torch_description] {
    std::printf("migra %s (commit %s, %s build, %s)\n", MIGRA_VERSION, MIGRA_GIT_COMMIT,
                MIGRA_BUILD_TYPE, MIGRA_CXX_COMPILER);
    std::printf("  CUDA backend:  %s\n",
                built_with_cuda() ? "built (architectures " MIGRA_CUDA_ARCHS ")" : "not built");
    std::printf("  CPU backend:   %s\n", make_cpu_backend()->description().c_str());
    std::printf("  LibTorch:      %s\n", torch_description().c_str());
    std::printf("  MPI:           %s\n", std::string(MIGRA_MPI_BUILT) == "ON"
                                             ? "built (mpirun -np K migra run ...)" : "not built");
    const CudaProbe probe = probe_cuda();
    if (probe.devices.empty()) {
      std::printf("  CUDA devices:  none: %s: CPU backend\n", probe.status.c_str());
      return;
    }
    for (const auto& d : probe.devices)
      std::printf("  cuda:%d         %s, %.1f GiB (%.1f GiB free), compute capability %d.%d, %d SMs\n",
                  d.index, d.name.c_str(), d.total_bytes / 1073741824.0,
                  d.free_bytes / 1073741824.0, d.cc_major, d.cc_minor, d.multiprocessors);
  });
}

}  // namespace migra::host
