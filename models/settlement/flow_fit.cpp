#include "models/settlement/flow_fit.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/core/error.hpp"
#include "kernels/lsq/flow_rows.hpp"
#include "models/settlement/batch_fit.hpp"

namespace migra::settle {
namespace {

/// Calls f(i, k, That_ik, c_ik) for every pair i != k, row by row (rows by lsq::FlowRows).
template <class F>
void for_pairs(const FitProblem& p, FlowModel model, const FitParams& t, F&& f) {
  const size_t n = size_t(p.n);
  const std::vector<double> th = pack_params(model, p.n, t);  // empty u packs as u ≡ 0
  const lsq::FlowRows rows({p.n, 1, has_gamma(model), has_u(model)}, p.d, p.log_p, th.data());
  std::vector<double> row(n);
  for (size_t i = 0; i < n; ++i) {
    rows.row(int(i), row.data());
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

/// The problem as the batched kernels see it (a batch of one, host memory).
lsq::FlowData data_of(const FitProblem& p) { return {p.d, p.log_p, p.T, nullptr, p.weight, nullptr}; }

/// Σ c T² over i != k (lsq::flow_moments' third moment).
double sum_weighted_t2(const FitProblem& p) {
  double m[3];
  lsq::flow_moments(Exec::cpu(), {p.n, 1, false, false}, data_of(p), m);
  return m[2];
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
  const lsq::FlowShape s{p.n, 1, has_gamma(model), has_u(model)};
  const std::vector<double> th = pack_params(model, p.n, t);
  NormalEquations ne;
  ne.size = s.params();
  ne.ata.resize(size_t(ne.size) * size_t(ne.size));
  ne.atr.resize(size_t(ne.size));
  lsq::flow_normal_equations(Exec::cpu(), s, data_of(p), th.data(), nullptr, ne.ata.data(), ne.atr.data(), &ne.phi);
  return ne;
}

FitResult fit_flow_model(const FitProblem& p, FlowModel model, const FitParams& start, const FitConfig& cfg) {
  const std::unique_ptr<Backend> cpu = make_cpu_backend();
  BatchProblems one{p.n, 1, data_of(p)};
  return fit_batch(*cpu, model, one, {start}, cfg)[0];
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
