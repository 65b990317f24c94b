#include "models/settlement/synthetic.hpp"

#include <cmath>
#include <tuple>

#include "kernels/core/error.hpp"
#include "kernels/random/poisson.hpp"

namespace migra::settle {
namespace {

/// Two standard normals (Box–Muller) from draw `draw` of unit i.
std::pair<double, double> normals(const SyntheticConfig& c, std::uint32_t i, std::uint32_t draw) {
  const auto u = rng::uniforms(c.seed, rng::Stream::Synthetic, c.city, i, draw);
  const double r = std::sqrt(-2 * std::log(u.u[0])), t = 6.283185307179586 * u.u[1];
  return {r * std::cos(t), r * std::sin(t)};
}

}  // namespace

CityLayout parse_layout(const std::string& name) {
  if (name == "random") return CityLayout::Random;
  if (name == "monocentric") return CityLayout::Monocentric;
  if (name == "polycentric") return CityLayout::Polycentric;
  MIGRA_THROW_FMT("unknown city layout '%s' (expected random, monocentric or polycentric)", name.c_str());
}

const char* layout_name(CityLayout l) {
  return l == CityLayout::Random ? "random" : l == CityLayout::Monocentric ? "monocentric" : "polycentric";
}

SyntheticCity synthetic_city(const SyntheticConfig& c) {
  MIGRA_THROW_IF_NOT_FMT(c.side >= 2 && c.cell_km > 0 && c.mean_population > 0 && c.flow_share > 0,
                         "synthetic city: need side >= 2, cell-km > 0, mean population > 0, flow share > 0");
  const int L = c.side, N = L * L;
  SyntheticCity s;
  const size_t n = static_cast<size_t>(N);
  std::vector<double> shape(n, 1.0), z1(n), z2(n);
  for (int i = 0; i < N; ++i) {
    const double x = (i % L + 0.5), y = (i / L + 0.5);
    s.city.x.push_back(x * c.cell_km);
    s.city.y.push_back(y * c.cell_km);
    s.city.area.push_back(c.cell_km * c.cell_km);
    std::tie(z1[size_t(i)], z2[size_t(i)]) = normals(c, std::uint32_t(i), 0);
    if (c.layout == CityLayout::Monocentric) {
      shape[size_t(i)] = std::exp(-std::hypot(x - 0.5 * L, y - 0.5 * L) / (0.25 * L));
    } else if (c.layout == CityLayout::Polycentric) {
      double v = 0;
      for (double cx : {0.25, 0.75})
        for (double cy : {0.25, 0.75}) v += std::exp(-std::hypot(x - cx * L, y - cy * L) / (0.125 * L));
      shape[size_t(i)] = v;
    }
  }
  double total = 0;
  for (int i = 0; i < N; ++i) {
    const double noise = c.layout == CityLayout::Random ? std::exp(0.5 * z1[size_t(i)]) : std::exp(0.2 * z1[size_t(i)]);
    s.city.population.push_back(shape[size_t(i)] * noise);
    total += s.city.population.back();
  }
  const double scale = c.layout == CityLayout::Random ? c.mean_population : c.mean_population * N / total;
  double mean_log = 0, sd_log = 0;
  for (double& p : s.city.population) p = std::round(p * scale), p = std::max(p, 1.0), mean_log += std::log(p) / N;
  for (double p : s.city.population) sd_log += (std::log(p) - mean_log) * (std::log(p) - mean_log) / N;
  sd_log = std::sqrt(sd_log);
  s.truth.gamma = c.gamma;
  s.truth.u.resize(size_t(N));
  double mean_u = 0;
  for (int i = 0; i < N; ++i) {
    const double zd = sd_log > 0 ? (std::log(s.city.population[size_t(i)]) - mean_log) / sd_log : 0.0;
    s.truth.u[size_t(i)] = c.u_density * zd + c.u_sd * z2[size_t(i)];
    mean_u += s.truth.u[size_t(i)] / N;
  }
  for (double& u : s.truth.u) u -= mean_u;

  const PairGeometry g = pair_geometry(s.city);
  std::vector<double> log_p(n);
  double P = 0;
  for (int i = 0; i < N; ++i) log_p[size_t(i)] = std::log(s.city.population[size_t(i)]), P += s.city.population[size_t(i)];
  FitProblem prob{N, nullptr, log_p.data(), g.d.data(), nullptr};
  s.truth.log_mu = 0;
  const std::vector<double> unit = model_flows(prob, FlowModel::Extended, s.truth);
  double flow = 0;
  for (double t : unit) flow += t;
  s.truth.log_mu = std::log(c.flow_share * P / flow);
  s.T = model_flows(prob, FlowModel::Extended, s.truth);
  if (c.poisson)
    for (size_t q = 0; q < s.T.size(); ++q) {
      rng::UniformStream us(c.seed, rng::Stream::Synthetic, c.city, std::uint32_t(size_t(N) + q));
      s.T[q] = rng::poisson(s.T[q], us);
    }
  return s;
}

}  // namespace migra::settle
