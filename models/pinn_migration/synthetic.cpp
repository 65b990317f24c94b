#include "models/pinn_migration/synthetic.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/core/error.hpp"
#include "kernels/random/philox.hpp"
#include "models/pinn_migration/motion.hpp"
#include "models/pinn_migration/series.hpp"

namespace migra::pinn {
namespace {

constexpr int kFeatures = 10;
constexpr double kTwoPi = 6.283185307179586;

/// Draws by quantity (Philox's map slot), item and index k.
enum Quantity : std::uint32_t { NodeDraw, FactorDraw, DampingDraw, FeatureDraw };
struct Draws {
  std::uint64_t seed;
  double uniform(Quantity q, std::uint32_t item, std::uint32_t k, double lo, double hi) const {
    return lo + (hi - lo) * rng::uniforms(seed, rng::Stream::Migration, q, item, k / 4).u[k % 4];
  }
  double normal(Quantity q, std::uint32_t item, std::uint32_t k) const {  // Box–Muller on a pair
    const rng::Uniforms u = rng::uniforms(seed, rng::Stream::Migration, q, item, 1000 + k);
    return std::sqrt(-2 * std::log(u.u[0])) * std::cos(kTwoPi * u.u[1]);
  }
};

}  // namespace

double SyntheticSystem::lambda(int u, double t) const {
  if (feature_names.empty()) return alpha[size_t(u)] * std::sin(kTwoPi * t + phi[size_t(u)]) + beta[size_t(u)] * t;
  double z[kFeatures];
  for (int i = 0; i < kFeatures; ++i) {
    const size_t k = size_t(u * kFeatures + i);
    z[i] = b[k] + s[k] * t + 0.3 * std::sin(kTwoPi * t + fphi[k]);
  }
  return 3 * std::tanh(1.5 * z[0]) + 1.5 * z[1] * z[1] - 1.5 + 2 * std::sin(z[2]) + z[3] * z[4];
}

double SyntheticSystem::feature(int u, int i, double t) const {
  static const double magnitude[kFeatures] = {0.45, 55000, 1.2, 40, 2.5, 0.6, 3, 0.08, 0.2, 0.9};
  const size_t k = size_t(u * kFeatures + i);
  return magnitude[i] * std::exp(0.3 * (b[k] + s[k] * t + 0.3 * std::sin(kTwoPi * t + fphi[k])));
}

std::vector<double> SyntheticSystem::solve(const std::vector<double>& times) const {
  MotionOptions tight;
  tight.rtol = 1e-10, tight.atol = 1e-12;
  return integrate_motion(truth, a, [&](int, int u, double t) { return lambda(u, t); }, 1, times, tight);
}

SyntheticSystem synthetic_system(const SyntheticOptions& opt) {
  MIGRA_THROW_IF_NOT_FMT(opt.n >= 2, "synthetic migration system: n >= 2");
  MIGRA_THROW_IF_NOT_FMT(opt.lat.empty() || (opt.lat.size() == size_t(opt.n) && opt.lon.size() == size_t(opt.n)),
                         "synthetic migration system: one position per node");
  const Draws d{opt.seed};
  SyntheticSystem s;
  s.n = opt.n;
  const size_t n = size_t(opt.n);
  for (std::uint32_t u = 0; u < n; ++u) {
    s.lat.push_back(opt.lat.empty() ? d.uniform(NodeDraw, u, 0, 50, 60) : opt.lat[u]);
    s.lon.push_back(opt.lon.empty() ? d.uniform(NodeDraw, u, 1, 28, 40) : opt.lon[u]);
    s.age.push_back(d.uniform(NodeDraw, u, 2, opt.age_lo, opt.age_hi));
    s.a.push_back(age_term(s.age.back()));
  }
  // D over the real nodes only: distance_matrix's leading n × n block.
  const std::vector<double> Dx = distance_matrix(s.lat, s.lon);
  for (size_t u = 0; u < n; ++u)
    for (size_t v = 0; v < n; ++v) s.D.push_back(Dx[u * (n + 1) + v]);
  std::vector<double> A(n * 3);
  for (size_t k = 0; k < A.size(); ++k) A[k] = d.normal(FactorDraw, std::uint32_t(k), 0);
  std::vector<double> C(n * n);
  for (size_t u = 0; u < n; ++u)
    for (size_t v = 0; v < n; ++v) {
      double c = u == v ? 1.0 : 0.0;
      for (size_t k = 0; k < 3; ++k) c += A[u * 3 + k] * A[v * 3 + k];
      C[u * n + v] = c;
    }
  s.F.resize(n * n);
  for (size_t u = 0; u < n; ++u)
    for (size_t v = 0; v < n; ++v) s.F[u * n + v] = C[u * n + v] / std::sqrt(C[u * n + u] * C[v * n + v]);
  Coefficients& c = s.truth;
  c.c_r = 2, c.c_d = 1, c.c_a = 0.5, c.c_e = 1;
  c.K.resize(n * n), c.G.assign(n * n, 0.0);
  for (size_t k = 0; k < n * n; ++k) c.K[k] = c.c_r * s.F[k] + c.c_d * s.D[k];
  for (size_t u = 0; u < n; ++u) {
    c.G[u * n + u] = 0.5;
    for (size_t v = u + 1; v < n; ++v) c.G[u * n + v] = c.G[v * n + u] = d.uniform(DampingDraw, std::uint32_t(u * n + v), 0, -0.05, 0.05);
  }
  if (!opt.features) {
    for (std::uint32_t u = 0; u < n; ++u) {
      s.alpha.push_back(d.uniform(NodeDraw, u, 3, 2, 5));
      s.beta.push_back(d.uniform(NodeDraw, u, 4, -3, 3));
      s.phi.push_back(d.uniform(NodeDraw, u, 5, 0, kTwoPi));
    }
    return s;
  }
  s.feature_names = {"employees", "salary", "shop_area", "restaurant_seats", "food_turnover",
                     "housing", "sports_venues", "investment", "hospitals", "preschools"};
  for (std::uint32_t u = 0; u < n; ++u)
    for (std::uint32_t i = 0; i < kFeatures; ++i) {
      const std::uint32_t item = u * kFeatures + i;
      s.b.push_back(0.8 * d.normal(FeatureDraw, item, 0));
      s.s.push_back(0.6 * d.normal(FeatureDraw, item, 1));
      s.fphi.push_back(d.uniform(FeatureDraw, item, 0, 0, kTwoPi));
    }
  return s;
}

ScaledSystem scaled_problem(SyntheticSystem sys, int points) {
  ScaledSystem s;
  Problem& pb = s.problem;
  for (int k = 0; k < points; ++k) pb.t_data.push_back(double(k) / (points - 1));
  const std::vector<double> R = sys.solve(pb.t_data);
  s.scale = 0;
  for (double r : R) s.scale = std::max(s.scale, std::fabs(r));
  if (s.scale == 0) s.scale = 1;
  pb.n = sys.n, pb.F = sys.F, pb.D = sys.D, pb.a = sys.a;
  for (double r : R) pb.R.push_back(r / s.scale);
  s.sys = std::move(sys);
  return s;
}

}  // namespace migra::pinn
