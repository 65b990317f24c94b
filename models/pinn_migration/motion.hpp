#pragma once
/// The identified equation of motion integrated forward (spec §4.3): with y = [R; V],
///   R' = V,   V' = c_e λ(t) - G V - K R - c_a a,   R(0) = V(0) = 0,
/// λ_u(t) the PCHIP through the values λ_u(t_p) on the collocation grid. B scenarios (B sets of
/// λ sharing K, G, a) are integrated as one system.
#include <functional>
#include <string>
#include <vector>

#include "models/pinn_migration/pinn.hpp"

namespace migra::pinn {

struct MotionOptions {
  std::string method = "rk45";  ///< rk45 (rtol, atol) | rk4 (dt)
  double rtol = 1e-3, atol = 1e-6, dt = 1e-3;
  /// rk4 only: step all B scenarios as [B, N] tensors on this LibTorch device (cpu, cuda:k):
  /// two [B,N]×[N,N] products per stage and λ from per-segment Hermite coefficients, the
  /// batched GPU path of spec §8. Empty: the host integrator.
  std::string device;
  /// Host only: past the last grid point λ is held at its value there (spec §3's forecast
  /// alternative) instead of following the extended end cubic.
  bool hold_after_grid = false;
};

/// λ of scenario b at node u and time t.
using Force = std::function<double(int b, int u, double t)>;

/// B scenarios driven by `force`, on the host (rk45 or rk4); returns B × N × times.size(), R at
/// the output times. The synthetic systems integrate their exact λ through this.
std::vector<double> integrate_motion(const Coefficients& c, const std::vector<double>& a, const Force& force, int B,
                                     const std::vector<double>& times, const MotionOptions& opt);

/// lambda: B × N × P on `grid` (PCHIP between); returns B × N × times.size(), R at the output times.
std::vector<double> integrate_motion(const Coefficients& c, const std::vector<double>& a, const std::vector<double>& grid,
                                     const std::vector<double>& lambda, int scenarios, const std::vector<double>& times,
                                     const MotionOptions& opt = {});

}  // namespace migra::pinn
