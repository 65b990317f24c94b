#include "kernels/flows/neighbour_order.hpp"

#include "kernels/flows/distance_order.hpp"

namespace migra::flows {

NeighbourOrder build_neighbour_order(const Coords& c) {
  NeighbourOrder o;
  o.n = c.n;
  const std::size_t n = std::size_t(c.n);
  o.index.resize(n * n);
  o.tied.resize(n * n);
#pragma omp parallel
  {
    std::vector<Ranked> row, scratch;
#pragma omp for schedule(dynamic, 16)
    for (int i = 0; i < c.n; ++i) {
      distance_order(c, i, row, scratch);
      for (std::size_t k = 0; k < n; ++k) {
        o.index[std::size_t(i) * n + k] = row[k].j;
        o.tied[std::size_t(i) * n + k] = k > 0 && row[k].key == row[k - 1].key;
      }
    }
  }
  return o;
}

}  // namespace migra::flows
