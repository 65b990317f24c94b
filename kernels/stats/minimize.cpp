#include "kernels/stats/minimize.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/core/error.hpp"

namespace migra::stats {

ScalarMinimum minimize_log_golden(const std::function<double(double)>& f, double lo, double hi,
                                  double rel_tol, int max_eval) {
  MIGRA_THROW_IF_NOT_FMT(lo > 0 && hi > lo, "minimize: bad bracket [%g, %g]", lo, hi);
  const double invphi = (std::sqrt(5.0) - 1.0) / 2.0;  // 1/phi
  double a = std::log(lo), b = std::log(hi);
  ScalarMinimum r;
  auto g = [&](double t) {
    ++r.evaluations;
    const double v = f(std::exp(t));
    return std::isfinite(v) ? v : HUGE_VAL;
  };
  double c = b - invphi * (b - a), d = a + invphi * (b - a);
  double gc = g(c), gd = g(d);
  const double tol = std::log1p(rel_tol);
  while (b - a > tol && r.evaluations < max_eval) {
    if (gc < gd) {
      b = d;
      d = c;
      gd = gc;
      c = b - invphi * (b - a);
      gc = g(c);
    } else {
      a = c;
      c = d;
      gc = gd;
      d = a + invphi * (b - a);
      gd = g(d);
    }
  }
  const double t = gc < gd ? c : d;
  r.x = std::exp(t);
  r.fx = std::min(gc, gd);
  const double edge = 2 * tol + 1e-12;
  r.at_bound = (t - std::log(lo) < edge) || (std::log(hi) - t < edge);
  return r;
}

}  // namespace migra::stats
