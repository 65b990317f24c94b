#include "models/settlement/spreading.hpp"

#include <algorithm>
#include <numeric>

#include "kernels/core/error.hpp"

namespace migra::settle {
namespace {

std::vector<int> order_by_density(const std::vector<double>& density, bool descending) {
  std::vector<int> o(density.size());
  std::iota(o.begin(), o.end(), 0);
  std::stable_sort(o.begin(), o.end(), [&](int a, int b) {
    return descending ? density[size_t(a)] > density[size_t(b)] : density[size_t(a)] < density[size_t(b)];
  });
  return o;
}

}  // namespace

SpreadingCurve spreading_curve(const std::vector<double>& D, const std::vector<double>& area,
                               const std::vector<double>& density) {
  const size_t n = area.size();
  MIGRA_THROW_IF_NOT_FMT(n >= 1 && density.size() == n && D.size() == n * n, "spreading index: inconsistent sizes");
  const std::vector<int> o = order_by_density(density, true);
  double S = 0, denom = 0;
  for (size_t i = 0; i < n; ++i) {
    S += area[i];
    for (size_t j = 0; j < n; ++j) denom += D[i * n + j] * area[i] * area[j];
  }
  SpreadingCurve c;
  double num = 0, Sh = 0;
  for (size_t m = 0; m < n; ++m) {
    const size_t im = size_t(o[m]);
    double row = 0;
    for (size_t j = 0; j < m; ++j) row += D[im * n + size_t(o[j])] * area[size_t(o[j])];
    num += 2 * area[im] * row;
    Sh += area[im];
    // Units tied in density enter together: emit a point after the last of a tie group.
    if (m + 1 < n && density[size_t(o[m + 1])] == density[im]) continue;
    c.threshold.push_back(density[im]);
    c.eta.push_back(denom > 0 ? num * (S / Sh) * (S / Sh) / denom : 0.0);
    c.hotspot_area_share.push_back(Sh / S);
    c.hotspots.push_back(int(m + 1));
  }
  return c;
}

LouBar loubar(const std::vector<double>& D, const std::vector<double>& area, const std::vector<double>& density,
              LouBarWeights weights) {
  const size_t n = area.size();
  const std::vector<int> o = order_by_density(density, false);
  const double rho_max = density[size_t(o.back())];
  MIGRA_THROW_IF_NOT_FMT(rho_max > 0, "LouBar threshold: every density is zero");
  const double S = std::accumulate(area.begin(), area.end(), 0.0);
  double P = 0, rho_sum = 0;
  for (size_t i = 0; i < n; ++i) P += density[i] * area[i], rho_sum += density[i];
  LouBar lb;
  lb.f_star = weights == LouBarWeights::Area ? 1.0 - (P / S) / rho_max : 1.0 - (rho_sum / double(n)) / rho_max;
  // The first unit (ascending density) whose Lorenz interval (x_{m−1}, x_m] reaches above F*.
  double x = 0;
  lb.rho_star = rho_max;
  for (size_t m = 0; m < n; ++m) {
    x = weights == LouBarWeights::Area ? x + area[size_t(o[m])] / S : double(m + 1) / double(n);
    if (x > lb.f_star * (1 + 1e-12)) {
      lb.rho_star = density[size_t(o[m])];
      break;
    }
  }
  const SpreadingCurve c = spreading_curve(D, area, density);
  for (size_t t = 0; t < c.threshold.size(); ++t)
    if (c.threshold[t] == lb.rho_star) lb.eta_star = c.eta[t];
  lb.hotspot.resize(n);
  for (size_t i = 0; i < n; ++i) lb.hotspot[i] = density[i] >= lb.rho_star;
  return lb;
}

}  // namespace migra::settle
