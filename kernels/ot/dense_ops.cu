#include <cublas_v2.h>

#include "kernels/core/parallel_cuda.cuh"
#include "kernels/ot/dense_ops.hpp"

namespace migra::ot::detail {
namespace {
void cublas_check(cublasStatus_t s, const char* what) {
  MIGRA_THROW_IF_NOT_FMT(s == CUBLAS_STATUS_SUCCESS, "cuBLAS %s failed (status %d)", what, int(s));
}
}  // namespace

template <class F>
void fill_2d_cuda(DeviceContext& ctx, long long rows, long long cols, const F& f, double* out) {
  cuda_fill_2d(ctx, rows, cols, f, out);
}

template <class F>
void row_reduce_cuda(DeviceContext& ctx, long long rows, long long cols, const F& f, double* out) {
  cuda_row_reduce(ctx, rows, cols, f, out);
}

void scaling_update_cuda(DeviceContext& ctx, long long count, const ScalingUpdate& f) {
  cuda_for_each(ctx, count, f);
}

/// K is n x m row-major, i.e. column-major m x n with leading dimension m (= K^T). Batches are
/// column-major vectors: V (m x batch), Y (n x batch). No TF32: fp64 dgemm throughout.
void kernel_apply_cuda(DeviceContext& ctx, const double* K, int n, int m, int batch,
                       const double* V, double* Y, bool transposed) {
  cublasHandle_t h = ctx.cublas();
  cublas_check(cublasSetStream(h, ctx.stream()), "set stream");
  const double one = 1.0, zero = 0.0;
  if (!transposed)  // Y (n x batch) = K (n x m) V (m x batch):  op(A) = (K^T)^T
    cublas_check(cublasDgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, n, batch, m, &one, K, m, V, m, &zero, Y, n),
                 "dgemm (K v)");
  else  // Z (m x batch) = K^T (m x n) U (n x batch)
    cublas_check(cublasDgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, m, batch, n, &one, K, m, V, n, &zero, Y, m),
                 "dgemm (K^T u)");
}

#define MIGRA_OT_INSTANTIATE(Cost)                                                               \
  template void fill_2d_cuda(DeviceContext&, long long, long long, const PlanEntry<Cost>&, double*); \
  template void fill_2d_cuda(DeviceContext&, long long, long long, const GibbsEntry<Cost>&, double*); \
  template void row_reduce_cuda(DeviceContext&, long long, long long, const PlanCostEntry<Cost>&, double*);
MIGRA_OT_INSTANTIATE(MatrixCost)
MIGRA_OT_INSTANTIATE(PointCost)
#undef MIGRA_OT_INSTANTIATE
template void fill_2d_cuda(DeviceContext&, long long, long long, const CostEntry&, double*);

}  // namespace migra::ot::detail
