#include "kernels/lsq/flow_normal.hpp"

#include <algorithm>
#include <vector>

#include "kernels/core/error.hpp"
#include "kernels/core/parallel_cpu.hpp"
#include "kernels/linalg/cholesky.hpp"
#include "kernels/lsq/flow_rows.hpp"
#include "kernels/random/poisson.hpp"

namespace migra::lsq {
namespace detail {
void flow_normal_equations_cuda(DeviceContext& ctx, const FlowShape& s, const FlowData& data, const double* theta,
                                const unsigned char* active, double* ata, double* atr, double* phi);
void flow_moments_cuda(DeviceContext& ctx, const FlowShape& s, const FlowData& data, double* out);
void damped_solve_cuda(DeviceContext& ctx, int batch, int P, const double* ata, const double* lambda,
                       const unsigned char* active, double* work, double* rhs, int* ok);
void copy_selected_cuda(DeviceContext& ctx, int batch, long long len, const double* src, const unsigned char* selected,
                        double* dst);
void diagonals_cuda(DeviceContext& ctx, int batch, int P, const double* ata, double* out);
void poisson_replicates_cuda(DeviceContext& ctx, int n, int batch, std::uint32_t first, std::uint64_t seed,
                             const double* that, double* T, double* Tt);
void pair_counts_cuda(DeviceContext& ctx, int n, int batch, std::uint32_t first, std::uint64_t seed, double* c,
                      double* ct);
}  // namespace detail

namespace {

/// One problem's AᵀA, Aᵀr and Phi in a single pass over its rows (spec §2.4):
///   (mm) ΣQ, (mγ) −ΣdQ, (γγ) Σd²Q, (m,u_j) colQ_j − rowQ_j, (γ,u_j) −colDQ_j + rowDQ_j,
///   (u_j,u_j) colQ_j + rowQ_j, (u_a,u_b) −(Q_ab + Q_ba); Aᵀr likewise with c r That.
void normal_one(const FlowShape& s, const FlowData& data, const double* T, const double* c, const double* th,
                double* ata, double* atr, double* phi) {
  const size_t n = size_t(s.n), P = size_t(s.params());
  const FlowRows rows(s, data.d, data.log_p, th);
  std::vector<double> row(n), rowQ(n), colQ(n), rowDQ(n), colDQ(n), rowR(n), colR(n);
  std::vector<double> Q(s.u ? n * n : 0);
  double sQ = 0, sDQ = 0, sDDQ = 0, sR = 0, sDR = 0, ph = 0;
  for (size_t i = 0; i < n; ++i) {
    rows.row(int(i), row.data());
    const double* Ti = T + i * n;
    const double* ci = c ? c + i * n : nullptr;
    const double* di = data.d + i * n;
    const auto pair = [&](size_t k) {
      const double w = ci ? ci[k] : 1.0, t = row[k], r = Ti[k] - t, q = w * t * t, sr = w * r * t, dd = di[k];
      ph += w * r * r;
      sQ += q, sDQ += dd * q, sDDQ += dd * dd * q, sR += sr, sDR += dd * sr;
      rowQ[i] += q, colQ[k] += q, rowDQ[i] += dd * q, colDQ[k] += dd * q, rowR[i] += sr, colR[k] += sr;
      if (!Q.empty()) Q[i * n + k] = q;
    };
    for (size_t k = 0; k < i; ++k) pair(k);
    for (size_t k = i + 1; k < n; ++k) pair(k);
  }
  std::fill(ata, ata + P * P, 0.0);
  std::fill(atr, atr + P, 0.0);
  const auto set = [&](size_t a, size_t b, double v) { ata[a * P + b] = ata[b * P + a] = v; };
  set(0, 0, sQ);
  atr[0] = sR;
  if (s.gamma) {
    const size_t g = size_t(s.ig());
    set(0, g, -sDQ);
    set(g, g, sDDQ);
    atr[g] = -sDR;
  }
  if (s.u)
    for (size_t j = 0; j + 1 < n; ++j) {
      const size_t uj = size_t(s.iu()) + j;
      set(0, uj, colQ[j] - rowQ[j]);
      if (s.gamma) set(size_t(s.ig()), uj, -colDQ[j] + rowDQ[j]);
      set(uj, uj, colQ[j] + rowQ[j]);
      for (size_t b = 0; b < j; ++b) set(uj, size_t(s.iu()) + b, -(Q[j * n + b] + Q[b * n + j]));
      atr[uj] = colR[j] - rowR[j];
    }
  *phi = ph;
}

/// f(b) for every active problem; problems in parallel when there are several.
template <class F>
void for_problems(int batch, const unsigned char* active, const F& f) {
#pragma omp parallel for schedule(dynamic, 1) if (batch > 1)
  for (int b = 0; b < batch; ++b)
    if (!active || active[b]) f(size_t(b));
}

}  // namespace

void flow_normal_equations(const Exec& exec, const FlowShape& s, const FlowData& data, const double* theta,
                           const unsigned char* active, double* ata, double* atr, double* phi) {
  MIGRA_RUN_ON_GPU(exec, detail::flow_normal_equations_cuda(*exec.gpu, s, data, theta, active, ata, atr, phi));
  const size_t nn = size_t(s.n) * size_t(s.n), P = size_t(s.params());
  for_problems(s.batch, active, [&](size_t b) {
    normal_one(s, data, data.T + b * nn, data.c ? data.c + b * nn : nullptr, theta + b * P, ata + b * P * P,
               atr + b * P, phi + b);
  });
}

void flow_moments(const Exec& exec, const FlowShape& s, const FlowData& data, double* out) {
  MIGRA_RUN_ON_GPU(exec, detail::flow_moments_cuda(*exec.gpu, s, data, out));
  const size_t n = size_t(s.n), nn = n * n;
  for_problems(s.batch, nullptr, [&](size_t b) {
    double w = 0, wt = 0, wtt = 0;
    for (size_t i = 0; i < n; ++i)
      for (size_t k = 0; k < n; ++k) {
        const size_t q = b * nn + i * n + k;
        const double c = k == i ? 0.0 : data.c ? data.c[q] : 1.0, t = data.T[q];
        w += c, wt += c * t, wtt += c * t * t;
      }
    out[3 * b] = w, out[3 * b + 1] = wt, out[3 * b + 2] = wtt;
  });
}

void damped_solve(const Exec& exec, int batch, int P, const double* ata, const double* lambda,
                  const unsigned char* active, double* work, double* rhs, int* ok) {
  MIGRA_RUN_ON_GPU(exec, detail::damped_solve_cuda(*exec.gpu, batch, P, ata, lambda, active, work, rhs, ok));
  const size_t PP = size_t(P) * size_t(P);
  for_problems(batch, active, [&](size_t b) {
    const double* a = ata + b * PP;
    double dmax = 0;
    for (int j = 0; j < P; ++j) dmax = std::max(dmax, a[size_t(j) * (P + 1)]);
    std::vector<double> w(a, a + PP), x(rhs + b * size_t(P), rhs + (b + 1) * size_t(P));
    for (int j = 0; j < P; ++j) w[size_t(j) * (P + 1)] += lambda[b] * std::max(a[size_t(j) * (P + 1)], 1e-15 * dmax);
    ok[b] = linalg::cholesky_factor(w, P) ? 1 : 0;
    if (ok[b]) {
      linalg::cholesky_solve(w, P, x);
      std::copy(x.begin(), x.end(), rhs + b * size_t(P));
    }
  });
  (void)work;  // the CPU factors in per-problem buffers
}

void copy_selected(const Exec& exec, int batch, long long len, const double* src, const unsigned char* selected,
                   double* dst) {
  MIGRA_RUN_ON_GPU(exec, detail::copy_selected_cuda(*exec.gpu, batch, len, src, selected, dst));
  for (int b = 0; b < batch; ++b)
    if (selected[b]) std::copy(src + b * len, src + (b + 1) * len, dst + b * len);
}

void diagonals(const Exec& exec, int batch, int P, const double* ata, double* out) {
  MIGRA_RUN_ON_GPU(exec, detail::diagonals_cuda(*exec.gpu, batch, P, ata, out));
  for (long long b = 0; b < batch; ++b)
    for (long long j = 0; j < P; ++j) out[b * P + j] = ata[b * P * P + j * (P + 1)];
}

void poisson_replicates(const Exec& exec, int n, int batch, std::uint32_t first, std::uint64_t seed,
                        const double* that, double* T, double* Tt) {
  MIGRA_RUN_ON_GPU(exec, detail::poisson_replicates_cuda(*exec.gpu, n, batch, first, seed, that, T, Tt));
  cpu_for_each(std::int64_t(batch) * PoissonDraw::groups(n), PoissonDraw{n, first, seed, that, T, Tt});
}

void pair_counts(const Exec& exec, int n, int batch, std::uint32_t first, std::uint64_t seed, double* c, double* ct) {
  MIGRA_RUN_ON_GPU(exec, detail::pair_counts_cuda(*exec.gpu, n, batch, first, seed, c, ct));
  const size_t nn = size_t(n) * size_t(n), pairs = size_t(n) * size_t(n - 1);
  std::fill(c, c + size_t(batch) * nn, 0.0);
  if (ct) std::fill(ct, ct + size_t(batch) * nn, 0.0);
  for (size_t b = 0; b < size_t(batch); ++b)
    for (size_t draw = 0; draw < pairs; ++draw) {
      const PairDraw p = pair_draw(n, seed, first + std::uint32_t(b), std::uint32_t(draw));
      c[b * nn + size_t(p.i) * size_t(n) + size_t(p.k)] += 1;
      if (ct) ct[b * nn + size_t(p.k) * size_t(n) + size_t(p.i)] += 1;
    }
}

}  // namespace migra::lsq
