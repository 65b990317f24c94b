// Plan diagnostics (sinkhorn.hpp: ot_report, transport_plan). Marginals come from the
// half-step itself: with s = softmin(g) (log w = 0, lambda = 1), (P 1)_i = exp((f_i - s_i) / eps).
#include <algorithm>
#include <cmath>

#include "kernels/core/error.hpp"
#include "kernels/ot/dense_ops.hpp"
#include "kernels/ot/device_cost.hpp"
#include "kernels/ot/sinkhorn.hpp"
#include "kernels/ot/softmin.hpp"

namespace migra::ot {
namespace {

/// tau KL(p | q) = tau sum p log(p / q) - p + q  (0 log 0 = 0); 0 for tau = inf (hard marginal).
double kl_term(double tau, const std::vector<double>& p, const double* q) {
  if (std::isinf(tau)) return 0.0;
  double s = 0.0;
  for (size_t k = 0; k < p.size(); ++k) s += (p[k] > 0.0 ? p[k] * std::log(p[k] / q[k]) : 0.0) - p[k] + q[k];
  return tau * s;
}

/// -tau <w, e^{-phi/tau} - 1>, or <phi, w> for tau = inf (0 * -inf = 0).
double dual_term(double tau, const double* phi, const double* w, int len) {
  double s = 0.0;
  for (int k = 0; k < len; ++k) {
    if (w[k] == 0.0) continue;
    s += std::isinf(tau) ? phi[k] * w[k] : -tau * w[k] * (std::exp(-phi[k] / tau) - 1.0);
  }
  return s;
}

/// <phi, p> over entries with p > 0.
double pairing(const double* phi, const std::vector<double>& p) {
  double s = 0.0;
  for (size_t k = 0; k < p.size(); ++k)
    if (p[k] > 0.0) s += phi[k] * p[k];
  return s;
}

}  // namespace

std::vector<OtReport> ot_report(Backend& be, const CostInput& cost, const double* a, const double* b,
                                const SinkhornConfig& cfg, const SinkhornResult& res) {
  const int n = cost.n, m = cost.m;
  const double eps = cfg.eps;
  const detail::DeviceCost dc(be, cost);
  const Exec ex = be.exec();
  Buffer<double> f(be, size_t(n)), g(be, size_t(m)), zn(be, std::vector<double>(size_t(n), 0.0)),
      zm(be, std::vector<double>(size_t(m), 0.0)), sn(be, size_t(n)), sm(be, size_t(m)), rows(be, size_t(n));
  std::vector<OtReport> out(size_t(res.batch));
  for (int p = 0; p < res.batch; ++p) {
    const double* fh = res.f.data() + size_t(p) * size_t(n);
    const double* gh = res.g.data() + size_t(p) * size_t(m);
    const double* ap = a + size_t(p) * size_t(n);
    const double* bp = b + size_t(p) * size_t(m);
    f.upload(fh);
    g.upload(gh);
    dc.visit([&](const auto& C) {
      softmin(ex, C, SoftminArgs{n, m, 1, g.data(), zn.data(), eps, 1.0, nullptr, sn.data()});
      plan_cost_rows(ex, C, f.data(), g.data(), eps, n, m, rows.data());
    });
    dc.visit_t([&](const auto& C) { softmin(ex, C, SoftminArgs{m, n, 1, f.data(), zm.data(), eps, 1.0, nullptr, sm.data()}); });
    const std::vector<double> s_row = sn.to_host(), s_col = sm.to_host(), cost_rows = rows.to_host();
    std::vector<double> r(static_cast<size_t>(n)), c(static_cast<size_t>(m));
    OtReport& o = out[size_t(p)];
    for (int i = 0; i < n; ++i) {
      r[size_t(i)] = std::isfinite(fh[i]) ? std::exp((fh[i] - s_row[size_t(i)]) / eps) : 0.0;
      o.mass += r[size_t(i)];
      o.marginal_error_a += std::fabs(r[size_t(i)] - ap[i]);
      o.transport_cost += cost_rows[size_t(i)];
    }
    for (int j = 0; j < m; ++j) {
      c[size_t(j)] = std::isfinite(gh[j]) ? std::exp((gh[j] - s_col[size_t(j)]) / eps) : 0.0;
      o.marginal_error_b += std::fabs(c[size_t(j)] - bp[j]);
    }
    // sum P log P = sum P (f_i + g_j - C_ij) / eps = (<f, r> + <g, c> - <C, P>) / eps
    const double plogp = (pairing(fh, r) + pairing(gh, c) - o.transport_cost) / eps;
    o.entropy = o.mass - plogp;
    o.primal = o.transport_cost - eps * o.entropy + kl_term(cfg.tau_a, r, ap) + kl_term(cfg.tau_b, c, bp);
    o.dual = dual_term(cfg.tau_a, fh, ap, n) + dual_term(cfg.tau_b, gh, bp, m) - eps * o.mass;
    o.gap = o.primal - o.dual;
  }
  return out;
}

void transport_plan(Backend& be, const CostInput& cost, const SinkhornResult& res, double eps, int problem,
                    int block_rows, const std::function<void(int, int, const double*)>& sink) {
  MIGRA_THROW_IF_NOT_FMT(problem >= 0 && problem < res.batch && block_rows > 0,
                         "transport_plan: problem %d of %d, block of %d rows", problem, res.batch, block_rows);
  const int n = cost.n, m = cost.m;
  const detail::DeviceCost dc(be, cost);
  const Buffer<double> f(be, std::vector<double>(res.f.begin() + long(problem) * n, res.f.begin() + long(problem + 1) * n));
  const Buffer<double> g(be, std::vector<double>(res.g.begin() + long(problem) * m, res.g.begin() + long(problem + 1) * m));
  const int rows = std::min(block_rows, n);
  Buffer<double> P(be, size_t(rows) * size_t(m));
  std::vector<double> host(size_t(rows) * size_t(m));
  for (int r0 = 0; r0 < n; r0 += rows) {
    const int r1 = std::min(n, r0 + rows);
    dc.visit([&](const auto& C) { plan_fill(be.exec(), C, f.data(), g.data(), eps, r0, r1 - r0, m, P.data()); });
    be.copy_out(host.data(), P.data(), size_t(r1 - r0) * size_t(m) * sizeof(double));
    sink(r0, r1, host.data());
  }
}

}  // namespace migra::ot
