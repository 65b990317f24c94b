#pragma once
/// The half-step of log-domain Sinkhorn, batched over `batch` problems that share one cost:
///
///   out[b,i] = lambda * eps * ( logw[b,i] - LSE_j( (h[b,j] - C_ij) / eps ) )
///
/// for i < rows, j < cols: an eps-softened c-transform. With h = g, logw = log a and lambda = 1
/// it is the balanced update f = eps log a - eps log(K e^{g/eps}), K = e^{-C/eps}; with
/// lambda = tau / (tau + eps) the KL-relaxed (unbalanced) one. The g-update is the same call
/// on C^T (PointCost::transposed(), or the transposed matrix).
///
/// Shapes: h (batch x cols), logw and out (batch x rows), row-major; `active` (batch) or null:
/// a problem whose flag is 0 is skipped and its out rows are left as they are. All pointers in
/// exec's memory space. The cost is read (or recomputed) once per tile and shared by every
/// problem of the batch.
///
/// Determinism: the CPU reduces each row in j order (tiles of tuning::kSoftminTile, fixed
/// partial sums), independent of the thread count; the GPU uses a fixed reduction tree: bitwise
/// run-to-run, agreeing with the CPU to round-off (~1e-14 relative).
#include "kernels/core/exec.hpp"
#include "kernels/ot/cost.hpp"

namespace migra::ot {

struct SoftminArgs {
  int rows = 0, cols = 0, batch = 1;
  const double* h = nullptr;
  const double* logw = nullptr;
  double eps = 1.0;
  double lambda = 1.0;
  const unsigned char* active = nullptr;
  double* out = nullptr;
};

void softmin(const Exec& exec, const MatrixCost& C, const SoftminArgs& args);
void softmin(const Exec& exec, const PointCost& C, const SoftminArgs& args);

namespace detail {
void softmin_cuda(DeviceContext& ctx, const MatrixCost& C, const SoftminArgs& args);
void softmin_cuda(DeviceContext& ctx, const PointCost& C, const SoftminArgs& args);
}  // namespace detail

}  // namespace migra::ot
