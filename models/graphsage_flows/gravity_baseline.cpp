#include "models/graphsage_flows/gravity_baseline.hpp"

#include <cmath>

#include "kernels/core/error.hpp"
#include "kernels/linalg/cholesky.hpp"

namespace migra::gnn {

GravityFit fit_gravity_baseline(const FlowGraph& gr, const std::vector<double>& mass, const std::vector<double>& x,
                                const std::vector<double>& y) {
  const auto regressors = [&](const Record& r, double* v) {
    const size_t i = size_t(r.origin), j = size_t(r.destination);
    MIGRA_THROW_IF_NOT_FMT(mass[i] > 0 && mass[j] > 0, "gravity baseline: node masses must be positive");
    v[0] = 1.0, v[1] = std::log(mass[i]), v[2] = std::log(mass[j]), v[3] = -std::log(std::hypot(x[i] - x[j], y[i] - y[j]));
  };
  std::vector<double> A(16, 0.0), rhs(4, 0.0);
  int used = 0;
  for (size_t k = 0; k < gr.records.size(); ++k) {
    if (gr.split[k] != Split::Train || !(gr.records[k].flow > 0)) continue;
    double v[4];
    regressors(gr.records[k], v);
    for (int p = 0; p < 4; ++p) {
      rhs[size_t(p)] += v[p] * std::log(gr.records[k].flow);
      for (int q = 0; q < 4; ++q) A[size_t(p * 4 + q)] += v[p] * v[q];
    }
    ++used;
  }
  MIGRA_THROW_IF_NOT_FMT(used >= 4 && linalg::cholesky_factor(A, 4),
                         "gravity baseline: %d positive train records do not determine the 4 coefficients", used);
  linalg::cholesky_solve(A, 4, rhs);
  GravityFit f{rhs[0], rhs[1], rhs[2], rhs[3], {}};
  for (const Record& r : gr.records) {
    double v[4];
    regressors(r, v);
    f.prediction.push_back(std::exp(f.c * v[0] + f.a * v[1] + f.b * v[2] + f.g * v[3]));
  }
  return f;
}

}  // namespace migra::gnn
