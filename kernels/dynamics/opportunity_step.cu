#include "kernels/core/parallel_cuda.cuh"
#include "kernels/dynamics/opportunity_step.hpp"

namespace migra::dynamics::detail {

void for_each_cuda(DeviceContext& ctx, std::int64_t n, const OpportunityRow& f) { cuda_for_each(ctx, n, f); }
void for_each_cuda(DeviceContext& ctx, std::int64_t n, const ColumnSum& f) { cuda_for_each(ctx, n, f); }
void for_each_cuda(DeviceContext& ctx, std::int64_t n, const NetFlowUpdate& f) { cuda_for_each(ctx, n, f); }

}  // namespace migra::dynamics::detail
