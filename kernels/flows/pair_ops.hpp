#pragma once
/// The two O(N^2) primitives under every gravity-type model (gravity in all four constraint
/// forms, Two-Trip's Q_eff). K_ij is recomputed from coordinates, never stored (STYLE.md 5).
///
///   pair_rowsum:  y_i = sum_j w_j K_ij                       i = 0..n-1
///   pair_fill:    T_(i-r0), j = a_i b_j K_ij                 i in [r0, r1), j = 0..n-1
///
/// K symmetric, so column sums are row sums: sum_i a_i K_ij = pair_rowsum(K, a)_j.
/// Shapes: w, y, a, b: (n); out: (r1 - r0) x n, row-major. All pointers in exec's memory space.
/// Determinism: the CPU sums each row in index order; the GPU uses a fixed block-reduction
/// tree (bitwise run-to-run, not bitwise equal to the CPU: agreement to ~1e-15 relative).
#include "kernels/core/exec.hpp"
#include "kernels/flows/pair_kernel.hpp"

namespace migra::flows {

void pair_rowsum(const Exec& exec, const PairKernel& K, const double* w, double* y);
void pair_fill(const Exec& exec, const PairKernel& K, const double* a, const double* b, int r0,
               int r1, double* out);

namespace detail {

struct WeightedRowTerm {
  PairKernel K;
  const double* w;
  MIGRA_HD double operator()(long long i, long long j) const {
    return w[j] == 0.0 ? 0.0 : w[j] * K(int(i), int(j));
  }
};

struct ScaledPair {
  PairKernel K;
  const double* a;
  const double* b;
  int r0;
  MIGRA_HD double operator()(long long r, long long j) const {
    const int i = r0 + int(r);
    const double ab = a[i] * b[j];
    return ab == 0.0 ? 0.0 : ab * K(i, int(j));
  }
};

void pair_rowsum_cuda(DeviceContext& ctx, const WeightedRowTerm& f, int n, double* y);
void pair_fill_cuda(DeviceContext& ctx, const ScaledPair& f, int rows, int n, double* out);

}  // namespace detail
}  // namespace migra::flows
