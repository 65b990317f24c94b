#include "models/graphsage_flows/gravity_baseline.hpp"

#include <cmath>

#include "kernels/core/error.hpp"
#include "kernels/linalg/cholesky.hpp"

namespace migra::gnn {

GravityFit fit_gravity_baseline(const FlowGraph& gr, const std::vector<double>& mass, const std::vector<double>& x,
                                const std::vector<double>& y) {
  const auto regressors = [&](const Record& r, double* v) {
    const size_t i = size_t(r.origin), j = size_t(r.destination);
    MIGRA_THROW_IF_NOT_FMT(mass[i] > 0 && mass[j] > 0, "gravity baseline: node masses must be positive");
    v[0] = 1.0, v[1] = std::log(mass[i]), v[2] = std::log(mass[j]), v[3] = -std::log(std::hypot(x[i] - x[j], y[i] - y[j]));
  };
  std::vector<double> A(16, 0.0), rhs(4, 0.0);
  int used = 0;
  for (size_t k = 0; k < gr.records.size(); ++k) {
    if (gr.split[k] != Split::Train || !(gr.records[k].flow > 0)) continue;
    double v[4];
    regressors(gr.records[k], v);
    for (int p = 0; p < 4; ++p) {
      rhs[size_t(p)] += v[p] * std::log(gr.records[k].flow);
      for (int q = 0; q < 4; ++q) A[size_t(p * 4 + q)] += v[p] * v[q];
    }
    ++used;
  }
  MIGRA_THROW_IF_NOT_FMT(used >= 4 && linalg::cholesky_factor(A, 4),
                         "gravity baseline: %d positive train records do not determine the 4 coefficients", used);
  linalg::cholesky_solve(A, 4, rhs);
  GravityFit f{rhs[0], rhs[1], rhs[2], rhs[3], {}};
  for (const Record& r : gr.records) {
    double v[4];
    regressors(r, v);
    f.prediction.push_back(std::exp(f.c * v[0] + f.a * v[1] + f.b * v[2] + f.g * v[3]));
  }
  return f;
}

}  // namespace migra::gnn

namespace migra::gnn {
namespace {

/// Records grouped by origin, with the logit features u = (log P_j, −log d_ij).
struct OriginGroups {
  std::vector<std::vector<size_t>> of;  // record indices per origin
  std::vector<double> u0, u1;           // per record
};

/// Log-likelihood Σ t (s − lse), its gradient and Hessian at θ over records `use` (per origin).
struct Likelihood {
  double value = 0, g[2] = {0, 0}, h[3] = {0, 0, 0};  // h: H00, H01, H11
};

Likelihood likelihood(const FlowGraph& gr, const OriginGroups& og, const std::vector<std::vector<size_t>>& use,
                      const double th[2]) {
  Likelihood L;
  for (const auto& recs : use) {
    if (recs.empty()) continue;
    double smax = -1e300, T = 0, tu0 = 0, tu1 = 0, ts = 0;
    for (size_t k : recs) smax = std::max(smax, th[0] * og.u0[k] + th[1] * og.u1[k]);
    double z = 0, e0 = 0, e1 = 0, e00 = 0, e01 = 0, e11 = 0;
    for (size_t k : recs) {
      const double s = th[0] * og.u0[k] + th[1] * og.u1[k], w = std::exp(s - smax), t = gr.records[k].flow;
      z += w, e0 += w * og.u0[k], e1 += w * og.u1[k];
      e00 += w * og.u0[k] * og.u0[k], e01 += w * og.u0[k] * og.u1[k], e11 += w * og.u1[k] * og.u1[k];
      T += t, tu0 += t * og.u0[k], tu1 += t * og.u1[k], ts += t * s;
    }
    e0 /= z, e1 /= z, e00 /= z, e01 /= z, e11 /= z;
    L.value += ts - T * (smax + std::log(z));
    L.g[0] += tu0 - T * e0, L.g[1] += tu1 - T * e1;
    L.h[0] -= T * (e00 - e0 * e0), L.h[1] -= T * (e01 - e0 * e1), L.h[2] -= T * (e11 - e1 * e1);
  }
  return L;
}

}  // namespace

ConstrainedGravityFit fit_constrained_gravity(const FlowGraph& gr, const std::vector<double>& mass, const std::vector<double>& x,
                                              const std::vector<double>& y) {
  OriginGroups og;
  og.of.resize(size_t(gr.n));
  std::vector<std::vector<size_t>> train(size_t(gr.n));
  for (size_t k = 0; k < gr.records.size(); ++k) {
    const Record& r = gr.records[k];
    const size_t i = size_t(r.origin), j = size_t(r.destination);
    MIGRA_THROW_IF_NOT_FMT(mass[j] > 0, "gravity baseline: node masses must be positive");
    const double d = std::hypot(x[i] - x[j], y[i] - y[j]);
    MIGRA_THROW_IF_NOT_FMT(d > 0, "gravity baseline: nodes %zu and %zu coincide", i, j);
    og.u0.push_back(std::log(mass[j])), og.u1.push_back(-std::log(d));
    og.of[i].push_back(k);
    if (gr.split[k] == Split::Train) train[i].push_back(k);
  }
  ConstrainedGravityFit f;
  double th[2] = {f.beta, f.gamma};
  Likelihood L = likelihood(gr, og, train, th);
  for (f.iterations = 1; f.iterations <= 100; ++f.iterations) {
    // Newton: δ = −H⁻¹ g (H negative semi-definite), halved until the likelihood rises.
    const double det = L.h[0] * L.h[2] - L.h[1] * L.h[1];
    if (!(std::fabs(det) > 0)) break;
    const double d0 = -(L.h[2] * L.g[0] - L.h[1] * L.g[1]) / det, d1 = -(-L.h[1] * L.g[0] + L.h[0] * L.g[1]) / det;
    double step = 1;
    Likelihood next;
    double cand[2];
    for (int halve = 0; halve < 40; ++halve, step /= 2) {
      cand[0] = th[0] + step * d0, cand[1] = th[1] + step * d1;
      next = likelihood(gr, og, train, cand);
      if (next.value >= L.value) break;
    }
    const double moved = step * std::hypot(d0, d1);
    th[0] = cand[0], th[1] = cand[1], L = next;
    if (moved < 1e-10 * (1 + std::hypot(th[0], th[1]))) {
      f.converged = true;
      break;
    }
  }
  f.beta = th[0], f.gamma = th[1];
  // Predictions: O_i p_ij with p over all of i's destinations.
  f.prediction.assign(gr.records.size(), 0.0);
  for (const auto& recs : og.of) {
    double O = 0, smax = -1e300, z = 0;
    for (size_t k : recs) O += gr.records[k].flow, smax = std::max(smax, th[0] * og.u0[k] + th[1] * og.u1[k]);
    for (size_t k : recs) z += std::exp(th[0] * og.u0[k] + th[1] * og.u1[k] - smax);
    for (size_t k : recs) f.prediction[k] = O * std::exp(th[0] * og.u0[k] + th[1] * og.u1[k] - smax) / z;
  }
  return f;
}

}  // namespace migra::gnn
