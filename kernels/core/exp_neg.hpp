#pragma once
/// exp(x) for x <= 0 as straight-line code (no branches, no libm call), so that compilers
/// vectorise the log-sum-exp inner loops of Sinkhorn and the flow-model fits (glibc's exp() is a scalar call unless
/// -ffast-math, which would also break -inf handling).
///
///   x = k ln2 + r,  k = round(x / ln2),  |r| <= ln2 / 2
///   exp(x) = 2^k * P(r),  P = Taylor polynomial of degree 13 (truncation < 2e-17 relative)
///
/// Accuracy: <= 2 ulp against glibc on [-708, 0] (tested in test_ot.cpp). Below -708 the
/// result flushes to 0 (exp(-708) ~ 3e-308, so the contribution of such a term to a sum that
/// already holds a 1 is far below round-off). -inf gives 0; NaN is not expected (inputs are
/// differences of finite or -inf values).
#include <cstdint>
#include <cstring>

#include "kernels/core/hd.hpp"

namespace migra {

MIGRA_HD double exp_neg(double x) {
  constexpr double kLog2e = 1.4426950408889634;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln 2 split so k * kLn2Hi is exact
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kShift = 6755399441055744.0;          // 1.5 * 2^52: rounds to integer
  constexpr double kMin = -708.0;
  const double xc = x > kMin ? x : kMin;
  const double kd = (xc * kLog2e + kShift) - kShift;  // round(x / ln2), exact integer value
  const double r = (xc - kd * kLn2Hi) - kd * kLn2Lo;
  // Horner on 1 + r + r^2/2! + ... + r^13/13!
  double p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  // 2^k from the exponent bits: k in [-1022, 0] here, so the biased exponent is >= 1.
  const std::int64_t bits = (static_cast<std::int64_t>(kd) + 1023) << 52;
  double scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return x > kMin ? p * scale : 0.0;
}

}  // namespace migra
