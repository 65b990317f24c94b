#include "models/settlement/flow_fit.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/core/error.hpp"
#include "kernels/core/exp_neg.hpp"
#include "kernels/linalg/cholesky.hpp"

namespace migra::settle {
namespace {

/// Where each parameter sits in theta: m at 0, then gamma, then u_0 .. u_{N−2}.
struct Layout {
  int n = 0, size = 1, ig = -1, iu = -1;
  Layout(FlowModel m, int n_) : n(n_) {
    if (has_gamma(m)) ig = size++;
    if (has_u(m)) iu = size, size += n - 1;
  }
};

std::vector<double> pack(const Layout& L, const FitParams& t) {
  std::vector<double> th(size_t(L.size), 0.0);
  th[0] = t.log_mu;
  if (L.ig >= 0) th[size_t(L.ig)] = t.gamma;
  if (L.iu >= 0 && !t.u.empty())
    for (int j = 0; j + 1 < L.n; ++j) th[size_t(L.iu + j)] = t.u[size_t(j)] - t.u[size_t(L.n - 1)];
  return th;
}

FitParams unpack(const Layout& L, const std::vector<double>& th) {
  FitParams t;
  t.log_mu = th[0];
  if (L.ig >= 0) t.gamma = th[size_t(L.ig)];
  if (L.iu >= 0) {
    t.u.assign(size_t(L.n), 0.0);
    for (int j = 0; j + 1 < L.n; ++j) t.u[size_t(j)] = th[size_t(L.iu + j)];
  }
  return t;
}

/// Calls f(i, k, That_ik, c_ik) for every pair i != k, row by row. Each row is computed first
/// as That_ik = e^{a_i} e^{b_k} e^{−gamma d_ik}, a_i = m + log P_i − u_i, b_k = log P_k + u_k
/// (the flows of spec §6 in factored form): 2N scalar exps per pass, and N² of the branch-free
/// exp_neg, which vectorises (gamma < 0 falls back to std::exp).
template <class F>
void for_pairs(const FitProblem& p, FlowModel model, const FitParams& t, F&& f) {
  const size_t n = size_t(p.n);
  const bool use_u = has_u(model) && !t.u.empty();
  const double gamma = has_gamma(model) ? t.gamma : 0.0;
  std::vector<double> eb(n), row(n);
  for (size_t k = 0; k < n; ++k) eb[k] = std::exp(p.log_p[k] + (use_u ? t.u[k] : 0.0));
  for (size_t i = 0; i < n; ++i) {
    const double ea = std::exp(t.log_mu + p.log_p[i] - (use_u ? t.u[i] : 0.0));
    const double* di = p.d + i * n;
    if (gamma >= 0) {
      for (size_t k = 0; k < n; ++k) row[k] = ea * eb[k] * exp_neg(-gamma * di[k]);
    } else {
      for (size_t k = 0; k < n; ++k) row[k] = ea * eb[k] * std::exp(-gamma * di[k]);
    }
    const double* ci = p.weight ? p.weight + i * n : nullptr;
    for (size_t k = 0; k < i; ++k) f(i, k, row[k], ci ? ci[k] : 1.0);
    for (size_t k = i + 1; k < n; ++k) f(i, k, row[k], ci ? ci[k] : 1.0);
  }
}

/// Σ c (T − That)² at theta.
double phi_at(const FitProblem& p, FlowModel model, const FitParams& t) {
  double phi = 0;
  for_pairs(p, model, t, [&](size_t i, size_t k, double that, double c) {
    const double r = p.T[i * size_t(p.n) + k] - that;
    phi += c * r * r;
  });
  return phi;
}

double sum_weighted_t2(const FitProblem& p) {
  double s = 0;
  const size_t n = size_t(p.n);
  for (size_t i = 0; i < n; ++i)
    for (size_t k = 0; k < n; ++k)
      if (i != k) s += (p.weight ? p.weight[i * n + k] : 1.0) * p.T[i * n + k] * p.T[i * n + k];
  return s;
}

}  // namespace

const char* model_name(FlowModel m) {
  switch (m) {
    case FlowModel::Baseline: return "baseline";
    case FlowModel::Extended: return "extended";
    case FlowModel::Spatial: return "spatial";
  }
  return "?";
}

std::vector<double> model_flows(const FitProblem& p, FlowModel model, const FitParams& t) {
  std::vector<double> out(size_t(p.n) * size_t(p.n), 0.0);
  for_pairs(p, model, t, [&](size_t i, size_t k, double that, double) { out[i * size_t(p.n) + k] = that; });
  return out;
}

double r_squared(const FitProblem& p, double phi) {
  const size_t n = size_t(p.n);
  double sc = 0, st = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t k = 0; k < n; ++k)
      if (i != k) {
        const double c = p.weight ? p.weight[i * n + k] : 1.0;
        sc += c, st += c * p.T[i * n + k];
      }
  const double mean = st / sc;
  double ss = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t k = 0; k < n; ++k)
      if (i != k) {
        const double e = p.T[i * n + k] - mean;
        ss += (p.weight ? p.weight[i * n + k] : 1.0) * e * e;
      }
  return ss > 0 ? 1.0 - phi / ss : 0.0;
}

