#include "kernels/ot/dense_ops.hpp"

#include "kernels/core/error.hpp"
#include "kernels/core/parallel_cpu.hpp"
#include "kernels/linalg/batched_products.hpp"

namespace migra::ot {

template <class Cost>
void plan_fill(const Exec& exec, const Cost& C, const double* f, const double* g, double eps,
               int r0, int rows, int m, double* out) {
  const detail::PlanEntry<Cost> e{C, f, g, 1.0 / eps, r0};
  MIGRA_RUN_ON_GPU(exec, detail::fill_2d_cuda(*exec.gpu, rows, m, e, out));
  cpu_fill_2d(rows, m, e, out);
}

template <class Cost>
void plan_cost_rows(const Exec& exec, const Cost& C, const double* f, const double* g,
                    double eps, int n, int m, double* out) {
  const detail::PlanCostEntry<Cost> e{C, f, g, 1.0 / eps};
  MIGRA_RUN_ON_GPU(exec, detail::row_reduce_cuda(*exec.gpu, n, m, e, out));
  cpu_row_reduce(n, m, e, out);
}

template <class Cost>
void kernel_fill(const Exec& exec, const Cost& C, double eps, int n, int m, double* K) {
  const detail::GibbsEntry<Cost> e{C, 1.0 / eps};
  MIGRA_RUN_ON_GPU(exec, detail::fill_2d_cuda(*exec.gpu, n, m, e, K));
  cpu_fill_2d(n, m, e, K);
}

void cost_fill(const Exec& exec, const PointCost& C, double* out) {
  const detail::CostEntry e{C};
  MIGRA_RUN_ON_GPU(exec, detail::fill_2d_cuda(*exec.gpu, C.n, C.m, e, out));
  cpu_fill_2d(C.n, C.m, e, out);
}

#define MIGRA_OT_INSTANTIATE(Cost)                                                            \
  template void plan_fill<Cost>(const Exec&, const Cost&, const double*, const double*, double, \
                                int, int, int, double*);                                      \
  template void plan_cost_rows<Cost>(const Exec&, const Cost&, const double*, const double*,  \
                                     double, int, int, double*);                              \
  template void kernel_fill<Cost>(const Exec&, const Cost&, double, int, int, double*);
MIGRA_OT_INSTANTIATE(MatrixCost)
MIGRA_OT_INSTANTIATE(PointCost)
#undef MIGRA_OT_INSTANTIATE

void kernel_apply(const Exec& exec, const double* K, int n, int m, int batch, const double* V,
                  double* Y) {
  MIGRA_RUN_ON_GPU(exec, detail::kernel_apply_cuda(*exec.gpu, K, n, m, batch, V, Y, false));
  linalg::apply_rows(K, n, m, batch, V, Y);
}

void kernel_apply_t(const Exec& exec, const double* K, int n, int m, int batch, const double* U,
                    double* Z) {
  MIGRA_RUN_ON_GPU(exec, detail::kernel_apply_cuda(*exec.gpu, K, n, m, batch, U, Z, true));
  linalg::apply_cols(K, n, m, batch, U, Z);
}

void scaling_update(const Exec& exec, int batch, int len, const double* w, const double* y,
                    double lambda, const unsigned char* active, double* u) {
  const detail::ScalingUpdate f{w, y, lambda, active, len, u};
  MIGRA_RUN_ON_GPU(exec, detail::scaling_update_cuda(*exec.gpu, (long long)batch * len, f));
  cpu_for_each((long long)batch * len, f);
}

}  // namespace migra::ot
