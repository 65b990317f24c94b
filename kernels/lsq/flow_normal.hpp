#pragma once
/// Batched Gauss–Newton pieces of the paper-003 flow models (models/settlement/flow_fit.hpp
/// has the maths): B problems of n units share the distances d and log populations, each has
/// its own flows T (and pair weights c) and parameters theta = (m, gamma?, u_0 .. u_{n−2}?),
/// u_{n−1} = 0. All pointers live in exec's memory; problems are laid out one after another
/// (T: B×n×n, theta: B×P, AᵀA: B×P×P). A problem with active[b] == 0 is left untouched.
///
///   flow_normal_equations  AᵀA, Aᵀr and Phi at theta (A = dThat/dtheta, r = T − That)
///   flow_moments           Σ c, Σ c T, Σ c T² over i != k (R² and the exact-fit scale)
///   damped_solve           (AᵀA + λ_b diag D) δ = rhs by Cholesky, D_j = max(AᵀA_jj, 1e-15 max AᵀA_jj)
///   copy_selected          dst_b = src_b for the selected problems
///   diagonals              out_b = diag(AᵀA_b)
///   poisson_replicates     T_r ~ Poisson(That), counter-based Philox draws (PoissonDraw below)
///   pair_counts            c_r = multiplicities of n(n−1) pairs drawn uniformly with replacement
///
/// The CPU computes each problem's sums in one fused pass in index order (deterministic, the
/// rows of That by the vectorised exp_neg); the GPU runs one block per (problem, unit) for row
/// and column sums, reading the transposes Tt, ct for coalesced column loads, a fill kernel for
/// the Laplacian block, and cuSOLVER's batched Cholesky. CPU and GPU agree to round-off.
#include <cstdint>

#include "kernels/core/exec.hpp"
#include "kernels/core/hd.hpp"
#include "kernels/random/poisson.hpp"

namespace migra::lsq {

struct FlowShape {
  int n = 0, batch = 1;
  bool gamma = true, u = true;
  MIGRA_HD int ig() const { return gamma ? 1 : -1; }
  MIGRA_HD int iu() const { return u ? (gamma ? 2 : 1) : -1; }
  MIGRA_HD int params() const { return 1 + (gamma ? 1 : 0) + (u ? n - 1 : 0); }
};

struct FlowData {
  const double* d = nullptr;      ///< n×n, symmetric, zero diagonal
  const double* log_p = nullptr;  ///< n
  const double* T = nullptr;      ///< B×n×n flows, origin-major
  const double* Tt = nullptr;     ///< B×n×n transposes (GPU only; the CPU ignores them)
  const double* c = nullptr;      ///< B×n×n pair weights, or null for all 1
  const double* ct = nullptr;     ///< their transposes (GPU only)
};

void flow_normal_equations(const Exec& exec, const FlowShape& s, const FlowData& data, const double* theta,
                           const unsigned char* active, double* ata, double* atr, double* phi);

/// out: B×3 (Σ c, Σ c T, Σ c T²).
void flow_moments(const Exec& exec, const FlowShape& s, const FlowData& data, double* out);

/// rhs (B×P) is overwritten by δ; ok[b] = 1 when the damped matrix was positive definite.
/// work: B×P² doubles.
void damped_solve(const Exec& exec, int batch, int P, const double* ata, const double* lambda,
                  const unsigned char* active, double* work, double* rhs, int* ok);

void copy_selected(const Exec& exec, int batch, long long len, const double* src, const unsigned char* selected,
                   double* dst);

void diagonals(const Exec& exec, int batch, int P, const double* ata, double* out);

/// T (and Tt when not null): B×n×n, replicate r drawn as replicate first + r.
void poisson_replicates(const Exec& exec, int n, int batch, std::uint32_t first, std::uint64_t seed,
                        const double* that, double* T, double* Tt);

/// c (and ct when not null): B×n×n, zeroed then filled.
void pair_counts(const Exec& exec, int n, int batch, std::uint32_t first, std::uint64_t seed, double* c, double* ct);

/// The pair flow of problem theta (plain exp; the CPU pass uses a factored form):
/// That_ik = exp(m + log P_i + log P_k + u_k − u_i − gamma d_ik).
struct PairFlow {
  FlowShape s;
  const double* d;
  const double* log_p;
  MIGRA_HD double operator()(const double* th, int i, int k) const {
    double f = th[0] + log_p[i] + log_p[k];
    if (s.gamma) f -= th[1] * d[(long long)i * s.n + k];
    if (s.u) f += (k < s.n - 1 ? th[s.iu() + k] : 0.0) - (i < s.n - 1 ? th[s.iu() + i] : 0.0);
    return exp(f);
  }
};

/// Four pairs of a Poisson replicate (CPU loop and CUDA grid): group g of replicate b covers
/// the pairs q = 4g .. 4g+3 of its n×n block. One Philox block (Stream::BootstrapLead) gives the
/// four first uniforms, 32 bits each; a pair that needs more (lambda ≥ 10) draws them from its
/// own stream (Stream::Bootstrap, replicate, q).
struct PoissonDraw {
  int n;
  std::uint32_t first;
  std::uint64_t seed;
  const double* that;
  double* T;
  double* Tt;
  MIGRA_HD static std::int64_t groups(int n) { return (std::int64_t(n) * n + 3) / 4; }
  MIGRA_HD void operator()(std::int64_t idx) const {
    const std::int64_t nn = std::int64_t(n) * n, G = groups(n), b = idx / G, g = idx % G;
    const std::uint32_t r = first + std::uint32_t(b);
    const rng::U32x4 lead = rng::philox4x32_10(
        rng::U32x4{{std::uint32_t(g), r, 0u, std::uint32_t(rng::Stream::BootstrapLead)}}, std::uint32_t(seed),
        std::uint32_t(seed >> 32));
    std::int64_t q = 4 * g, i = q / n, k = q % n;
    for (int l = 0; l < 4 && q < nn; ++l, ++q) {
      double v = 0.0;
      if (i != k) {
        rng::UniformStream more(seed, rng::Stream::Bootstrap, r, std::uint32_t(q));
        v = rng::poisson(that[q], rng::to_open_unit32(lead.v[l]), more);
      }
      T[b * nn + q] = v;
      if (Tt) Tt[b * nn + k * n + i] = v;
      if (++k == n) k = 0, ++i;
    }
  }
};

/// Draw `draw` of a pair bootstrap of replicate r: the q-th off-diagonal pair (i, k), q uniform.
struct PairDraw {
  int i, k;
};
MIGRA_HD PairDraw pair_draw(int n, std::uint64_t seed, std::uint32_t r, std::uint32_t draw) {
  const std::int64_t pairs = std::int64_t(n) * (n - 1);
  const double u = rng::uniforms(seed, rng::Stream::Bootstrap, r, draw, 0).u[0];
  std::int64_t q = std::int64_t(u * double(pairs));
  if (q >= pairs) q = pairs - 1;
  const int i = int(q / (n - 1)), j = int(q % (n - 1));
  return PairDraw{i, j < i ? j : j + 1};
}

}  // namespace migra::lsq