double closed_form_log_mu(const FitProblem& p, FlowModel model, const FitParams& t) {
  FitParams unit = t;
  unit.log_mu = 0.0;
  double tw = 0, ww = 0;
  for_pairs(p, model, unit, [&](size_t i, size_t k, double w, double c) {
    tw += c * p.T[i * size_t(p.n) + k] * w;
    ww += c * w * w;
  });
  MIGRA_THROW_IF_NOT_FMT(tw > 0 && ww > 0, "no positive flow between distinct units: the flow models cannot be fitted");
  return std::log(tw / ww);
}

NormalEquations normal_equations(const FitProblem& p, FlowModel model, const FitParams& t) {
  const Layout L(model, p.n);
  const size_t n = size_t(p.n), P = size_t(L.size);
  std::vector<double> rowQ(n), colQ(n), rowDQ(n), colDQ(n), rowR(n), colR(n);
  std::vector<double> Q(L.iu >= 0 ? n * n : 0);
  double sQ = 0, sDQ = 0, sDDQ = 0, sR = 0, sDR = 0, phi = 0;
  for_pairs(p, model, t, [&](size_t i, size_t k, double that, double c) {
    const double r = p.T[i * n + k] - that, q = c * that * that, s = c * r * that, dd = p.d[i * n + k];
    phi += c * r * r;
    sQ += q, sDQ += dd * q, sDDQ += dd * dd * q, sR += s, sDR += dd * s;
    rowQ[i] += q, colQ[k] += q, rowDQ[i] += dd * q, colDQ[k] += dd * q, rowR[i] += s, colR[k] += s;
    if (!Q.empty()) Q[i * n + k] = q;
  });
  NormalEquations ne;
  ne.size = L.size;
  ne.phi = phi;
  ne.ata.assign(P * P, 0.0);
  ne.atr.assign(P, 0.0);
  const auto set = [&](size_t a, size_t b, double v) { ne.ata[a * P + b] = ne.ata[b * P + a] = v; };
  set(0, 0, sQ);
  ne.atr[0] = sR;
  if (L.ig >= 0) {
    const size_t g = size_t(L.ig);
    set(0, g, -sDQ);
    set(g, g, sDDQ);
    ne.atr[g] = -sDR;
  }
  if (L.iu >= 0)
    for (size_t j = 0; j + 1 < n; ++j) {
      const size_t uj = size_t(L.iu) + j;
      set(0, uj, colQ[j] - rowQ[j]);
      if (L.ig >= 0) set(size_t(L.ig), uj, -colDQ[j] + rowDQ[j]);
      set(uj, uj, colQ[j] + rowQ[j]);
      for (size_t b = 0; b < j; ++b) set(uj, size_t(L.iu) + b, -(Q[j * n + b] + Q[b * n + j]));
      ne.atr[uj] = colR[j] - rowR[j];
    }
  return ne;
}

FitResult fit_flow_model(const FitProblem& p, FlowModel model, const FitParams& start, const FitConfig& cfg) {
  const Layout L(model, p.n);
  MIGRA_THROW_IF_NOT_FMT(p.n >= 2, "a flow model needs at least 2 units (got %d)", p.n);
  MIGRA_THROW_IF_NOT_FMT(!has_u(model) || start.u.empty() || int(start.u.size()) == p.n,
                         "start potentials: %zu values for %d units", start.u.size(), p.n);
  std::vector<double> theta = pack(L, start);
  NormalEquations cur = normal_equations(p, model, unpack(L, theta));
  const double exact = 1e-28 * sum_weighted_t2(p);
  const size_t P = size_t(L.size);
  double lambda = 1e-3, nu = 2;
  FitResult res;
  res.model = model;
  res.stop = "iteration limit";
  for (int it = 1; it <= cfg.max_iter; ++it) {
    res.iterations = it;
    double grad = 0, dmax = 0;
    for (size_t j = 0; j < P; ++j) grad = std::max(grad, 2 * std::fabs(cur.atr[j])), dmax = std::max(dmax, cur.ata[j * P + j]);
    if (cur.phi <= exact) { res.converged = true, res.stop = "exact fit"; break; }
    if (grad <= cfg.grad_tol * cur.phi) { res.converged = true, res.stop = "gradient"; break; }
    std::vector<double> a = cur.ata, D(P);
    for (size_t j = 0; j < P; ++j) D[j] = std::max(cur.ata[j * P + j], 1e-15 * dmax), a[j * P + j] += lambda * D[j];
    std::vector<double> delta = cur.atr;
    bool decreased = false;
    if (linalg::cholesky_factor(a, L.size)) {
      linalg::cholesky_solve(a, L.size, delta);
      std::vector<double> cand(P);
      double pred = 0;
      for (size_t j = 0; j < P; ++j) cand[j] = theta[j] + delta[j], pred += delta[j] * (cur.atr[j] + lambda * D[j] * delta[j]);
      if (pred <= cfg.rel_tol * cur.phi) {  // the local model promises no decrease worth a pass
        res.converged = true, res.stop = "predicted decrease below tolerance";
        break;
      }
      NormalEquations next = normal_equations(p, model, unpack(L, cand));
      if (std::isfinite(next.phi) && next.phi < cur.phi) {
        decreased = true;
        const double rho = (cur.phi - next.phi) / pred, rel = (cur.phi - next.phi) / cur.phi;
        theta.swap(cand);
        cur = std::move(next);
        lambda *= std::max(1.0 / 3.0, 1.0 - std::pow(2 * rho - 1, 3));
        nu = 2;
        if (rel < cfg.rel_tol) { res.converged = true, res.stop = "relative change"; break; }
      }
    }
    if (!decreased) {
      lambda *= nu, nu *= 2;
      if (lambda > 1e20) { res.converged = true, res.stop = "no decrease at working precision"; break; }
    }
  }
  res.params = unpack(L, theta);
  if (!res.params.u.empty()) {
    const double lo = *std::min_element(res.params.u.begin(), res.params.u.end());
    for (double& v : res.params.u) v -= lo;
  }
  res.phi = cur.phi;
  res.r2 = r_squared(p, cur.phi);
  return res;
}

