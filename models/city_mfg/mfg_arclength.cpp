// Pseudo-arclength continuation of the MFG's fixed points in a parameter (Keller 1977;
// Allgower & Georg, Introduction to Numerical Continuation Methods, ch. 2). Natural continuation
// (tools/mfg_continuation.py: Newton at nu / s for growing s) ends where the branch folds back:
// on Test 1a Newton converges quadratically down to nu / 78 and finds no fixed point at nu / 79
// (issue 5 note). Here the parameter mu = log s is an unknown beside the masses (s scales the
// viscosities nu / s, the overcrowding coefficients C s or thresholds b / s: Knobs), and each
// point solves the bordered system
//   F(x, mu) = G(x; s = e^mu) - x = 0,     t . (z - z_k) - ds = 0,     z = (x / |x_0|, mu),
// where z_k is the last point and t the unit secant from the point before it (at the start,
// t = (0, 1): the first step is a natural one). The scaling by |x_0| makes a step of ds a
// relative change ds of the masses or a change ds of log s, so a fold, where mu turns back,
// is passed like any other point. The corrector is Newton's method on the bordered system, its
// Jacobian products finite differences of G along (v_x, v_mu) (one sweep each:
// kernels/linalg/fd_jacobian.hpp) solved by GMRES; a corrector that has not converged in
// kCorrectorSteps halves ds and starts again from z_k. ds grows by half after an easy point,
// to 10 arclength_step. The walk ends after arclength_points points, or where s leaves
// [1 / arclength_to, arclength_to] (a fold may send it back below 1). After each point the
// walk's state (z_k, t, ds, the start of z_k's sweep, the branch so far) goes to `save`; a walk
// resumed from it (SolveState::zk set) recomputes z_k's sweep and goes on with the same bits.
#include <algorithm>
#include <cmath>

#include "kernels/linalg/fd_jacobian.hpp"
#include "models/city_mfg/picard_map.hpp"

