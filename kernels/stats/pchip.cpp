#include "kernels/stats/pchip.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/core/error.hpp"

namespace migra::stats {
namespace {

int sign(double v) { return (v > 0) - (v < 0); }

/// The one-sided three-point end slope, limited to keep the shape (SciPy's _edge_case).
double end_slope(double h0, double h1, double m0, double m1) {
  double d = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1);
  if (sign(d) != sign(m0)) d = 0;
  else if (sign(m0) != sign(m1) && std::fabs(d) > 3 * std::fabs(m0)) d = 3 * m0;
  return d;
}

}  // namespace

Pchip::Pchip(std::vector<double> x, std::vector<double> y) : x_(std::move(x)), y_(std::move(y)) {
  const size_t n = x_.size();
  MIGRA_THROW_IF_NOT_FMT(n >= 2 && y_.size() == n, "PCHIP needs at least two knots and one value per knot");
  for (size_t k = 0; k + 1 < n; ++k)
    MIGRA_THROW_IF_NOT_FMT(x_[k + 1] > x_[k], "PCHIP knots must increase strictly (knot %zu: %g after %g)", k + 1,
                           x_[k + 1], x_[k]);
  std::vector<double> h(n - 1), m(n - 1);
  for (size_t k = 0; k + 1 < n; ++k) h[k] = x_[k + 1] - x_[k], m[k] = (y_[k + 1] - y_[k]) / h[k];
  d_.assign(n, 0.0);
  if (n == 2) {
    d_[0] = d_[1] = m[0];
    return;
  }
  for (size_t k = 1; k + 1 < n; ++k) {
    if (sign(m[k - 1]) * sign(m[k]) <= 0) continue;
    const double w1 = 2 * h[k] + h[k - 1], w2 = h[k] + 2 * h[k - 1];
    d_[k] = (w1 + w2) / (w1 / m[k - 1] + w2 / m[k]);
  }
  d_[0] = end_slope(h[0], h[1], m[0], m[1]);
  d_[n - 1] = end_slope(h[n - 2], h[n - 3], m[n - 2], m[n - 3]);
}

double Pchip::operator()(double t) const {
  const size_t n = x_.size();
  size_t k = size_t(std::upper_bound(x_.begin(), x_.end(), t) - x_.begin());
  k = k == 0 ? 0 : std::min(k - 1, n - 2);
  const double h = x_[k + 1] - x_[k], s = (t - x_[k]) / h;
  // Hermite basis on [0, 1]
  const double s2 = s * s, s3 = s2 * s;
  const double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2, h11 = s3 - s2;
  return h00 * y_[k] + h10 * h * d_[k] + h01 * y_[k + 1] + h11 * h * d_[k + 1];
}

}  // namespace migra::stats
