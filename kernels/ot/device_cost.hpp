#pragma once
/// A CostInput moved into a backend's memory in the form the kernels read: a matrix (and its
/// transpose unless symmetric), or points component-major (haversine points as unit vectors).
/// Points whose cost is dearer to recompute than to read (euclidean: a sqrt; haversine: an
/// asin) are turned into C and C^T when both fit in a quarter of the memory budget (STYLE.md 5:
/// materialise only within budget); squared-Euclidean costs are always recomputed.
/// visit(fn) / visit_t(fn) call fn with the cost functor of C or of C^T.
#include "kernels/core/backend.hpp"
#include "kernels/ot/sinkhorn.hpp"

namespace migra::ot::detail {

class DeviceCost {
 public:
  DeviceCost(Backend& backend, const CostInput& cost);
  int n() const { return n_; }
  int m() const { return m_; }

  template <class F>
  void visit(F&& fn) const {
    if (points_) fn(pc_);
    else fn(MatrixCost{C_.data(), m_});
  }
  template <class F>
  void visit_t(F&& fn) const {
    if (points_) fn(pc_.transposed());
    else fn(MatrixCost{symmetric_ ? C_.data() : CT_.data(), n_});
  }

 private:
  void materialise(Backend& backend);
  int n_, m_;
  bool points_, symmetric_;
  Buffer<double> C_, CT_, x_, y_;
  PointCost pc_;
};

/// Bytes DeviceCost holds for this input.
std::size_t device_cost_bytes(const CostInput& cost);

}  // namespace migra::ot::detail
