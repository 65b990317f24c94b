#pragma once
/// PCHIP: the monotone piecewise-cubic Hermite interpolant of Fritsch and Carlson, with the
/// slopes SciPy's PchipInterpolator uses (paper 000 spec §4.1). With h_k = x_{k+1} - x_k and
/// δ_k = (y_{k+1} - y_k)/h_k:
///   interior  d_k = 0 if δ_{k-1} δ_k <= 0, else (w1 + w2)/d_k = w1/δ_{k-1} + w2/δ_k
///             with w1 = 2h_k + h_{k-1}, w2 = h_k + 2h_{k-1}  (weighted harmonic mean);
///   ends      d_0 = ((2h_0 + h_1)δ_0 - h_0 δ_1)/(h_0 + h_1), set to 0 if its sign differs
///             from δ_0's, and to 3δ_0 if δ_0, δ_1 differ in sign and |d_0| > 3|δ_0|
///             (mirrored at the right end); two knots: the straight line.
/// Between knots, the cubic Hermite through (x_k, y_k, d_k), (x_{k+1}, y_{k+1}, d_{k+1}); outside
/// [x_0, x_{n-1}] the end cubics are extended.
#include <vector>

namespace migra::stats {

class Pchip {
 public:
  /// x strictly increasing, at least two knots; throws migra::Error otherwise.
  Pchip(std::vector<double> x, std::vector<double> y);
  double operator()(double t) const;
  const std::vector<double>& slopes() const { return d_; }

 private:
  std::vector<double> x_, y_, d_;
};

}  // namespace migra::stats
