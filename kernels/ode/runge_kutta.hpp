#pragma once
/// Explicit Runge–Kutta integrators for y' = f(t, y), y ∈ R^m (a batch of systems is one long
/// y). The right-hand side writes dy for (t, y).
///
///  rk4:   classical fourth order, fixed step dt (the last step shortened to land on each
///         output time).
///  rk45:  Dormand–Prince 5(4) with FSAL, the error of the embedded 4th-order solution in
///         SciPy's RMS norm  ||e_i / (atol + rtol max(|y_i|, |y_i,new|))||, step factor
///         0.9 err^(-1/5) clamped to [0.2, 10], Hairer's initial step; steps are cut to land
///         on the output times.
#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace migra::ode {

using Rhs = std::function<void(double t, const double* y, double* dy)>;

struct Solution {
  std::vector<double> t;  ///< the output times
  std::vector<double> y;  ///< times × m, row-major
  long steps = 0, rejected = 0, evaluations = 0;
};

/// The RK4 march itself, for any state type S with S + double·S and copies (std::valarray on
/// the host, a torch::Tensor on any device): f(t, y) returns y', out(o, y) receives the state
/// at times[o]. Each interval is cut into ceil(Δt/dt) equal steps. Returns the steps taken.
template <class S, class F, class Out>
long rk4_march(const F& f, S y, const std::vector<double>& times, double dt, const Out& out) {
  out(std::size_t(0), y);
  long steps = 0;
  double t = times.front();
  for (std::size_t o = 1; o < times.size(); ++o) {
    const long n = std::max(1L, long(std::ceil((times[o] - t) / dt - 1e-9)));
    const double h = (times[o] - t) / double(n);
    for (long k = 0; k < n; ++k, ++steps) {
      const double tk = t + double(k) * h;
      const S k1 = f(tk, y);
      const S k2 = f(tk + 0.5 * h, S(y + (0.5 * h) * k1));
      const S k3 = f(tk + 0.5 * h, S(y + (0.5 * h) * k2));
      const S k4 = f(tk + h, S(y + h * k3));
      y = S(y + (h / 6.0) * S(k1 + 2.0 * k2 + 2.0 * k3 + k4));
    }
    t = times[o];
    out(o, y);
  }
  return steps;
}

/// y0 at times.front(); times increasing. Throws migra::Error on dt <= 0 or bad times.
Solution rk4(const Rhs& f, const std::vector<double>& y0, const std::vector<double>& times, double dt);

struct Rk45Options {
  double rtol = 1e-3, atol = 1e-6;
  long max_steps = 10'000'000;
};
/// Throws migra::Error when the step size underflows or max_steps is exceeded.
Solution rk45(const Rhs& f, const std::vector<double>& y0, const std::vector<double>& times, const Rk45Options& opt = {});

}  // namespace migra::ode
