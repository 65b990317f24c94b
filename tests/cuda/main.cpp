// The [cuda] tests: CUDA kernels against the CPU double-precision oracle. Without a CUDA device
// this prints why and exits 77, which ctest counts as skipped (never as passed).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdio>

#include "kernels/core/cuda_devices.hpp"

int main(int argc, char** argv) {
  const migra::CudaProbe probe = migra::probe_cuda();
  if (probe.devices.empty()) {
    std::printf("SKIPPED: the [cuda] tests need a CUDA device: %s\n", probe.status.c_str());
    return 77;
  }
  std::printf("[cuda] tests on %s\n", probe.devices[0].name.c_str());
  return Catch::Session().run(argc, argv);
}
