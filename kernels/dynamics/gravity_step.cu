#include "kernels/core/parallel_cuda.cuh"
#include "kernels/dynamics/gravity_step.hpp"

namespace migra::dynamics::detail {

void map_kernel_rowsum_cuda(DeviceContext& ctx, const MapKernelRowTerm& f, std::int64_t rows, double* y) {
  cuda_row_reduce(ctx, rows, f.n, f, y);
}

void for_each_cuda(DeviceContext& ctx, std::int64_t n, const AttractivenessOfPopulation& f) { cuda_for_each(ctx, n, f); }
void for_each_cuda(DeviceContext& ctx, std::int64_t n, const ScaledDemand& f) { cuda_for_each(ctx, n, f); }
void for_each_cuda(DeviceContext& ctx, std::int64_t n, const EulerUpdate& f) { cuda_for_each(ctx, n, f); }

}  // namespace migra::dynamics::detail
