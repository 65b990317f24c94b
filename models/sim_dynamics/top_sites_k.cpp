#include "models/sim_dynamics/top_sites_k.hpp"

namespace migra::sim {

double mean_pairwise_distance(const double* x, const double* y, int n) {
  double s = 0.0;
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) s += std::hypot(x[i] - x[j], y[i] - y[j]);
  return n > 1 ? 2.0 * s / (double(n) * double(n - 1)) : 0.0;
}

}  // namespace migra::sim
