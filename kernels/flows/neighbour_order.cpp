#include "kernels/flows/neighbour_order.hpp"

#include <algorithm>
#include <numeric>

namespace migra::flows {

NeighbourOrder build_neighbour_order(const Coords& c) {
  NeighbourOrder o;
  o.n = c.n;
  const std::size_t n = std::size_t(c.n);
  o.index.resize(n * n);
  o.tied.resize(n * n);
#pragma omp parallel
  {
    std::vector<std::pair<double, std::uint32_t>> row(n);
#pragma omp for schedule(dynamic, 16)
    for (int i = 0; i < c.n; ++i) {
      for (std::size_t j = 0; j < n; ++j) row[j] = {c.order_key(i, int(j)), std::uint32_t(j)};
      std::sort(row.begin(), row.end());
      for (std::size_t k = 0; k < n; ++k) {
        o.index[std::size_t(i) * n + k] = row[k].second;
        o.tied[std::size_t(i) * n + k] = k > 0 && row[k].first == row[k - 1].first;
      }
    }
  }
  return o;
}

}  // namespace migra::flows
