#include "models/pinn_migration/motion.hpp"

#include "models/pinn_migration/motion_torch.hpp"

#include "kernels/core/error.hpp"
#include "kernels/ode/runge_kutta.hpp"
#include "kernels/stats/pchip.hpp"

namespace migra::pinn {

namespace {

/// The output times with t = 0 in front when they do not start there (the initial state).
std::vector<double> from_zero(const std::vector<double>& times) {
  std::vector<double> ts = times;
  if (ts.empty() || ts.front() > 0) ts.insert(ts.begin(), 0.0);
  return ts;
}

}  // namespace

std::vector<double> integrate_motion(const Coefficients& c, const std::vector<double>& a, const Force& force, int B,
                                     const std::vector<double>& times, const MotionOptions& opt) {
  const size_t n = a.size();
  MIGRA_THROW_IF_NOT_FMT(B >= 1 && c.K.size() == n * n && c.G.size() == n * n, "integrate_motion: inconsistent sizes");
  // y: per scenario b, R at [b*2n, b*2n + n), V at [b*2n + n, (b+1)*2n)
  const ode::Rhs rhs = [&](double t, const double* y, double* dy) {
    for (size_t b = 0; b < size_t(B); ++b) {
      const double* R = y + b * 2 * n;
      const double* V = R + n;
      for (size_t u = 0; u < n; ++u) {
        double acc = c.c_e * force(int(b), int(u), t) - c.c_a * a[u];
        for (size_t v = 0; v < n; ++v) acc -= c.G[u * n + v] * V[v] + c.K[u * n + v] * R[v];
        dy[b * 2 * n + u] = V[u];
        dy[b * 2 * n + n + u] = acc;
      }
    }
  };
  const std::vector<double> ts = from_zero(times);
  const size_t skip = ts.size() - times.size();
  const std::vector<double> y0(size_t(B) * 2 * n, 0.0);
  ode::Solution sol;
  if (opt.method == "rk4") sol = ode::rk4(rhs, y0, ts, opt.dt);
  else if (opt.method == "rk45") sol = ode::rk45(rhs, y0, ts, {opt.rtol, opt.atol});
  else MIGRA_THROW_FMT("ODE method '%s': rk45 or rk4", opt.method.c_str());
  std::vector<double> out(size_t(B) * n * times.size());
  for (size_t o = 0; o < times.size(); ++o)
    for (size_t b = 0; b < size_t(B); ++b)
      for (size_t u = 0; u < n; ++u) out[(b * n + u) * times.size() + o] = sol.y[(o + skip) * 2 * n * size_t(B) + b * 2 * n + u];
  return out;
}

std::vector<double> integrate_motion(const Coefficients& c, const std::vector<double>& a, const std::vector<double>& grid,
                                     const std::vector<double>& lambda, int B, const std::vector<double>& times,
                                     const MotionOptions& opt) {
  const size_t n = a.size(), P = grid.size();
  MIGRA_THROW_IF_NOT_FMT(B >= 1 && lambda.size() == size_t(B) * n * P, "integrate_motion: inconsistent sizes");
  std::vector<stats::Pchip> lam;
  for (size_t k = 0; k < size_t(B) * n; ++k)
    lam.emplace_back(grid, std::vector<double>(lambda.begin() + long(k * P), lambda.begin() + long((k + 1) * P)));
  const double last = grid.back();
  if (opt.device.empty())
    return integrate_motion(c, a, [&](int b, int u, double t) {
      return lam[size_t(b) * n + size_t(u)](opt.hold_after_grid && t > last ? last : t);
    }, B, times, opt);
  MIGRA_THROW_IF_NOT_FMT(opt.method == "rk4", "ODE on a device: only rk4 is batched (method '%s')", opt.method.c_str());
  MIGRA_THROW_IF_NOT_FMT(!opt.hold_after_grid, "ODE on a device: holding λ past the grid is a host option");
  std::vector<double> slopes;
  for (const stats::Pchip& p : lam) slopes.insert(slopes.end(), p.slopes().begin(), p.slopes().end());
  const std::vector<double> ts = from_zero(times);
  std::vector<double> out = integrate_motion_torch(c, a, grid, lambda, slopes, B, ts, opt.dt, opt.device);
  if (ts.size() == times.size()) return out;
  std::vector<double> trimmed;  // drop the t = 0 column that was added
  for (size_t r = 0; r < size_t(B) * n; ++r)
    trimmed.insert(trimmed.end(), out.begin() + long(r * ts.size() + 1), out.begin() + long((r + 1) * ts.size()));
  return trimmed;
}

}  // namespace migra::pinn
