#pragma once
/// The online log-sum-exp monoid of log-domain Sinkhorn (KeOps's Max_SumShiftExpWeight):
/// a state (M, S) stands for log(S) + M = log sum_k exp(v_k), with
///
///   identity  (-inf, 0)
///   push v    (max(M, v), S e^{M - M'} + e^{v - M'})
///   combine   (M, S) + (M', S') = (M'', S e^{M - M''} + S' e^{M' - M''}),  M'' = max(M, M')
///   finalize  M + log S          (-inf for the empty sum)
///
/// No term is ever exponentiated above 0, so the sum neither overflows nor loses the largest
/// term, however small eps makes the exponents (the failure users report against POT/OTT).
#include <cmath>

#include "kernels/core/hd.hpp"

namespace migra::ot {

struct LseState {
  double M = -INFINITY;
  double S = 0.0;

  MIGRA_HD void push(double v) {
    if (!(v > -INFINITY)) return;
    if (v <= M) {
      S += exp(v - M);
    } else {
      S = S * exp(M - v) + 1.0;
      M = v;
    }
  }
  MIGRA_HD void combine(const LseState& o) {
    if (!(o.M > -INFINITY)) return;
    if (o.M <= M) {
      S += o.S * exp(o.M - M);
    } else {
      S = S * exp(M - o.M) + o.S;
      M = o.M;
    }
  }
  MIGRA_HD double value() const { return M + log(S); }
};

}  // namespace migra::ot
