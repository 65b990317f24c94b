#include "kernels/core/parallel_cuda.cuh"
#include "kernels/dynamics/opportunity_step.hpp"

namespace migra::dynamics::detail {

void for_each_cuda(DeviceContext& ctx, std::int64_t n, const OpportunityRow& f) { cuda_for_each(ctx, n, f); }
void for_each_cuda(DeviceContext& ctx, std::int64_t n, const NetFlowUpdate& f) { cuda_for_each(ctx, n, f); }

void column_sum_cuda(DeviceContext& ctx, const ColumnOfMap& f, std::int64_t rows, double* y) {
  cuda_row_reduce(ctx, rows, f.n, f, y);
}

}  // namespace migra::dynamics::detail
