#pragma once
/// What the LibTorch that the LibTorch-based models (PINN, GraphSAGE) link against offers:
/// its version and whether it sees CUDA. Keeps torch headers out of host/.
#include <string>

namespace migra::models {

/// "LibTorch 1.13.1, CPU" / "LibTorch 2.11.0, CUDA (1 device)" / "built without LibTorch".
std::string torch_description();

/// Whether this build has LibTorch (the PINN and GNN tasks need it), and whether that LibTorch
/// sees a CUDA device.
bool have_torch();
bool torch_has_cuda();

/// LibTorch parallelises its CPU kernels with OpenMP and calls BLAS inside them; a threaded
/// OpenBLAS (Debian's pthread build) then runs its own pool beside OpenMP's spinning workers
/// and the two oversubscribe the cores: a PINN epoch took twice as long on 2 threads as on 1
/// (bench/results/pinn-cpu-vm.md). This keeps OpenBLAS to one thread, unless the user set
/// OPENBLAS_NUM_THREADS. Call before training; idempotent; a no-op without OpenBLAS.
void single_threaded_blas();

}  // namespace migra::models
