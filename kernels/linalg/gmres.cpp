#include "kernels/linalg/gmres.hpp"

#include <cmath>

#include "kernels/core/error.hpp"

namespace migra::linalg {

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double norm(const std::vector<double>& v) { return std::sqrt(dot(v, v)); }

GmresResult gmres(const LinearOperator& A, const std::vector<double>& b, const GmresConfig& cfg,
                  std::vector<double> x0) {
  MIGRA_THROW_IF_NOT_FMT(cfg.restart >= 1 && cfg.cycles >= 1 && cfg.rtol > 0.0,
                         "gmres: restart and cycles must be >= 1 and rtol > 0");
  const std::size_t n = b.size();
  const int m = cfg.restart;
  GmresResult res;
  res.x = x0.empty() ? std::vector<double>(n, 0.0) : std::move(x0);
  MIGRA_THROW_IF_NOT_FMT(res.x.size() == n, "gmres: x0 has %zu values, b %zu", res.x.size(), n);
  const double b_norm = std::sqrt(dot(b, b));
  if (b_norm == 0.0) {
    res.x.assign(n, 0.0);
    res.converged = true;
    return res;
  }
  std::vector<double> r(n), w(n);
  std::vector<std::vector<double>> V;
  std::vector<double> H(std::size_t(m + 1) * std::size_t(m));  // column-major: H[i + j (m + 1)]
  std::vector<double> cs(static_cast<std::size_t>(m)), sn(static_cast<std::size_t>(m)), g(static_cast<std::size_t>(m) + 1);
  const auto h = [&](int i, int j) -> double& { return H[std::size_t(i) + std::size_t(j) * std::size_t(m + 1)]; };
  for (int cycle = 0; cycle < cfg.cycles; ++cycle) {
    A(res.x, w);
    ++res.products;
    for (std::size_t i = 0; i < n; ++i) r[i] = b[i] - w[i];
    const double beta = std::sqrt(dot(r, r));
    res.residual = beta / b_norm;
    if (res.residual <= cfg.rtol) {
      res.converged = true;
      return res;
    }
    V.assign(1, r);
    for (double& v : V[0]) v /= beta;
    std::fill(g.begin(), g.end(), 0.0);
    g[0] = beta;
    int k = 0;
    while (k < m) {
      A(V[std::size_t(k)], w);
      ++res.products;
      for (int i = 0; i <= k; ++i) {  // modified Gram–Schmidt
        h(i, k) = dot(w, V[std::size_t(i)]);
        for (std::size_t q = 0; q < n; ++q) w[q] -= h(i, k) * V[std::size_t(i)][q];
      }
      h(k + 1, k) = std::sqrt(dot(w, w));
      for (int i = 0; i < k; ++i) {  // the earlier rotations on the new column
        const double a = h(i, k), c = h(i + 1, k);
        h(i, k) = cs[std::size_t(i)] * a + sn[std::size_t(i)] * c;
        h(i + 1, k) = -sn[std::size_t(i)] * a + cs[std::size_t(i)] * c;
      }
      const double rho = std::hypot(h(k, k), h(k + 1, k));  // a rotation zeroing h(k+1, k)
      const bool breakdown = h(k + 1, k) == 0.0;  // the Krylov space is invariant: exact solution
      if (!breakdown) {
        V.push_back(w);
        for (double& v : V.back()) v /= h(k + 1, k);
      }
      cs[std::size_t(k)] = rho == 0.0 ? 1.0 : h(k, k) / rho;
      sn[std::size_t(k)] = rho == 0.0 ? 0.0 : h(k + 1, k) / rho;
      h(k, k) = rho;
      h(k + 1, k) = 0.0;
      g[std::size_t(k) + 1] = -sn[std::size_t(k)] * g[std::size_t(k)];
      g[std::size_t(k)] *= cs[std::size_t(k)];
      ++k;
      res.residual = std::fabs(g[std::size_t(k)]) / b_norm;
      if (res.residual <= cfg.rtol || breakdown) break;
    }
    // y = R^-1 g (R: the rotated upper-triangular k x k block), x += V_k y
    std::vector<double> y(std::size_t(k), 0.0);
    for (int i = k - 1; i >= 0; --i) {
      double s = g[std::size_t(i)];
      for (int j = i + 1; j < k; ++j) s -= h(i, j) * y[std::size_t(j)];
      y[std::size_t(i)] = h(i, i) == 0.0 ? 0.0 : s / h(i, i);
    }
    for (int j = 0; j < k; ++j)
      for (std::size_t q = 0; q < n; ++q) res.x[q] += y[std::size_t(j)] * V[std::size_t(j)][q];
    if (res.residual <= cfg.rtol) {
      res.converged = true;
      return res;
    }
  }
  return res;
}

}  // namespace migra::linalg
