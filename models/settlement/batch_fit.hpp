#pragma once
/// Levenberg–Marquardt for a batch of flow-model problems on one backend (flow_fit.hpp has the
/// maths). The heavy steps — normal equations, damped Cholesky solves — run batched on the
/// backend (kernels/lsq/flow_normal.hpp); the host keeps each problem's O(P) state (theta,
/// Phi, Aᵀr, diag AᵀA, λ) and takes the accept/reject decisions, so every problem follows
/// exactly the iteration a lone fit would. A single fit is a batch of one on the CPU.
#include <vector>

#include "kernels/core/backend.hpp"
#include "kernels/lsq/flow_normal.hpp"
#include "models/settlement/flow_fit.hpp"

namespace migra::settle {

/// `batch` problems of n units; data pointers in the backend's memory (on a GPU with the
/// transposed flows and weights, see flow_normal.hpp).
struct BatchProblems {
  int n = 0, batch = 0;
  lsq::FlowData data;
};

std::vector<FitResult> fit_batch(Backend& backend, FlowModel model, const BatchProblems& problems,
                                 const std::vector<FitParams>& starts, const FitConfig& cfg);

/// theta packed as the kernels expect it: (m, gamma?, u_0 − u_{n−1}, ..), u_{n−1} = 0.
std::vector<double> pack_params(FlowModel model, int n, const FitParams& t);
FitParams unpack_params(FlowModel model, int n, const double* theta);

}  // namespace migra::settle
