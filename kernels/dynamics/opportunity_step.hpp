#pragma once
/// One synchronous Euler step of paper 004's radiation (standard or literal) and Schneider's
/// intervening-opportunity dynamics for B maps at once, from each map's neighbour order
/// (flows/neighbour_order.hpp, computed once per map since sites do not move):
///
///   pass 1, one thread per row (b, i): the tie-aware ordered scan (flows/ordered_scan.hpp)
///           gives s_ij; T_ij = c_i share(Q_i, Q_j, s_ij) (flows/opportunity.hpp) with
///           c_i = Q_i (radiation) or Q_i / sum_j share (Schneider), written to row (b, i) of
///           a B n x n buffer; out_i = sum_j T_ij in j order;
///   pass 2: one thread per column (b, j) sums in_j = sum_i T_ij over i in order: consecutive
///           threads read consecutive j (coalesced), and the sum is the CPU loop's, bit for bit;
///   then    Q <- Q + lambda (in - out).
///
/// The orders are stored [map][k][i] (the k-th nearest site of i), so threads of consecutive
/// rows read consecutive entries. Each (b, i) row and each column sum runs in the same order
/// as the per-map CPU dynamics (dynamics.cpp), so on the CPU launchers the two agree bitwise.
#include <cstdint>

#include "kernels/core/exec.hpp"
#include "kernels/dynamics/opportunity_row.hpp"
#include "kernels/flows/opportunity.hpp"

namespace migra::dynamics {

struct OpportunityStep {
  int maps = 0, n = 0;
  const std::uint32_t* order = nullptr;  ///< B n n, [b][k][i]
  const std::uint8_t* tied = nullptr;    ///< B n n, [b][k][i]: as far as the (k-1)-th
  flows::OpportunityModel model = flows::OpportunityModel::Radiation;
  const double* L = nullptr;             ///< Schneider: per map
  double lambda = 0.01;
};

struct OpportunityScratch {
  double* T = nullptr;  ///< B n n
  double *in = nullptr, *out = nullptr;  ///< B n each
};

void opportunity_step(const Exec& exec, const OpportunityStep& s, double* Q, const OpportunityScratch& scratch);

namespace detail {

/// Pass 1 for row r = b n + i.
struct OpportunityRow {
  OpportunityStep s;
  const double* Q;
  double* T;
  double* out;
  MIGRA_HD void operator()(long long r) const {
    const long long n = s.n, b = r / n;
    const int i = int(r - b * n);
    const std::uint32_t* idx = s.order + b * n * n;
    const std::uint8_t* tie = s.tied + b * n * n;
    double* row = T + r * n;
    out[r] = opportunity_row(
        int(n), i, Q + b * n, s.model, s.model == flows::OpportunityModel::Schneider ? s.L[b] : 0.0,
        [&](int k) { return int(idx[k * n + i]); }, [&](int k) { return tie[k * n + i] != 0; }, row,
        [&](int j, double t) { row[j] = t; });
  }
};

/// Pass 2: thread r = b n + j sums column j of map b's T over i = 0, 1, ... into in[r].
struct ColumnSum {
  const double* T;
  double* in;
  int n;
  MIGRA_HD void operator()(long long r) const {
    const long long b = r / n, j = r - b * n;
    const double* col = T + b * n * n + j;
    double acc = 0.0;
    for (long long i = 0; i < n; ++i) acc += col[i * n];
    in[r] = acc;
  }
};

struct NetFlowUpdate {  // Q += lambda (in - out)
  double* Q;
  const double *in, *out;
  double lambda;
  MIGRA_HD void operator()(long long r) const { Q[r] += lambda * (in[r] - out[r]); }
};

void for_each_cuda(DeviceContext& ctx, std::int64_t n, const OpportunityRow& f);
void for_each_cuda(DeviceContext& ctx, std::int64_t n, const ColumnSum& f);
void for_each_cuda(DeviceContext& ctx, std::int64_t n, const NetFlowUpdate& f);

}  // namespace detail
}  // namespace migra::dynamics
