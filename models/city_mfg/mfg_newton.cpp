// Newton–Krylov for the MFG's fixed point (picard_map.hpp), where the damped Picard iteration
// stops contracting (small viscosities: issue 5's note). It replaces tools/mfg_newton.py, a
// Python driver of one `migra mfg` process per sweep (removed in commit f545ac0).
//   F(M) = G(M) - M = 0,   J d = -F(M),   J v ~ (G(M + h v / |v|) - G(M)) |v| / h - v
// (kernels/linalg/fd_jacobian.hpp).
// The unknowns are both populations' masses at t_1..t_NT (row 0 is m0, not an unknown). Each
// step solves for d by GMRES(krylov) to 1e-4 relative (kernels/linalg/gmres.hpp: one sweep of
// G per Jacobian product, Sinkhorn warm-started from the step's base point), then backtracks
// on |F| from the full step down to 1/64 of it. Masses stay >= 0: every trial point is clipped
// at 0, as G needs of its argument. The residual is Picard's (max over times of the L1 gap
// per population over its mass), so both solvers stop at the same `tol`. A solve whose
// residual has not fallen by 10 % in kStallSteps steps stops there, stalled.
#include <algorithm>
#include <cmath>

#include "kernels/linalg/fd_jacobian.hpp"
#include "models/city_mfg/picard_map.hpp"

namespace migra::mfg {
using linalg::norm;
namespace {

constexpr double kGmresRtol = 1e-4;
constexpr double kSmallestStep = 1.0 / 64.0;
constexpr int kStallSteps = 5;

/// No 10 % progress over the last kStallSteps steps (a pure function of the history, so a
/// resumed solve stops where the uninterrupted one did).
bool stalled(const std::vector<double>& residuals) {
  const size_t n = residuals.size();
  if (n <= size_t(kStallSteps)) return false;
  const double before = residuals[n - 1 - size_t(kStallSteps)];
  return *std::min_element(residuals.end() - kStallSteps, residuals.end()) > 0.9 * before;
}

}  // namespace

void newton_solve(const PicardMap& G, const MfgConfig& cfg, MfgResult& r, SolveState& st,
                  const std::function<void(int, double)>& on_iteration,
                  const std::function<void(const MfgResult&, const SolveState&)>& save) {
  std::vector<double> Mw = r.Mw, Mf = r.Mf;  // a trial point's masses
  // G at x, from the warm start `warm` (cold when it holds nothing); counted unless it repeats
  // a sweep a checkpoint already counted.
  const auto apply = [&](const std::vector<double>& x, const ot::SinkhornResult& warm, bool counted = true) {
    G.unpack(x, Mw, Mf);
    Sweep s = G(Mw.data(), Mf.data(), warm.f.empty() ? nullptr : &warm);
    if (counted) PicardMap::count(s, r);
    return s;
  };
  // x becomes the result's masses; returns its residual, given its sweep s = G(x)
  const auto adopt = [&](const std::vector<double>& x, const Sweep& s) {
    G.unpack(x, r.Mw, r.Mf);
    return G.distance(s.Mw.data(), s.Mf.data(), r.Mw.data(), r.Mf.data());
  };

  std::vector<double> x = G.pack(r.Mw, r.Mf);
  // The base point's sweep, from st.warm: a resumed solve recomputes the very sweep the
  // interrupted one had (st.warm is the start that sweep was made from).
  Sweep base = apply(x, st.warm, st.done == 0);
  std::vector<double> gx = G.pack(base.Mw, base.Mf), F(x.size());
  for (size_t i = 0; i < x.size(); ++i) F[i] = gx[i] - x[i];
  double err = adopt(x, base);
  if (r.residuals.empty()) r.residuals.push_back(err), r.thetas.push_back(0.0);  // the start
  for (int k = st.done; k < cfg.max_iter && !(err < cfg.tol) && !stalled(r.residuals); ++k) {
    const linalg::Map g = [&](const std::vector<double>& y, std::vector<double>& gy) {
      std::vector<double> xp(y.size());
      for (size_t i = 0; i < y.size(); ++i) xp[i] = std::max(y[i], 0.0);  // G needs masses >= 0
      const Sweep s = apply(xp, base.ot);
      gy = G.pack(s.Mw, s.Mf);
    };
    const linalg::LinearOperator J = linalg::fd_jacobian(g, x, gx);
    std::vector<double> minus_F(F.size());
    for (size_t i = 0; i < F.size(); ++i) minus_F[i] = -F[i];
    linalg::GmresConfig gc;
    gc.restart = cfg.krylov;
    gc.rtol = kGmresRtol;
    const std::vector<double> d = linalg::gmres(J, minus_F, gc).x;
    const double f_norm = norm(F);
    double step = 1.0;
    std::vector<double> xn(x.size()), gn, Fn(x.size());
    Sweep trial;
    for (;;) {  // backtracking on |F|
      for (size_t i = 0; i < x.size(); ++i) xn[i] = std::max(x[i] + step * d[i], 0.0);
      trial = apply(xn, base.ot);
      gn = G.pack(trial.Mw, trial.Mf);
      for (size_t i = 0; i < x.size(); ++i) Fn[i] = gn[i] - xn[i];
      if (norm(Fn) < (1.0 - 1e-4 * step) * f_norm || step <= kSmallestStep) break;
      step *= 0.5;
    }
    st.warm = std::move(base.ot);  // the start `trial` was made from
    base = std::move(trial);
    x.swap(xn), gx.swap(gn), F.swap(Fn);
    err = adopt(x, base);
    r.residuals.push_back(err);
    r.thetas.push_back(step);
    r.iterations = k + 1;
    if (on_iteration) on_iteration(k, err);
    st.done = k + 1;
    if (!(err < cfg.tol) && st.done < cfg.max_iter) save(r, st);
  }
  r.converged = err < cfg.tol;
  r.stalled = !r.converged && stalled(r.residuals);
  r.floor_hits += base.floor_hits;
  PicardMap::keep(base, r);
}

}  // namespace migra::mfg
