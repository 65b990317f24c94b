#include "kernels/flows/opportunity.hpp"

#include <algorithm>
#include <vector>

#include "kernels/core/error.hpp"
#include "kernels/core/tuning.hpp"
#include "kernels/flows/ordered_scan.hpp"

namespace migra::flows {
namespace {

struct Neighbour {
  double key;
  int j;
  bool operator<(const Neighbour& o) const { return key < o.key || (key == o.key && j < o.j); }
};

/// Visits row i's sites in order of distance and calls emit(j, s_ij). A tie group (equal
/// order keys) shares the mass accumulated before the group.
template <class Emit>
void scan_row(const Coords& c, const double* m, bool include_origin, int i,
              std::vector<Neighbour>& nb, Emit&& emit) {
  const int n = c.n;
  nb.resize(size_t(n));
  for (int j = 0; j < n; ++j) nb[size_t(j)] = {c.order_key(i, j), j};
  std::sort(nb.begin(), nb.end());
  ordered_scan(
      n, i, m, include_origin, [&](int k) { return nb[size_t(k)].j; },
      [&](int k) { return nb[size_t(k)].key == nb[size_t(k - 1)].key; }, emit);
}

template <class RowFn>
void for_rows(int r0, int r1, long long n, RowFn&& row) {
#pragma omp parallel if ((long long)(r1 - r0) * n > tuning::kCpuParallelMinWork)
  {
    std::vector<Neighbour> nb;
#pragma omp for schedule(dynamic, 16)
    for (int i = r0; i < r1; ++i) row(i, nb);
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
  for_rows(r0, r1, n, [&](int i, std::vector<Neighbour>& nb) {
    double* row = out + (i - r0) * n;
    scan_row(c, m, include_origin, i, nb, [&](int j, double s) { row[j] = j == i ? 0.0 : s; });
  });
}

void opportunity_fill(const Exec& exec, const Coords& c, const double* m, const double* O,
                      const OpportunityParams& p, int r0, int r1, double* out) {
  MIGRA_RUN_ON_GPU(exec, detail::opportunity_rows_cuda(*exec.gpu, c, m, O, p,
                                                       detail::RowOutput::Flows, r0, r1, out));
  const long long n = c.n;
  const detail::OpportunityShare share{p.model, p.L};
  const bool origin = p.includes_origin();
  for_rows(r0, r1, n, [&](int i, std::vector<Neighbour>& nb) {
    double* row = out + (i - r0) * n;
    scan_row(c, m, origin, i, nb, [&](int j, double s) {
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
