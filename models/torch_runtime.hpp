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

/// LibTorch's CPU tensors come from malloc. Temporaries of the batched GraphSAGE ensemble are
/// tens of MB (E × R × H floats), above glibc's largest mmap threshold (32 MB), so each was a
/// fresh mmap whose pages fault in zero-filled and go back to the kernel when freed: half of a
/// training step was system time. This makes glibc serve every block from its heap and keep
/// freed memory for reuse (M_MMAP_MAX 0, M_TRIM_THRESHOLD maximal): a step took 0.46 s instead
/// of 0.91 s (synthetic366, 10 repeats, 2 threads). The PINN's epoch (MB-sized [N, P, H]
/// temporaries) went from 100 to 70 ms (N = 52, Taylor jets, 1 thread). The price is that the process's peak heap
/// is not returned before it exits, which a batch job does soon. Unless the user tuned malloc
/// (GLIBC_TUNABLES); idempotent; a no-op off glibc.
void reuse_freed_memory();

}  // namespace migra::models
