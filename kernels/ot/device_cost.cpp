#include "kernels/ot/device_cost.hpp"

#include "kernels/ot/dense_ops.hpp"

#include <cmath>
#include <vector>

namespace migra::ot::detail {
namespace {

constexpr double kDegToRad = 0.017453292519943295;

/// Row-major count x dim points -> component-major; (lon, lat) degrees -> unit vectors.
std::vector<double> component_major(const double* p, int count, int dim, CostMetric metric) {
  if (metric == CostMetric::Haversine) {
    std::vector<double> out(size_t(3) * size_t(count));
    for (int i = 0; i < count; ++i) {
      const double lon = p[2 * i] * kDegToRad, lat = p[2 * i + 1] * kDegToRad;
      out[size_t(i)] = std::cos(lat) * std::cos(lon);
      out[size_t(count) + size_t(i)] = std::cos(lat) * std::sin(lon);
      out[2 * size_t(count) + size_t(i)] = std::sin(lat);
    }
    return out;
  }
  std::vector<double> out(size_t(dim) * size_t(count));
  for (int i = 0; i < count; ++i)
    for (int k = 0; k < dim; ++k) out[size_t(k) * size_t(count) + size_t(i)] = p[size_t(i) * size_t(dim) + size_t(k)];
  return out;
}

}  // namespace

std::size_t device_cost_bytes(const CostInput& c) {
  if (c.matrix) return size_t(c.n) * size_t(c.m) * sizeof(double) * (c.symmetric ? 1 : 2);
  const size_t dim = c.metric == CostMetric::Haversine ? 3 : size_t(c.dim);
  return dim * size_t(c.n + c.m) * sizeof(double);
}

DeviceCost::DeviceCost(Backend& backend, const CostInput& c)
    : n_(c.n), m_(c.m), points_(c.matrix == nullptr), symmetric_(c.symmetric) {
  if (!points_) {
    const size_t nm = size_t(n_) * size_t(m_);
    C_ = Buffer<double>(backend, nm);
    C_.upload(c.matrix);
    if (!symmetric_) {
      std::vector<double> t(nm);
      constexpr int B = 64;  // blocked transpose
      for (int i0 = 0; i0 < n_; i0 += B)
        for (int j0 = 0; j0 < m_; j0 += B)
          for (int i = i0; i < std::min(n_, i0 + B); ++i)
            for (int j = j0; j < std::min(m_, j0 + B); ++j)
              t[size_t(j) * size_t(n_) + size_t(i)] = c.matrix[size_t(i) * size_t(m_) + size_t(j)];
      CT_ = Buffer<double>(backend, t);
    }
    return;
  }
  x_ = Buffer<double>(backend, component_major(c.x, n_, c.dim, c.metric));
  y_ = Buffer<double>(backend, component_major(c.y, m_, c.dim, c.metric));
  const int dim = c.metric == CostMetric::Haversine ? 3 : c.dim;
  pc_ = PointCost{x_.data(), y_.data(), n_, m_, dim, c.metric};
  if (c.metric != CostMetric::SqEuclidean && 2.0 * n_ * m_ * sizeof(double) <= 0.25 * double(backend.memory_budget()))
    materialise(backend);
}

void DeviceCost::materialise(Backend& backend) {
  C_ = Buffer<double>(backend, size_t(n_) * size_t(m_));
  CT_ = Buffer<double>(backend, size_t(n_) * size_t(m_));
  cost_fill(backend.exec(), pc_, C_.data());
  cost_fill(backend.exec(), pc_.transposed(), CT_.data());
  points_ = false;
  symmetric_ = false;
}

}  // namespace migra::ot::detail
