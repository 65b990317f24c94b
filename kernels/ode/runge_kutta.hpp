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
#include <functional>
#include <vector>

namespace migra::ode {

using Rhs = std::function<void(double t, const double* y, double* dy)>;

struct Solution {
  std::vector<double> t;  ///< the output times
  std::vector<double> y;  ///< times × m, row-major
  long steps = 0, rejected = 0, evaluations = 0;
};

/// y0 at times.front(); times increasing. Throws migra::Error on dt <= 0 or bad times.
Solution rk4(const Rhs& f, const std::vector<double>& y0, const std::vector<double>& times, double dt);

struct Rk45Options {
  double rtol = 1e-3, atol = 1e-6;
  long max_steps = 10'000'000;
};
/// Throws migra::Error when the step size underflows or max_steps is exceeded.
Solution rk45(const Rhs& f, const std::vector<double>& y0, const std::vector<double>& times, const Rk45Options& opt = {});

}  // namespace migra::ode