namespace migra::mfg {
namespace {

constexpr int kCorrectorSteps = 6;
/// The corrector's linear solves to 1e-2 (inexact Newton): 30 points of coarse Test 1a (dx 0.05)
/// took 2,281 sweeps against 3,176 at Newton's 1e-4, along the same branch (s to 1e-6); at 1e-1
/// the steps near the fold shrink and the walk gets less far.
constexpr double kGmresRtol = 1e-2;
constexpr double kSmallestStep = 1e-3;  ///< of arclength_step: below it the branch is lost

}  // namespace

void arclength_solve(const PicardMap& G, const MfgConfig& cfg, MfgResult& r, SolveState& st,
                     const std::function<void(int, double)>& on_point,
                     const std::function<void(const MfgResult&, const SolveState&)>& save) {
  const bool resumed = !st.zk.empty();  // from a checkpoint inside the walk
  if (!resumed) {
    newton_solve(G, cfg, r, st, {}, save);  // the start, at the config's values (s = 1)
    if (!r.converged) return;
  }
  const size_t plane = size_t(G.N), final_row = size_t(G.NT) * plane;
  const auto add_point = [&](double mu, double residual, int steps, double ds) {
    r.branch.push_back({std::exp(mu), residual, steps, ds});
    r.branch_w.insert(r.branch_w.end(), r.Mw.begin() + long(final_row), r.Mw.end());
    r.branch_f.insert(r.branch_f.end(), r.Mf.begin() + long(final_row), r.Mf.end());
    if (on_point) on_point(int(r.branch.size()) - 1, std::exp(mu));
  };
  const size_t n = 2 * size_t(G.NT) * plane;
  const std::string& what = cfg.arclength_parameter;
  const auto knobs = [&](double mu) {  // s = e^mu: nu / s, C s or b / s
    Knobs k;
    if (what == "C") k.C = std::exp(mu);
    else if (what == "b") k.b = std::exp(-mu);
    else k.nu = std::exp(-mu);
    return k;
  };
  std::vector<double> zk(n + 1), t(n + 1, 0.0), Mw, Mf;
  double xs = 0.0, ds = cfg.arclength_step;
  if (resumed) {
    zk = st.zk, t = st.t, xs = st.xs, ds = st.ds;
  } else {
    add_point(0.0, r.residuals.back(), r.iterations, 0.0);
    const std::vector<double> x0 = G.pack(r.Mw, r.Mf);
    xs = linalg::norm(x0);
    for (size_t i = 0; i < n; ++i) zk[i] = x0[i] / xs;
    t[n] = 1.0;  // towards s = arclength_to
  }
  // G at z from the warm start `warm`; its masses, scaled, in gz; z's masses in Mw, Mf. Counted
  // unless it repeats a sweep a checkpoint already counted.
  const auto sweep = [&](const std::vector<double>& z, const ot::SinkhornResult* warm, std::vector<double>& gz,
                         bool counted = true) {
    std::vector<double> x(n);
    for (size_t i = 0; i < n; ++i) x[i] = std::max(z[i] * xs, 0.0);  // G needs masses >= 0
    G.unpack(x, Mw, Mf);
    Sweep s = G(Mw.data(), Mf.data(), warm, knobs(z[n]));
    if (counted) PicardMap::count(s, r);
    gz = G.pack(s.Mw, s.Mf);
    for (double& v : gz) v /= xs;
    return s;
  };
  std::vector<double> g_k;
  // z_k's sweep: a resumed walk recomputes the very one it had (st.warm was its start)
  Sweep at_k = sweep(zk, st.warm.f.empty() ? nullptr : &st.warm, g_k, !resumed);
  const double mu_end = std::log(cfg.arclength_to);
  // the window: s in [1 / arclength_to, arclength_to]
  while (int(r.branch.size()) < cfg.arclength_points && std::fabs(zk[n]) < mu_end) {
    std::vector<double> z(n + 1), gz;
    for (size_t i = 0; i <= n; ++i) z[i] = zk[i] + ds * t[i];
    ot::SinkhornResult from = at_k.ot;  // the start of the sweep s, kept for a checkpoint
    Sweep s = sweep(z, &from, gz);
    double err = G.distance(s.Mw.data(), s.Mf.data(), Mw.data(), Mf.data());
    int steps = 0;
    for (; !(err < cfg.tol) && steps < kCorrectorSteps; ++steps) {
      // H(z) = (g(z) - y, t . (z - z_k) - ds); J v by one sweep along v
      std::vector<double> minus_H(n + 1);
      double c = -ds;
      for (size_t i = 0; i <= n; ++i) c += t[i] * (z[i] - zk[i]);
      for (size_t i = 0; i < n; ++i) minus_H[i] = z[i] - gz[i];
      minus_H[n] = -c;
      const linalg::Map g = [&](const std::vector<double>& y, std::vector<double>& gy) { sweep(y, &s.ot, gy); };
      const linalg::LinearOperator Jg = linalg::fd_jacobian(g, z, gz);
      const linalg::LinearOperator J = [&](const std::vector<double>& v, std::vector<double>& Jv) {
        Jg(v, Jv);
        Jv[n] = linalg::dot(t, v);  // the border row
      };
      linalg::GmresConfig gc;
      gc.restart = cfg.krylov;
      gc.rtol = kGmresRtol;
      const std::vector<double> d = linalg::gmres(J, minus_H, gc).x;
      for (size_t i = 0; i <= n; ++i) z[i] += d[i];
      from = s.ot;
      s = sweep(z, &from, gz);
      err = G.distance(s.Mw.data(), s.Mf.data(), Mw.data(), Mf.data());
    }
    if (!(err < cfg.tol)) {  // the corrector failed: a shorter step from the same point
      ds *= 0.5;
      if (ds < kSmallestStep * cfg.arclength_step) {
        r.branch_end = "lost";
        break;
      }
      continue;
    }
    // accepted: the secant becomes the direction, the point the base
    double len = 0.0;
    for (size_t i = 0; i <= n; ++i) t[i] = z[i] - zk[i], len += t[i] * t[i];
    len = std::sqrt(len);
    for (double& v : t) v /= len;
    zk = z;
    r.Mw = Mw, r.Mf = Mf;
    at_k = std::move(s);
    add_point(zk[n], err, steps, ds);
    if (steps <= 2) ds = std::min(1.5 * ds, 10.0 * cfg.arclength_step);
    st.zk = zk, st.t = t, st.xs = xs, st.ds = ds;
    st.warm = std::move(from);
    save(r, st);
  }
  if (r.branch_end.empty()) r.branch_end = std::fabs(zk[n]) >= mu_end ? "window" : "points";
  r.converged = r.branch.size() > 1 && r.branch_end != "lost";
  r.floor_hits += at_k.floor_hits;
  PicardMap::keep(at_k, r);
}

}  // namespace migra::mfg
