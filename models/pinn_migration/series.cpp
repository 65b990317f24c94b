#include "models/pinn_migration/series.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/core/error.hpp"

namespace migra::pinn {

Balances with_external_node(std::vector<std::string> ids, std::vector<double> years, std::vector<double> R_real) {
  const size_t n = ids.size(), T = years.size();
  MIGRA_THROW_IF_NOT_FMT(n >= 1 && T >= 2 && R_real.size() == n * T, "balances: need at least one node and two years");
  Balances b{std::move(ids), std::move(years), std::move(R_real)};
  b.ids.push_back("external");
  b.R.resize((n + 1) * T);
  for (size_t t = 0; t < T; ++t) {
    double s = 0;
    for (size_t u = 0; u < n; ++u) s += b.R[u * T + t];
    b.R[n * T + t] = -s;
  }
  return b;
}

Scaled preprocess(const Balances& b, bool global_scale) {
  const int n = b.nodes(), T = b.years_count();
  Scaled s;
  s.y0 = b.years.front(), s.yT = b.years.back();
  for (int k = 0; k < T; ++k) s.t.push_back(s.time(b.years[size_t(k)]));
  s.R.resize(b.R.size());
  double global = 0;
  for (int u = 0; u < n; ++u) {
    const double r0 = b.R[size_t(u * T)];
    double m = 0;
    for (int k = 0; k < T; ++k) m = std::max(m, std::fabs(b.R[size_t(u * T + k)] - r0));
    s.shift.push_back(r0), s.scale.push_back(m > 0 ? m : 1.0);
    global = std::max(global, m);
  }
  if (global_scale) s.scale.assign(size_t(n), global > 0 ? global : 1.0);
  for (int u = 0; u < n; ++u)
    for (int k = 0; k < T; ++k) s.R[size_t(u * T + k)] = (b.R[size_t(u * T + k)] - s.shift[size_t(u)]) / s.scale[size_t(u)];
  return s;
}

double age_term(double mean_age) {
  constexpr double am = 18, aM = 80;
  const double a = am * aM / (aM - am), b = -am / (aM - am);
  return std::clamp(a / mean_age + b, 0.0, 1.0);
}

std::vector<double> age_vector(const std::vector<double>& mean_age_real) {
  std::vector<double> a;
  double mean = 0;
  for (double x : mean_age_real) a.push_back(age_term(x)), mean += a.back();
  a.push_back(a.empty() ? 0.0 : mean / double(a.size()));
  return a;
}

double haversine_km(double lat1, double lon1, double lat2, double lon2) {
  constexpr double r = 6371.0, deg = 0.017453292519943295;
  const double sp = std::sin(0.5 * (lat2 - lat1) * deg), sl = std::sin(0.5 * (lon2 - lon1) * deg);
  const double h = std::min(1.0, sp * sp + std::cos(lat1 * deg) * std::cos(lat2 * deg) * sl * sl);
  return 2 * r * std::atan2(std::sqrt(h), std::sqrt(1 - h));  // asin(√h), well conditioned near h = 1
}

std::vector<double> distance_km(const std::vector<double>& lat, const std::vector<double>& lon) {
  const size_t m = lat.size();
  std::vector<double> d(m * m, 0.0);
  for (size_t u = 0; u < m; ++u)
    for (size_t v = u + 1; v < m; ++v) d[u * m + v] = d[v * m + u] = haversine_km(lat[u], lon[u], lat[v], lon[v]);
  return d;
}

std::vector<double> distance_matrix(const std::vector<double>& lat, const std::vector<double>& lon) {
  const size_t m = lat.size(), n = m + 1;
  const std::vector<double> km = distance_km(lat, lon);
  const double top = km.empty() ? 0.0 : *std::max_element(km.begin(), km.end());
  std::vector<double> D(n * n, 1.0);
  for (size_t u = 0; u < n; ++u) D[u * n + u] = 0;
  for (size_t u = 0; u < m; ++u)
    for (size_t v = 0; v < m; ++v) D[u * n + v] = top > 0 ? km[u * m + v] / top : 0.0;
  return D;
}

std::vector<double> correlation_matrix(const std::vector<double>& R, int n, int T) {
  std::vector<double> z(R.size(), 0.0), norm(size_t(n), 0.0);
  for (int u = 0; u < n; ++u) {
    double mean = 0;
    for (int k = 0; k < T; ++k) mean += R[size_t(u * T + k)];
    mean /= T;
    for (int k = 0; k < T; ++k) z[size_t(u * T + k)] = R[size_t(u * T + k)] - mean, norm[size_t(u)] += z[size_t(u * T + k)] * z[size_t(u * T + k)];
    norm[size_t(u)] = std::sqrt(norm[size_t(u)]);
  }
  std::vector<double> F(size_t(n * n), 0.0);
  for (int u = 0; u < n; ++u) {
    F[size_t(u * n + u)] = 1;
    for (int v = u + 1; v < n; ++v) {
      if (norm[size_t(u)] == 0 || norm[size_t(v)] == 0) continue;
      double c = 0;
      for (int k = 0; k < T; ++k) c += z[size_t(u * T + k)] * z[size_t(v * T + k)];
      F[size_t(u * n + v)] = F[size_t(v * n + u)] = std::clamp(c / (norm[size_t(u)] * norm[size_t(v)]), -1.0, 1.0);
    }
  }
  return F;
}

}  // namespace migra::pinn
