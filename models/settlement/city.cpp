#include "models/settlement/city.hpp"

#include <cmath>

namespace migra::settle {

PairGeometry pair_geometry(const City& c) {
  PairGeometry g;
  g.n = c.size();
  const size_t n = size_t(g.n);
  g.D.assign(n * n, 0.0);
  g.d.assign(n * n, 0.0);
  for (size_t i = 0; i < n; ++i)
    for (size_t k = 0; k < n; ++k) {
      if (i == k) continue;
      const double D = std::hypot(c.x[i] - c.x[k], c.y[i] - c.y[k]);
      g.D[i * n + k] = D;
      g.d[i * n + k] = D / std::sqrt(std::sqrt(c.area[i] * c.area[k]));
    }
  return g;
}

std::vector<int> units_at_least(const City& c, double min_density) {
  std::vector<int> keep;
  for (int i = 0; i < c.size(); ++i)
    if (c.density(i) >= min_density) keep.push_back(i);
  return keep;
}

City subset(const City& c, const std::vector<int>& keep) {
  City s;
  for (int i : keep) {
    s.population.push_back(c.population[size_t(i)]);
    s.x.push_back(c.x[size_t(i)]);
    s.y.push_back(c.y[size_t(i)]);
    s.area.push_back(c.area[size_t(i)]);
  }
  return s;
}

std::vector<double> subset_flows(const std::vector<double>& T, int n, const std::vector<int>& keep) {
  const size_t m = keep.size();
  std::vector<double> out(m * m);
  for (size_t a = 0; a < m; ++a)
    for (size_t b = 0; b < m; ++b) out[a * m + b] = T[size_t(keep[a]) * size_t(n) + size_t(keep[b])];
  return out;
}

}  // namespace migra::settle
