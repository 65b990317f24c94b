#include "kernels/linalg/fd_jacobian.hpp"

#include <algorithm>

namespace migra::linalg {

LinearOperator fd_jacobian(const Map& g, const std::vector<double>& y, const std::vector<double>& gy) {
  const double h = 1e-7 * std::max(1.0, norm(y));
  return [&g, &y, &gy, h](const std::vector<double>& v, std::vector<double>& Jv) {
    const double nv = norm(v);
    Jv.assign(v.size(), 0.0);
    if (nv == 0.0) return;
    std::vector<double> yp(y.size()), gp;
    for (size_t i = 0; i < y.size(); ++i) yp[i] = y[i] + h / nv * v[i];
    g(yp, gp);
    for (size_t i = 0; i < gy.size(); ++i) Jv[i] = (gp[i] - gy[i]) * (nv / h) - v[i];
  };
}

}  // namespace migra::linalg
