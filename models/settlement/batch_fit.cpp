#include "models/settlement/batch_fit.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/core/error.hpp"

namespace migra::settle {
namespace {

lsq::FlowShape shape_of(FlowModel model, int n, int batch) { return {n, batch, has_gamma(model), has_u(model)}; }

/// One problem's host-side LM state (Nielsen's damping update).
struct LmState {
  std::vector<double> theta, atr, diag;
  double phi = 0, lambda = 1e-3, nu = 2, exact = 0, sst = 0, pred = 0;
  int iterations = 0;
  bool done = false, converged = false;
  std::string stop = "iteration limit";

  void finish(bool ok, const char* why) { done = true, converged = ok, stop = why; }
  /// Problem b's point, Aᵀr and diag AᵀA from the batch's host copies (P values each).
  void take(const std::vector<double>& th, const std::vector<double>& r, const std::vector<double>& dg, size_t b,
            size_t P) {
    const auto part = [&](const std::vector<double>& v) {
      return std::vector<double>(v.begin() + std::ptrdiff_t(b * P), v.begin() + std::ptrdiff_t((b + 1) * P));
    };
    theta = part(th), atr = part(r), diag = part(dg);
  }
  void reject() {
    lambda *= nu, nu *= 2;
    if (lambda > 1e20) finish(true, "no decrease at working precision");
  }
};

}  // namespace

std::vector<double> pack_params(FlowModel model, int n, const FitParams& t) {
  const lsq::FlowShape s = shape_of(model, n, 1);
  std::vector<double> th(size_t(s.params()), 0.0);
  th[0] = t.log_mu;
  if (s.gamma) th[1] = t.gamma;
  if (s.u && !t.u.empty())
    for (int j = 0; j + 1 < n; ++j) th[size_t(s.iu() + j)] = t.u[size_t(j)] - t.u[size_t(n - 1)];
  return th;
}

FitParams unpack_params(FlowModel model, int n, const double* th) {
  const lsq::FlowShape s = shape_of(model, n, 1);
  FitParams t;
  t.log_mu = th[0];
  if (s.gamma) t.gamma = th[1];
  if (s.u) {
    t.u.assign(size_t(n), 0.0);
    for (int j = 0; j + 1 < n; ++j) t.u[size_t(j)] = th[s.iu() + j];
  }
  return t;
}

std::vector<FitResult> fit_batch(Backend& be, FlowModel model, const BatchProblems& bp,
                                 const std::vector<FitParams>& starts, const FitConfig& cfg) {
  const int n = bp.n, B = bp.batch;
  MIGRA_THROW_IF_NOT_FMT(n >= 2, "a flow model needs at least 2 units (got %d)", n);
  MIGRA_THROW_IF_NOT_FMT(int(starts.size()) == B, "fit_batch: %zu starts for %d problems", starts.size(), B);
  const lsq::FlowShape s = shape_of(model, n, B);
  const int P = s.params();
  const size_t Bn = static_cast<size_t>(B), PP = size_t(P) * size_t(P), BP = Bn * size_t(P);
  const Exec exec = be.exec();
  Buffer<double> theta(be, BP), ata(be, size_t(B) * PP), ata_c(be, size_t(B) * PP), atr(be, BP), atr_c(be, BP),
      rhs(be, BP), diag(be, BP), phi(be, size_t(B)), lambda(be, size_t(B)), moments(be, 3 * size_t(B));
  Buffer<double> work(be, be.is_gpu() ? size_t(B) * PP : 0);  // the CPU factors in its own buffers
  Buffer<unsigned char> mask(be, size_t(B));
  Buffer<int> ok(be, size_t(B));

  std::vector<LmState> st(Bn);
  std::vector<double> th_h(BP), host(BP), phi_h(Bn), mom(3 * Bn), lam_h(Bn);
  std::vector<unsigned char> mask_h(Bn, 1);
  std::vector<int> ok_h(Bn);
  for (int b = 0; b < B; ++b) {
    MIGRA_THROW_IF_NOT_FMT(!has_u(model) || starts[size_t(b)].u.empty() || int(starts[size_t(b)].u.size()) == n,
                           "start potentials: %zu values for %d units", starts[size_t(b)].u.size(), n);
    const std::vector<double> th = pack_params(model, n, starts[size_t(b)]);
    std::copy(th.begin(), th.end(), th_h.begin() + std::ptrdiff_t(b) * P);
  }
  theta.upload(th_h.data());
  lsq::flow_moments(exec, s, bp.data, moments.data());
  lsq::flow_normal_equations(exec, s, bp.data, theta.data(), nullptr, ata.data(), atr.data(), phi.data());
  lsq::diagonals(exec, B, P, ata.data(), diag.data());
  moments.download(mom.data());
  phi.download(phi_h.data());
  std::vector<double> atr_h = atr.to_host(), diag_h = diag.to_host();
  for (size_t b = 0; b < size_t(B); ++b) {
    LmState& m = st[b];
    m.take(th_h, atr_h, diag_h, b, size_t(P));
    m.phi = phi_h[b];
    m.exact = 1e-28 * mom[3 * b + 2];
    m.sst = mom[3 * b + 2] - mom[3 * b + 1] * mom[3 * b + 1] / mom[3 * b];
  }

  for (;;) {
    // 1. Stopping tests at the current point; the damped systems of the problems still going.
    bool any = false;
    for (size_t b = 0; b < size_t(B); ++b) {
      LmState& m = st[b];
      mask_h[b] = 0;
      if (m.done) continue;
      if (m.iterations == cfg.max_iter) { m.finish(false, "iteration limit"); continue; }
      ++m.iterations;
      double grad = 0;
      for (double v : m.atr) grad = std::max(grad, 2 * std::fabs(v));
      if (m.phi <= m.exact) { m.finish(true, "exact fit"); continue; }
      if (grad <= cfg.grad_tol * m.phi) { m.finish(true, "gradient"); continue; }
      mask_h[b] = 1, lam_h[b] = m.lambda, any = true;
      std::copy(m.atr.begin(), m.atr.end(), host.begin() + std::ptrdiff_t(b * P));
    }
    if (!any) break;
    mask.upload(mask_h.data());
    lambda.upload(lam_h.data());
    rhs.upload(host.data());
    lsq::damped_solve(exec, B, P, ata.data(), lambda.data(), mask.data(), work.data(), rhs.data(), ok.data());
    rhs.download(host.data());
    ok.download(ok_h.data());
    // 2. Candidates where the local model promises a worthwhile decrease.
    any = false;
    for (size_t b = 0; b < size_t(B); ++b) {
      LmState& m = st[b];
      if (!mask_h[b]) continue;
      mask_h[b] = 0;
      if (!ok_h[b]) { m.reject(); continue; }
      const double* delta = host.data() + b * P;
      double dmax = 0, pred = 0;
      for (double v : m.diag) dmax = std::max(dmax, v);
      for (int j = 0; j < P; ++j)
        pred += delta[j] * (m.atr[size_t(j)] + m.lambda * std::max(m.diag[size_t(j)], 1e-15 * dmax) * delta[j]);
      if (pred <= cfg.rel_tol * m.phi) { m.finish(true, "predicted decrease below tolerance"); continue; }
      m.pred = pred;
      for (int j = 0; j < P; ++j) th_h[b * P + size_t(j)] = m.theta[size_t(j)] + delta[j];
      mask_h[b] = 1, any = true;
    }
    if (!any) continue;
    // 3. Normal equations at the candidates; accept the ones that decrease Phi.
    mask.upload(mask_h.data());
    theta.upload(th_h.data());
    lsq::flow_normal_equations(exec, s, bp.data, theta.data(), mask.data(), ata_c.data(), atr_c.data(), phi.data());
    lsq::diagonals(exec, B, P, ata_c.data(), diag.data());
    phi.download(phi_h.data());
    atr_c.download(atr_h.data());
    diag.download(diag_h.data());
    std::vector<unsigned char> take(Bn, 0);
    for (size_t b = 0; b < size_t(B); ++b) {
      LmState& m = st[b];
      if (!mask_h[b]) continue;
      const double next = phi_h[b];
      if (!(std::isfinite(next) && next < m.phi)) {
        std::copy(m.theta.begin(), m.theta.end(), th_h.begin() + std::ptrdiff_t(b * P));
        m.reject();
        continue;
      }
      const double rho = (m.phi - next) / m.pred, rel = (m.phi - next) / m.phi;
      m.take(th_h, atr_h, diag_h, b, size_t(P));
      m.phi = next;
      m.lambda *= std::max(1.0 / 3.0, 1.0 - std::pow(2 * rho - 1, 3));
      m.nu = 2;
      take[b] = 1;
      if (rel < cfg.rel_tol) m.finish(true, "relative change");
    }
    mask.upload(take.data());
    lsq::copy_selected(exec, B, (long long)PP, ata_c.data(), mask.data(), ata.data());
  }

  std::vector<FitResult> out(Bn);
  for (size_t b = 0; b < size_t(B); ++b) {
    const LmState& m = st[b];
    FitResult& r = out[b];
    r.model = model;
    r.params = unpack_params(model, n, m.theta.data());
    if (!r.params.u.empty()) {
      const double lo = *std::min_element(r.params.u.begin(), r.params.u.end());
      for (double& v : r.params.u) v -= lo;
    }
    r.phi = m.phi;
    r.r2 = m.sst > 0 ? 1.0 - m.phi / m.sst : 0.0;
    r.iterations = m.iterations;
    r.converged = m.converged;
    r.stop = m.stop;
  }
  return out;
}

}  // namespace migra::settle
