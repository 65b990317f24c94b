#include "models/pinn_migration/motion_torch.hpp"

#include <algorithm>

#include "kernels/core/error.hpp"
#include "kernels/ode/runge_kutta.hpp"

#ifdef MIGRA_HAVE_TORCH
#include "models/torch_device.hpp"
#endif

namespace migra::pinn {

#ifdef MIGRA_HAVE_TORCH

std::vector<double> integrate_motion_torch(const Coefficients& c, const std::vector<double>& a, const std::vector<double>& grid,
                                           const std::vector<double>& lambda, const std::vector<double>& slopes, int B,
                                           const std::vector<double>& times, double dt, const std::string& device) {
  const auto o = torch::TensorOptions().dtype(torch::kFloat64).device(models::torch_device(device));
  const std::int64_t n = std::int64_t(a.size()), P = std::int64_t(grid.size());
  using models::tensor_of;
  const torch::Tensor K = tensor_of(c.K, {n, n}, o), G = tensor_of(c.G, {n, n}, o), av = tensor_of(a, {1, n}, o);
  const torch::Tensor Y = tensor_of(lambda, {B, n, P}, o), D = tensor_of(slopes, {B, n, P}, o);
  // λ(t) for all series: the Hermite cubic on the grid segment holding t (shared by all).
  const auto lam = [&](double t) {
    const std::int64_t k = std::clamp<std::int64_t>(
        std::int64_t(std::upper_bound(grid.begin(), grid.end(), t) - grid.begin()) - 1, 0, P - 2);
    const double h = grid[size_t(k + 1)] - grid[size_t(k)], s = (t - grid[size_t(k)]) / h, s2 = s * s, s3 = s2 * s;
    return (2 * s3 - 3 * s2 + 1) * Y.select(2, k) + (s3 - 2 * s2 + s) * h * D.select(2, k) +
           (-2 * s3 + 3 * s2) * Y.select(2, k + 1) + (s3 - s2) * h * D.select(2, k + 1);
  };
  // state [2, B, N]: R, V;  R' = V,  V' = c_e λ(t) - V Gᵀ - R Kᵀ - c_a a
  const auto rhs = [&](double t, const torch::Tensor& y) {
    const torch::Tensor R = y[0], V = y[1];
    return torch::stack({V, c.c_e * lam(t) - V.matmul(G.t()) - R.matmul(K.t()) - c.c_a * av});
  };
  std::vector<torch::Tensor> states(times.size());
  ode::rk4_march(rhs, torch::zeros({2, B, n}, o), times, dt, [&](std::size_t k, const torch::Tensor& y) { states[k] = y[0]; });
  return models::values_of(torch::stack(states, 2));  // [B, N, times]
}

#else

std::vector<double> integrate_motion_torch(const Coefficients&, const std::vector<double>&, const std::vector<double>&,
                                           const std::vector<double>&, const std::vector<double>&, int,
                                           const std::vector<double>&, double, const std::string&) {
  MIGRA_THROW_FMT("this build of migra has no LibTorch: the batched ODE path needs it");
}

#endif

}  // namespace migra::pinn
