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

}  // namespace migra::models
