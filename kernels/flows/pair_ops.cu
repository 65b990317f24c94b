#include "kernels/core/parallel_cuda.cuh"
#include "kernels/flows/pair_ops.hpp"

namespace migra::flows::detail {

void pair_rowsum_cuda(DeviceContext& ctx, const WeightedRowTerm& f, int n, double* y) {
  cuda_row_reduce(ctx, n, n, f, y);
}

void pair_fill_cuda(DeviceContext& ctx, const ScaledPair& f, int rows, int n, double* out) {
  cuda_fill_2d(ctx, rows, n, f, out);
}

}  // namespace migra::flows::detail
