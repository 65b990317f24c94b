#include "kernels/stats/rank_size.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "kernels/core/error.hpp"

namespace migra::stats {

double quantile(std::vector<double>& v, double q) {
  if (!std::is_sorted(v.begin(), v.end())) std::sort(v.begin(), v.end());  // once for several quantiles
  const double pos = q * double(v.size() - 1);
  const auto lo = std::size_t(pos);
  const double frac = pos - double(lo);
  return lo + 1 < v.size() ? v[lo] + frac * (v[lo + 1] - v[lo]) : v[lo];
}

namespace {
std::vector<double> sorted_rows(const std::vector<double>& values, int maps, int n) {
  MIGRA_ASSERT(values.size() == std::size_t(maps) * std::size_t(n) && maps > 0);
  std::vector<double> sorted(values);
#pragma omp parallel for schedule(static) if (maps > 1 && n >= 256)
  for (int m = 0; m < maps; ++m)
    std::sort(sorted.begin() + std::ptrdiff_t(m) * n, sorted.begin() + std::ptrdiff_t(m + 1) * n, std::greater<>());
  return sorted;
}
}  // namespace

std::vector<double> rank_mean(const std::vector<double>& values, int maps, int n) {
  const std::vector<double> sorted = sorted_rows(values, maps, n);
  std::vector<double> mean(static_cast<std::size_t>(n), 0.0);
  for (int m = 0; m < maps; ++m)  // map by map, in order: the same sum whatever the threads
    for (int r = 0; r < n; ++r) mean[std::size_t(r)] += sorted[std::size_t(m) * std::size_t(n) + std::size_t(r)];
  for (double& v : mean) v /= maps;
  return mean;
}

RankCurves rank_curves(const std::vector<double>& values, int maps, int n) {
  const std::vector<double> sorted = sorted_rows(values, maps, n);
  RankCurves c;
  std::vector<double> column(static_cast<std::size_t>(maps));
  for (int r = 0; r < n; ++r) {
    double sum = 0.0;
    for (int m = 0; m < maps; ++m) sum += column[std::size_t(m)] = sorted[std::size_t(m) * std::size_t(n) + std::size_t(r)];
    const double mean = sum / maps;
    double ss = 0.0;
    for (double v : column) ss += (v - mean) * (v - mean);
    c.mean.push_back(mean);
    c.sd.push_back(maps > 1 ? std::sqrt(ss / (maps - 1)) : 0.0);
    c.q25.push_back(quantile(column, 0.25));
    c.median.push_back(quantile(column, 0.5));
    c.q75.push_back(quantile(column, 0.75));
  }
  return c;
}

double ks_two_sample(std::vector<double> a, std::vector<double> b) {
  MIGRA_ASSERT(!a.empty() && !b.empty());
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  const double na = double(a.size()), nb = double(b.size());
  std::size_t i = 0, j = 0;
  double d = 0.0;
  while (i < a.size() && j < b.size()) {
    const double x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] == x) ++i;  // every point equal to x, on both sides
    while (j < b.size() && b[j] == x) ++j;
    d = std::max(d, std::fabs(double(i) / na - double(j) / nb));
  }
  return d;
}

double chi2_rank(const std::vector<double>& model, const std::vector<double>& ref_mean,
                 const std::vector<double>& ref_sd) {
  double chi2 = 0.0;
  for (std::size_t r = 0; r < model.size() && r < ref_mean.size(); ++r)
    if (ref_sd[r] > 0) chi2 += (model[r] - ref_mean[r]) * (model[r] - ref_mean[r]) / (ref_sd[r] * ref_sd[r]);
  return chi2;
}

double zipf_slope(const std::vector<double>& q) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int n = 0;
  for (std::size_t r = 0; r < q.size(); ++r) {
    if (!(q[r] > 0)) continue;
    const double x = std::log(double(r + 1)), y = std::log(q[r]);
    sx += x, sy += y, sxx += x * x, sxy += x * y, ++n;
  }
  const double den = n * sxx - sx * sx;
  return n > 1 && den > 0 ? (n * sxy - sx * sy) / den : 0.0;
}

}  // namespace migra::stats
