#include "kernels/flows/opportunity.hpp"

#include <vector>

#include "kernels/core/error.hpp"
#include "kernels/core/tuning.hpp"
#include "kernels/flows/distance_order.hpp"
#include "kernels/flows/ordered_scan.hpp"

namespace migra::flows {
namespace {

/// A thread's rows: the sorted one and the sort's scratch.
struct RowScratch {
  std::vector<Ranked> nb, scratch;
};

/// Visits row i's sites in order of distance and calls emit(j, s_ij). A tie group (equal
/// order keys) shares the mass accumulated before the group.
template <class Emit>
void scan_row(const Coords& c, const double* m, bool include_origin, int i, RowScratch& rs, Emit&& emit) {
  distance_order(c, i, rs.nb, rs.scratch);
  const std::vector<Ranked>& nb = rs.nb;
  ordered_scan(
      c.n, i, m, include_origin, [&](int k) { return int(nb[size_t(k)].j); },
      [&](int k) { return nb[size_t(k)].key == nb[size_t(k - 1)].key; }, emit);
}

template <class RowFn>
void for_rows(int r0, int r1, long long n, RowFn&& row) {
#pragma omp parallel if ((long long)(r1 - r0) * n > tuning::kCpuParallelMinWork)
  {
    RowScratch rs;
#pragma omp for schedule(dynamic, 16)
    for (int i = r0; i < r1; ++i) row(i, rs);
  }
}

}  // namespace

void intervening_sums(const Exec& exec, const Coords& c, const double* m, bool include_origin,
                      int r0, int r1, double* out) {
  const OpportunityParams p{include_origin ? OpportunityModel::RadiationLiteral
                                           : OpportunityModel::Radiation};
  MIGRA_RUN_ON_GPU(exec, detail::opportunity_rows_cuda(*exec.gpu, c, m, nullptr, p,
                                                       detail::RowOutput::Sums, r0, r1, out));
  const long long n = c.n;
  for_rows(r0, r1, n, [&](int i, RowScratch& rs) {
    double* row = out + (i - r0) * n;
    scan_row(c, m, include_origin, i, rs, [&](int j, double s) { row[j] = j == i ? 0.0 : s; });
  });
}

void opportunity_fill(const Exec& exec, const Coords& c, const double* m, const double* O,
                      const OpportunityParams& p, int r0, int r1, double* out) {
  MIGRA_RUN_ON_GPU(exec, detail::opportunity_rows_cuda(*exec.gpu, c, m, O, p,
                                                       detail::RowOutput::Flows, r0, r1, out));
  const long long n = c.n;
  const detail::OpportunityShare share{p.model, p.L};
  const bool origin = p.includes_origin();
  for_rows(r0, r1, n, [&](int i, RowScratch& rs) {
    double* row = out + (i - r0) * n;
    scan_row(c, m, origin, i, rs, [&](int j, double s) {
      row[j] = detail::opportunity_pair(i, j, origin) ? share(m[i], m[j], s) : 0.0;
    });
    double scale = O[i];
    if (p.row_normalised()) {
      double total = 0.0;
      for (long long j = 0; j < n; ++j) total += row[j];
      scale = total > 0.0 ? O[i] / total : 0.0;
    }
    for (long long j = 0; j < n; ++j) row[j] *= scale;
  });
}

}  // namespace migra::flows