GammaProfile gamma_profile(const FitProblem& p, double lo, double hi, double step) {
  MIGRA_THROW_IF_NOT_FMT(hi > lo && step > 0, "gamma profile: need lo < hi and step > 0 (got %g, %g, %g)", lo, hi, step);
  const double tt = sum_weighted_t2(p);
  // Phi(gamma) at mu*: Σ c T² − (Σ c T w)² / Σ c w², one pass per grid point.
  const auto profile = [&](double g) {
    FitParams t;
    t.gamma = g;
    double tw = 0, ww = 0;
    for_pairs(p, FlowModel::Spatial, t, [&](size_t i, size_t k, double w, double c) {
      tw += c * p.T[i * size_t(p.n) + k] * w;
      ww += c * w * w;
    });
    return ww > 0 ? tt - tw * tw / ww : tt;
  };
  // The polish evaluates Phi directly at mu* (no cancellation near an exact fit).
  const auto exact_phi = [&](double g) {
    FitParams t;
    t.gamma = g;
    t.log_mu = closed_form_log_mu(p, FlowModel::Spatial, t);
    return phi_at(p, FlowModel::Spatial, t);
  };
  GammaProfile prof;
  const int steps = int(std::floor((hi - lo) / step + 1e-9));
  size_t best = 0;
  for (int s = 0; s <= steps; ++s) {
    prof.gamma.push_back(lo + s * step);
    prof.phi.push_back(profile(prof.gamma.back()));
    if (prof.phi.back() < prof.phi[best]) best = prof.gamma.size() - 1;
  }
  double a = prof.gamma[best > 0 ? best - 1 : 0], b = prof.gamma[std::min(best + 1, prof.gamma.size() - 1)];
  constexpr double r = 0.6180339887498949;
  double x1 = b - r * (b - a), x2 = a + r * (b - a), f1 = exact_phi(x1), f2 = exact_phi(x2);
  while (b - a > 1e-12 * std::max(1.0, std::fabs(b))) {
    if (f1 <= f2) b = x2, x2 = x1, f2 = f1, x1 = b - r * (b - a), f1 = exact_phi(x1);
    else a = x1, x1 = x2, f1 = f2, x2 = a + r * (b - a), f2 = exact_phi(x2);
  }
  prof.best_gamma = 0.5 * (a + b);
  FitParams t;
  t.gamma = prof.best_gamma;
  prof.best_log_mu = closed_form_log_mu(p, FlowModel::Spatial, t);
  t.log_mu = prof.best_log_mu;
  prof.best_phi = phi_at(p, FlowModel::Spatial, t);
  return prof;
}

const FitResult& NestedFits::get(FlowModel m) const {
  return m == FlowModel::Baseline ? baseline : m == FlowModel::Spatial ? spatial : extended;
}

NestedFits fit_nested(const FitProblem& p, const FitConfig& cfg, double profile_step) {
  NestedFits out;
  out.profile = gamma_profile(p, 0.0, 3.0, profile_step);
  FitParams s;
  s.gamma = out.profile.best_gamma;
  s.log_mu = out.profile.best_log_mu;
  out.spatial = fit_flow_model(p, FlowModel::Spatial, s, cfg);

  FitParams b;
  b.u.assign(size_t(p.n), 0.0);
  b.log_mu = closed_form_log_mu(p, FlowModel::Baseline, b);
  out.baseline = fit_flow_model(p, FlowModel::Baseline, b, cfg);

  FitParams from_spatial = out.spatial.params, from_baseline = out.baseline.params;
  from_spatial.u.assign(size_t(p.n), 0.0);
  from_baseline.gamma = 0.0;
  const FitResult e1 = fit_flow_model(p, FlowModel::Extended, from_spatial, cfg);
  const FitResult e2 = fit_flow_model(p, FlowModel::Extended, from_baseline, cfg);
  out.extended = e1.phi <= e2.phi ? e1 : e2;
  return out;
}

}  // namespace migra::settle
