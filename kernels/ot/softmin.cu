// GPU half-step of log-domain Sinkhorn (softmin.hpp), in CUB's layers: the launchers below
// pick shapes (tuning.hpp); the __global__ bodies are a few lines over the LseState monoid.
//  - stored matrix: one warp per (problem, row); lanes stride over j (coalesced row reads),
//    then a shuffle tree combines the lanes' (M, S) states.
//  - points: one thread per (problem, row); y coordinates and h are staged tile by tile in
//    shared memory and every thread of the block reuses them (KeOps GpuReduc1D).
#include <algorithm>

#include "kernels/core/parallel_cuda.cuh"
#include "kernels/ot/lse.hpp"
#include "kernels/ot/softmin.hpp"

namespace migra::ot::detail {
namespace {

constexpr int kWarp = 32;
constexpr int kWarpsPerBlock = 8;

__device__ LseState warp_combine(LseState s) {
  for (int off = kWarp / 2; off > 0; off /= 2) {
    LseState o;
    o.M = __shfl_down_sync(0xffffffffu, s.M, off);
    o.S = __shfl_down_sync(0xffffffffu, s.S, off);
    s.combine(o);
  }
  return s;
}

__device__ double finalize(const SoftminArgs& a, long long o, const LseState& s) {
  return a.lambda * a.eps * (a.logw[o] - s.value());
}

__global__ void softmin_matrix_kernel(MatrixCost C, SoftminArgs a) {
  const int lane = threadIdx.x % kWarp;
  const int i = blockIdx.x * kWarpsPerBlock + threadIdx.x / kWarp;
  const int b = blockIdx.y;
  if (i >= a.rows || (a.active && !a.active[b])) return;
  const double* h = a.h + (long long)b * a.cols;
  const double inv_eps = 1.0 / a.eps;
  LseState s;
  for (int j = lane; j < a.cols; j += kWarp) s.push((h[j] - C(i, j)) * inv_eps);
  s = warp_combine(s);
  if (lane == 0) {
    const long long o = (long long)b * a.rows + i;
    a.out[o] = finalize(a, o, s);
  }
}

/// Shared memory: T * (dim + 1) doubles (the tile's y components, then h).
__global__ void softmin_points_kernel(PointCost C, SoftminArgs a) {
  extern __shared__ double tile[];
  constexpr int T = tuning::kSoftminGpuTile;
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  const int b = blockIdx.y;
  if (a.active && !a.active[b]) return;  // uniform over the block
  double xi[3] = {0.0, 0.0, 0.0};
  for (int k = 0; k < C.dim && i < a.rows; ++k) xi[k] = C.x[(long long)k * C.n + i];
  const double* h = a.h + (long long)b * a.cols;
  const double inv_eps = 1.0 / a.eps;
  LseState s;
  for (int j0 = 0; j0 < a.cols; j0 += T) {
    const int len = min(T, a.cols - j0);
    for (int k = threadIdx.x; k < len; k += blockDim.x) {
      for (int d = 0; d < C.dim; ++d) tile[d * T + k] = C.y[(long long)d * C.m + j0 + k];
      tile[C.dim * T + k] = h[j0 + k];
    }
    __syncthreads();
    if (i < a.rows)
      for (int k = 0; k < len; ++k) {
        double d2 = 0.0;
        for (int d = 0; d < C.dim; ++d) {
          const double t = xi[d] - tile[d * T + k];
          d2 += t * t;
        }
        s.push((tile[C.dim * T + k] - C.from_squared_distance(d2)) * inv_eps);
      }
    __syncthreads();
  }
  if (i < a.rows) {
    const long long o = (long long)b * a.rows + i;
    a.out[o] = finalize(a, o, s);
  }
}

}  // namespace

void softmin_cuda(DeviceContext& ctx, const MatrixCost& C, const SoftminArgs& a) {
  const dim3 grid(unsigned((a.rows + kWarpsPerBlock - 1) / kWarpsPerBlock), unsigned(a.batch));
  softmin_matrix_kernel<<<grid, kWarpsPerBlock * kWarp, 0, ctx.stream()>>>(C, a);
  MIGRA_CUDA_CHECK_LAUNCH();
}

void softmin_cuda(DeviceContext& ctx, const PointCost& C, const SoftminArgs& a) {
  MIGRA_THROW_IF_NOT_FMT(C.dim >= 1 && C.dim <= 3, "GPU Sinkhorn on points supports 1 to 3 coordinates, got %d", C.dim);
  constexpr int block = tuning::kForEachBlock;
  const dim3 grid(unsigned((a.rows + block - 1) / block), unsigned(a.batch));
  const size_t shmem = size_t(tuning::kSoftminGpuTile) * size_t(C.dim + 1) * sizeof(double);
  softmin_points_kernel<<<grid, block, shmem, ctx.stream()>>>(C, a);
  MIGRA_CUDA_CHECK_LAUNCH();
}

}  // namespace migra::ot::detail
