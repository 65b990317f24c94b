#include "kernels/ot/softmin.hpp"

#include <algorithm>
#include <vector>

#include "kernels/core/error.hpp"
#include "kernels/core/tuning.hpp"
#include "kernels/core/exp_neg.hpp"
#include "kernels/ot/lse.hpp"

namespace migra::ot {
namespace {

constexpr int kLanes = 8;  // independent partial sums: one vector register of doubles

/// LSE over k < len of v_k = (h_k - c_k) / eps as a monoid state: v and the lane-wise maxima
/// in one pass, then sum exp(v - max) in kLanes fixed partial sums. Both loops vectorise (a
/// single running max would not); the order is fixed, so the result is deterministic.
LseState tile_lse(const double* h, const double* c, double inv_eps, int len, double* v) {
  double lane_max[kLanes];
  for (int l = 0; l < kLanes; ++l) lane_max[l] = -INFINITY;
  int k = 0;
  for (; k + kLanes <= len; k += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      const double t = (h[k + l] - c[k + l]) * inv_eps;
      v[k + l] = t;
      lane_max[l] = t > lane_max[l] ? t : lane_max[l];
    }
  double M = -INFINITY;
  for (; k < len; ++k) {
    v[k] = (h[k] - c[k]) * inv_eps;
    M = v[k] > M ? v[k] : M;
  }
  for (int l = 0; l < kLanes; ++l) M = lane_max[l] > M ? lane_max[l] : M;
  if (!(M > -INFINITY)) return {};
  double acc[kLanes] = {};
  k = 0;
  for (; k + kLanes <= len; k += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += exp_neg(v[k + l] - M);
  double S = 0.0;
  for (; k < len; ++k) S += exp_neg(v[k] - M);
  for (int l = 0; l < kLanes; ++l) S += acc[l];
  return {M, S};
}

/// c[k] = C(i, j0 + k), k < len: a row of a stored matrix is copied; point costs run the
/// component loop outside the j loop so that the j loop vectorises.
void cost_tile(const MatrixCost& C, int i, int j0, int len, double* c) {
  std::copy_n(C.C + i * C.ld + j0, len, c);
}
void cost_tile(const PointCost& C, int i, int j0, int len, double* c) {
  std::fill_n(c, len, 0.0);
  for (int d = 0; d < C.dim; ++d) {
    const double xi = C.x[(long long)d * C.n + i];
    const double* y = C.y + (long long)d * C.m + j0;
    for (int k = 0; k < len; ++k) c[k] += (xi - y[k]) * (xi - y[k]);
  }
  if (C.metric != CostMetric::SqEuclidean)
    for (int k = 0; k < len; ++k) c[k] = C.from_squared_distance(c[k]);
}

template <class Cost>
void softmin_cpu(const Cost& C, const SoftminArgs& a) {
  constexpr int T = tuning::kSoftminTile;
  const double inv_eps = 1.0 / a.eps;
  const long long work = (long long)a.rows * a.cols * a.batch;
#pragma omp parallel if (work > tuning::kCpuParallelMinWork)
  {
    std::vector<double> c(T), v(T);
    std::vector<LseState> state(size_t(a.batch));
#pragma omp for schedule(static)
    for (int i = 0; i < a.rows; ++i) {
      std::fill(state.begin(), state.end(), LseState{});
      for (int j0 = 0; j0 < a.cols; j0 += T) {
        const int len = std::min(T, a.cols - j0);
        cost_tile(C, i, j0, len, c.data());
        for (int b = 0; b < a.batch; ++b) {
          if (a.active && !a.active[b]) continue;
          state[size_t(b)].combine(tile_lse(a.h + (long long)b * a.cols + j0, c.data(), inv_eps, len, v.data()));
        }
      }
      for (int b = 0; b < a.batch; ++b) {
        if (a.active && !a.active[b]) continue;
        const long long o = (long long)b * a.rows + i;
        a.out[o] = a.lambda * a.eps * (a.logw[o] - state[size_t(b)].value());
      }
    }
  }
}

void check(const SoftminArgs& a) {
  MIGRA_ASSERT(a.rows > 0 && a.cols > 0 && a.batch > 0 && a.eps > 0.0);
  MIGRA_ASSERT(a.h && a.logw && a.out);
}

}  // namespace

void softmin(const Exec& exec, const MatrixCost& C, const SoftminArgs& args) {
  check(args);
  MIGRA_RUN_ON_GPU(exec, detail::softmin_cuda(*exec.gpu, C, args));
  softmin_cpu(C, args);
}

void softmin(const Exec& exec, const PointCost& C, const SoftminArgs& args) {
  check(args);
  MIGRA_ASSERT(C.n == args.rows && C.m == args.cols);
  MIGRA_RUN_ON_GPU(exec, detail::softmin_cuda(*exec.gpu, C, args));
  softmin_cpu(C, args);
}

}  // namespace migra::ot
