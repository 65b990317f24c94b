#pragma once
/// Rows of the model flows on the CPU in factored form,
///   That_ik = e^{a_i} e^{b_k} e^{−gamma d_ik},  a_i = m + log P_i − u_i,  b_k = log P_k + u_k,
/// so a pass costs 2n scalar exps and n² of the branch-free exp_neg, which vectorises
/// (gamma < 0 falls back to std::exp). theta is packed as in flow_normal.hpp.
#include <cmath>
#include <vector>

#include "kernels/core/exp_neg.hpp"
#include "kernels/lsq/flow_normal.hpp"

namespace migra::lsq {

class FlowRows {
 public:
  FlowRows(const FlowShape& s, const double* d, const double* log_p, const double* theta)
      : s_(s), d_(d), gamma_(s.gamma ? theta[1] : 0.0), ea_(size_t(s.n)), eb_(size_t(s.n)) {
    for (int k = 0; k < s.n; ++k) {
      const double u = s.u && k < s.n - 1 ? theta[s.iu() + k] : 0.0;
      ea_[size_t(k)] = std::exp(theta[0] + log_p[k] - u);
      eb_[size_t(k)] = std::exp(log_p[k] + u);
    }
  }
  /// out[k] = That_ik for every k, out[i] = 0.
  void row(int i, double* out) const {
    const size_t n = size_t(s_.n);
    const double ea = ea_[size_t(i)], g = gamma_;
    const double* di = d_ + size_t(i) * n;
    const double* eb = eb_.data();
    if (g >= 0) {
      for (size_t k = 0; k < n; ++k) out[k] = ea * eb[k] * exp_neg(-g * di[k]);
    } else {
      for (size_t k = 0; k < n; ++k) out[k] = ea * eb[k] * std::exp(-g * di[k]);
    }
    out[i] = 0.0;
  }

 private:
  FlowShape s_;
  const double* d_;
  double gamma_;
  std::vector<double> ea_, eb_;
};

}  // namespace migra::lsq
