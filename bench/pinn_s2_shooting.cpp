// Is paper 000's S2 (spec §6: the structured inverse problem, scalar K = c_r F + c_d D, diagonal
// G, λ known, c_e = 1) identifiable from its 13 data points at all? Fits theta = (c_r, c_d,
// c_a, diag G) by output least squares, without a PINN: integrate the equation of motion for
// theta (RK45, rtol 1e-10), compare with the data, Levenberg-Marquardt on a finite-difference
// Jacobian. Started from the PINN's start (all zero) and from random points; if these reach the
// truth, the data identify it and a PINN that misses it is an optimisation failure.
// usage: pinn_s2_shooting [--seed 12] [--starts 8]; one JSON line per start.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "kernels/linalg/cholesky.hpp"
#include "models/pinn_migration/synthetic.hpp"

using namespace migra::pinn;

namespace {

constexpr double kTruth[] = {2.0, 1.0, 0.5};  // c_r, c_d, c_a; diag G = 0.5

/// The system with theta's coefficients.
SyntheticSystem with(const SyntheticSystem& base, const std::vector<double>& th) {
  SyntheticSystem s = base;
  const size_t n = size_t(s.n);
  s.truth.c_r = th[0], s.truth.c_d = th[1], s.truth.c_a = th[2];
  s.truth.G.assign(n * n, 0.0);
  for (size_t u = 0; u < n; ++u) {
    for (size_t v = 0; v < n; ++v) s.truth.K[u * n + v] = th[0] * s.F[u * n + v] + th[1] * s.D[u * n + v];
    s.truth.G[u * n + u] = th[3 + u];
  }
  return s;
}

std::vector<double> residuals(const SyntheticSystem& base, const std::vector<double>& th, const std::vector<double>& t,
                              const std::vector<double>& data) {
  std::vector<double> r = with(base, th).solve(t);
  for (size_t k = 0; k < r.size(); ++k) r[k] -= data[k];
  return r;
}

double sum_sq(const std::vector<double>& r) {
  double s = 0;
  for (double x : r) s += x * x;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t seed = 12;
  int starts = 8;
  for (int k = 1; k + 1 < argc; k += 2) {
    const std::string a = argv[k];
    if (a == "--seed") seed = std::strtoull(argv[k + 1], nullptr, 10);
    else if (a == "--starts") starts = std::atoi(argv[k + 1]);
  }
  SyntheticOptions so;
  so.seed = seed;
  SyntheticSystem sys = synthetic_system(so);
  const int n = sys.n, p = 3 + n;
  for (int u = 0; u < n; ++u)
    for (int v = 0; v < n; ++v)
      if (u != v) sys.truth.G[size_t(u * n + v)] = 0;
  std::vector<double> t;
  for (int k = 0; k < 13; ++k) t.push_back(k / 12.0);
  const std::vector<double> data = sys.solve(t);  // the 13 annual points the PINN sees

  std::mt19937 rng(7);
  std::uniform_real_distribution<double> U(0.0, 3.0);
  for (int s = 0; s < starts; ++s) {
    std::vector<double> th(static_cast<size_t>(p), 0.0);  // start 0: the PINN's
    if (s > 0)
      for (double& x : th) x = U(rng);
    std::vector<double> r = residuals(sys, th, t, data);
    double f = sum_sq(r), mu = 1e-3;
    int it = 0;
    for (; it < 200 && f > 1e-24; ++it) {
      // J by forward differences, then (JᵀJ + mu diag JᵀJ) step = -Jᵀr
      std::vector<double> J(r.size() * size_t(p));
      for (int j = 0; j < p; ++j) {
        std::vector<double> tj = th;
        const double h = 1e-6 * std::max(1.0, std::fabs(th[size_t(j)]));
        tj[size_t(j)] += h;
        const std::vector<double> rj = residuals(sys, tj, t, data);
        for (size_t k = 0; k < r.size(); ++k) J[k * size_t(p) + size_t(j)] = (rj[k] - r[k]) / h;
      }
      std::vector<double> JtJ(static_cast<size_t>(p * p), 0.0), g(static_cast<size_t>(p), 0.0);
      for (size_t k = 0; k < r.size(); ++k)
        for (int i = 0; i < p; ++i) {
          g[size_t(i)] += J[k * size_t(p) + size_t(i)] * r[k];
          for (int j = 0; j < p; ++j) JtJ[size_t(i * p + j)] += J[k * size_t(p) + size_t(i)] * J[k * size_t(p) + size_t(j)];
        }
      bool better = false;
      for (int tries = 0; tries < 20 && !better; ++tries) {
        std::vector<double> A = JtJ, step(static_cast<size_t>(p));
        for (int i = 0; i < p; ++i) A[size_t(i * p + i)] *= 1.0 + mu;
        for (int i = 0; i < p; ++i) step[size_t(i)] = -g[size_t(i)];
        if (!migra::linalg::cholesky_factor(A, p)) {
          mu *= 4.0;
          continue;
        }
        migra::linalg::cholesky_solve(A, p, step);
        std::vector<double> tn = th;
        for (int i = 0; i < p; ++i) tn[size_t(i)] += step[size_t(i)];
        const std::vector<double> rn = residuals(sys, tn, t, data);
        const double fn = sum_sq(rn);
        if (std::isfinite(fn) && fn < f) th = tn, r = rn, f = fn, mu = std::max(mu / 3.0, 1e-12), better = true;
        else mu *= 4.0;
      }
      if (!better) break;
    }
    double worst = 0;
    for (int i = 0; i < 3; ++i) worst = std::max(worst, std::fabs(th[size_t(i)] / kTruth[i] - 1));
    for (int u = 0; u < n; ++u) worst = std::max(worst, std::fabs(th[size_t(3 + u)] / 0.5 - 1));
    std::string g;
    for (int u = 0; u < n; ++u) g += (u ? ", " : "") + std::to_string(th[size_t(3 + u)]);
    std::printf("{\"start\": %d, \"iterations\": %d, \"rss\": %.3g, \"c_r\": %.6g, \"c_d\": %.6g, \"c_a\": %.6g, "
                "\"diag_G\": [%s], \"worst_relative_error\": %.3g}\n",
                s, it, f, th[0], th[1], th[2], g.c_str(), worst);
    std::fflush(stdout);
  }
}
