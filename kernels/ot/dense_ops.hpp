#pragma once
/// The element-wise and matrix pieces of Sinkhorn besides the log-domain half-step: plan
/// entries, the Gibbs kernel of the scaling form and its products. Shapes are row-major; all
/// pointers in exec's memory space.
///
///   plan_fill       out[r, j] = exp((f_{r0+r} + g_j - C_{r0+r, j}) / eps)      r < rows, j < m
///   plan_cost_rows  out[i] = sum_j C_ij exp((f_i + g_j - C_ij) / eps)         (row sums of C.P)
///   kernel_fill     K_ij = exp(-C_ij / eps)                                   (n x m)
///   cost_fill       out_ij = C_ij of point costs                              (n x m)
///   kernel_apply    Y[b, i] = sum_j K_ij V[b, j]        V: batch x m, Y: batch x n
///   kernel_apply_t  Z[b, j] = sum_i K_ij U[b, i]        U: batch x n, Z: batch x m
///   scaling_update  u[k] = (w[k] / y[k])^lambda         for k in problems with active[k / len]
///
/// Determinism: CPU sums run in a fixed order (kernels/linalg/batched_products for the kernel
/// products); the GPU uses cuBLAS (dgemm, which may reorder
/// sums between GPU models) and fixed block reductions.
#include <cmath>

#include "kernels/core/exec.hpp"
#include "kernels/core/hd.hpp"
#include "kernels/ot/cost.hpp"

namespace migra::ot {

template <class Cost>
void plan_fill(const Exec& exec, const Cost& C, const double* f, const double* g, double eps,
               int r0, int rows, int m, double* out);
template <class Cost>
void plan_cost_rows(const Exec& exec, const Cost& C, const double* f, const double* g,
                    double eps, int n, int m, double* out);
template <class Cost>
void kernel_fill(const Exec& exec, const Cost& C, double eps, int n, int m, double* K);
void cost_fill(const Exec& exec, const PointCost& C, double* out);

void kernel_apply(const Exec& exec, const double* K, int n, int m, int batch, const double* V,
                  double* Y);
void kernel_apply_t(const Exec& exec, const double* K, int n, int m, int batch, const double* U,
                    double* Z);
void scaling_update(const Exec& exec, int batch, int len, const double* w, const double* y,
                    double lambda, const unsigned char* active, double* u);

namespace detail {

template <class Cost>
struct PlanEntry {
  Cost C;
  const double* f;
  const double* g;
  double inv_eps;
  int r0;
  MIGRA_HD double operator()(long long r, long long j) const {
    const int i = r0 + int(r);
    return exp((f[i] + g[j] - C(i, int(j))) * inv_eps);
  }
};

template <class Cost>
struct PlanCostEntry {
  Cost C;
  const double* f;
  const double* g;
  double inv_eps;
  MIGRA_HD double operator()(long long i, long long j) const {
    const double c = C(int(i), int(j));
    const double p = exp((f[i] + g[j] - c) * inv_eps);
    return p == 0.0 ? 0.0 : p * c;
  }
};

template <class Cost>
struct GibbsEntry {
  Cost C;
  double inv_eps;
  MIGRA_HD double operator()(long long i, long long j) const { return exp(-C(int(i), int(j)) * inv_eps); }
};

struct CostEntry {
  PointCost C;
  MIGRA_HD double operator()(long long i, long long j) const { return C(int(i), int(j)); }
};

struct ScalingUpdate {
  const double* w;
  const double* y;
  double lambda;
  const unsigned char* active;
  int len;
  double* u;
  MIGRA_HD void operator()(long long k) const {
    if (active && !active[k / len]) return;
    const double r = w[k] == 0.0 ? 0.0 : w[k] / y[k];
    u[k] = lambda == 1.0 ? r : pow(r, lambda);
  }
};

template <class F>
void fill_2d_cuda(DeviceContext& ctx, long long rows, long long cols, const F& f, double* out);
template <class F>
void row_reduce_cuda(DeviceContext& ctx, long long rows, long long cols, const F& f, double* out);
void scaling_update_cuda(DeviceContext& ctx, long long count, const ScalingUpdate& f);
void kernel_apply_cuda(DeviceContext& ctx, const double* K, int n, int m, int batch,
                       const double* V, double* Y, bool transposed);

}  // namespace detail
}  // namespace migra::ot
