#include "kernels/ode/runge_kutta.hpp"

#include <algorithm>
#include <cmath>
#include <valarray>

#include "kernels/core/error.hpp"

namespace migra::ode {
namespace {

void check_times(const std::vector<double>& y0, const std::vector<double>& times) {
  MIGRA_THROW_IF_NOT_FMT(!y0.empty() && !times.empty(), "ODE: empty state or no output times");
  for (size_t k = 0; k + 1 < times.size(); ++k)
    MIGRA_THROW_IF_NOT_FMT(times[k + 1] > times[k], "ODE: output times must increase (%g after %g)", times[k + 1], times[k]);
}

/// y_out = y + h Σ_j c_j k_j over the given stages.
void combine(std::vector<double>& out, const std::vector<double>& y, double h,
             std::initializer_list<std::pair<double, const std::vector<double>*>> terms) {
  for (size_t i = 0; i < y.size(); ++i) {
    double s = 0;
    for (const auto& [c, k] : terms) s += c * (*k)[i];
    out[i] = y[i] + h * s;
  }
}

}  // namespace

Solution rk4(const Rhs& f, const std::vector<double>& y0, const std::vector<double>& times, double dt) {
  check_times(y0, times);
  MIGRA_THROW_IF_NOT_FMT(dt > 0, "RK4: step %g must be positive", dt);
  const size_t m = y0.size();
  using V = std::valarray<double>;
  const auto rhs = [&](double t, const V& y) {
    V dy(m);
    f(t, &y[0], &dy[0]);
    return dy;
  };
  Solution s;
  s.t = times;
  s.steps = rk4_march(rhs, V(y0.data(), m), times, dt, [&](size_t, const V& y) { s.y.insert(s.y.end(), std::begin(y), std::end(y)); });
  s.evaluations = 4 * s.steps;
  return s;
}

Solution rk45(const Rhs& f, const std::vector<double>& y0, const std::vector<double>& times, const Rk45Options& opt) {
  check_times(y0, times);
  // Dormand–Prince tableau
  constexpr double c2 = 1 / 5.0, c3 = 3 / 10.0, c4 = 4 / 5.0, c5 = 8 / 9.0;
  constexpr double a21 = 1 / 5.0, a31 = 3 / 40.0, a32 = 9 / 40.0, a41 = 44 / 45.0, a42 = -56 / 15.0, a43 = 32 / 9.0,
                   a51 = 19372 / 6561.0, a52 = -25360 / 2187.0, a53 = 64448 / 6561.0, a54 = -212 / 729.0,
                   a61 = 9017 / 3168.0, a62 = -355 / 33.0, a63 = 46732 / 5247.0, a64 = 49 / 176.0, a65 = -5103 / 18656.0,
                   b1 = 35 / 384.0, b3 = 500 / 1113.0, b4 = 125 / 192.0, b5 = -2187 / 6784.0, b6 = 11 / 84.0;
  // error weights: b - b*, with b* the 4th-order weights
  constexpr double e1 = 71 / 57600.0, e3 = -71 / 16695.0, e4 = 71 / 1920.0, e5 = -17253 / 339200.0, e6 = 22 / 525.0,
                   e7 = -1 / 40.0;
  const size_t m = y0.size();
  const auto scale = [&](const std::vector<double>& a, const std::vector<double>& b, size_t i) {
    return opt.atol + opt.rtol * std::max(std::fabs(a[i]), std::fabs(b[i]));
  };
  const auto rms = [&](const std::vector<double>& v, const std::vector<double>& a, const std::vector<double>& b) {
    double s = 0;
    for (size_t i = 0; i < m; ++i) s += std::pow(v[i] / scale(a, b, i), 2);
    return std::sqrt(s / double(m));
  };
  Solution s;
  s.t = times;
  std::vector<double> y = y0, yn(m), k1(m), k2(m), k3(m), k4(m), k5(m), k6(m), k7(m), tmp(m), err(m);
  s.y.insert(s.y.end(), y.begin(), y.end());
  double t = times.front();
  f(t, y.data(), k1.data());
  ++s.evaluations;
  // Hairer's initial step (Solving ODEs I, II.4)
  double h;
  {
    const double d0 = rms(y, y, y), d1 = rms(k1, y, y);
    double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
    h0 = std::min(h0, times.back() - t);
    combine(tmp, y, h0, {{1.0, &k1}});
    f(t + h0, tmp.data(), k2.data());
    ++s.evaluations;
    for (size_t i = 0; i < m; ++i) err[i] = (k2[i] - k1[i]);
    const double d2 = rms(err, y, y) / h0;
    const double h1 = std::max(d1, d2) <= 1e-15 ? std::max(1e-6, h0 * 1e-3) : std::pow(0.01 / std::max(d1, d2), 0.2);
    h = std::min(100 * h0, h1);
  }
  for (size_t o = 1; o < times.size(); ++o) {
    while (t < times[o]) {
      MIGRA_THROW_IF_NOT_FMT(s.steps + s.rejected < opt.max_steps, "RK45: more than %ld steps", opt.max_steps);
      const bool last = t + h >= times[o] - 1e-14 * std::max(1.0, std::fabs(times[o]));
      const double hs = last ? times[o] - t : h;
      MIGRA_THROW_IF_NOT_FMT(hs > 1e-14 * std::max(1.0, std::fabs(t)), "RK45: step size underflow at t = %g", t);
      combine(tmp, y, hs, {{a21, &k1}});
      f(t + c2 * hs, tmp.data(), k2.data());
      combine(tmp, y, hs, {{a31, &k1}, {a32, &k2}});
      f(t + c3 * hs, tmp.data(), k3.data());
      combine(tmp, y, hs, {{a41, &k1}, {a42, &k2}, {a43, &k3}});
      f(t + c4 * hs, tmp.data(), k4.data());
      combine(tmp, y, hs, {{a51, &k1}, {a52, &k2}, {a53, &k3}, {a54, &k4}});
      f(t + c5 * hs, tmp.data(), k5.data());
      combine(tmp, y, hs, {{a61, &k1}, {a62, &k2}, {a63, &k3}, {a64, &k4}, {a65, &k5}});
      f(t + hs, tmp.data(), k6.data());
      combine(yn, y, hs, {{b1, &k1}, {b3, &k3}, {b4, &k4}, {b5, &k5}, {b6, &k6}});
      f(t + hs, yn.data(), k7.data());
      s.evaluations += 6;
      for (size_t i = 0; i < m; ++i)
        err[i] = hs * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] + e7 * k7[i]);
      const double en = rms(err, y, yn);
      const double factor = en == 0 ? 10.0 : std::clamp(0.9 * std::pow(en, -0.2), 0.2, 10.0);
      if (en <= 1) {
        t = last ? times[o] : t + hs;
        y.swap(yn);
        k1.swap(k7);  // FSAL
        ++s.steps;
        // A step cut short to land on an output time keeps the longer step proposed before.
        h = last ? std::max(h, hs * factor) : hs * factor;
      } else {
        ++s.rejected;
        h = hs * std::max(0.2, factor);
      }
    }
    s.y.insert(s.y.end(), y.begin(), y.end());
  }
  return s;
}

}  // namespace migra::ode
