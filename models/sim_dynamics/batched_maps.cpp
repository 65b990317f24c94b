#include "models/sim_dynamics/batched_maps.hpp"

#include "kernels/core/error.hpp"
#include "kernels/flows/neighbour_order.hpp"

namespace migra::sim {
std::size_t BatchedMaps::bytes_per_map(const DynamicsParams& p, int n) {
  const std::size_t nn = std::size_t(n) * std::size_t(n), vectors = 7 * std::size_t(n) * sizeof(double);
  return gravity_family(p.model) ? vectors : vectors + nn * (sizeof(std::uint32_t) + 1 + sizeof(double));
}

BatchedMaps::BatchedMaps(Backend& backend, const DynamicsParams& p, int maps, int n, const std::vector<double>& x,
                         const std::vector<double>& y, const std::vector<double>& total)
    : backend_(backend), gravity_family_(gravity_family(p.model)), x_(backend, x), y_(backend, y),
      Q_(backend, x.size()), a_(backend, x.size()), b_(backend, x.size()), c_(backend, x.size()),
      d_(backend, x.size()) {
  MIGRA_THROW_IF_NOT_FMT(p.lambda > 0 && p.lambda <= 1, "lambda must be in (0, 1], got %g", p.lambda);
  MIGRA_THROW_IF_NOT_FMT(x.size() == std::size_t(maps) * std::size_t(n) && y.size() == x.size() &&
                             total.size() == std::size_t(maps),
                         "batched maps: %zu coordinates for %d maps of %d sites", x.size(), maps, n);
  if (gravity_family_) {
    gravity_.coords = {x_.data(), y_.data(), maps * n, flows::Metric::Euclidean};
    gravity_.maps = maps;
    gravity_.n = n;
    gravity_.attractiveness = p.model == DynamicsModel::Retail    ? dynamics::Attractiveness::Retail
                              : p.model == DynamicsModel::TwoTrip ? dynamics::Attractiveness::TwoTrip
                                                                  : dynamics::Attractiveness::Population;
    gravity_.beta = p.beta;
    gravity_.gamma = p.gamma;
    gravity_.epsilon = p.epsilon;
    gravity_.lambda = p.lambda;
    gravity_.exclude_self = p.exclude_self;
    return;
  }
  // Each map's neighbour order, sorted on the host once and stored transposed ([k][i]).
  const std::size_t N = std::size_t(n), nn = N * N;
  order_ = Buffer<std::uint32_t>(backend, std::size_t(maps) * nn);
  tied_ = Buffer<std::uint8_t>(backend, std::size_t(maps) * nn);
  T_ = Buffer<double>(backend, std::size_t(maps) * nn);
  std::vector<std::uint32_t> idx(nn);
  std::vector<std::uint8_t> tie(nn);
  std::vector<double> L(static_cast<std::size_t>(maps));
  for (int b = 0; b < maps; ++b) {
    const std::size_t o = std::size_t(b) * N;
    const flows::NeighbourOrder order = flows::build_neighbour_order({x.data() + o, y.data() + o, n, flows::Metric::Euclidean});
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t k = 0; k < N; ++k) idx[k * N + i] = order.index[i * N + k], tie[k * N + i] = order.tied[i * N + k];
    backend.copy_in(order_.data() + std::size_t(b) * nn, idx.data(), nn * sizeof(std::uint32_t));
    backend.copy_in(tied_.data() + std::size_t(b) * nn, tie.data(), nn);
    L[std::size_t(b)] = schneider_L(p, total[std::size_t(b)]);
  }
  L_ = Buffer<double>(backend, L);
  opportunity_.maps = maps;
  opportunity_.n = n;
  opportunity_.order = order_.data();
  opportunity_.tied = tied_.data();
  opportunity_.model = opportunity_model(p);
  opportunity_.L = L_.data();
  opportunity_.lambda = p.lambda;
}

void BatchedMaps::step() {
  if (gravity_family_)
    dynamics::gravity_family_step(backend_.exec(), gravity_, Q_.data(), {a_.data(), b_.data(), c_.data(), d_.data()});
  else
    dynamics::opportunity_step(backend_.exec(), opportunity_, Q_.data(), {T_.data(), a_.data(), b_.data()});
}

}  // namespace migra::sim
