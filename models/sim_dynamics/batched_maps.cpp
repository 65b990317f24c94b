#include "models/sim_dynamics/batched_maps.hpp"

#include "kernels/core/error.hpp"

namespace migra::sim {

bool BatchedMaps::supports(const DynamicsParams& p) {
  return p.model == DynamicsModel::Gravity || p.model == DynamicsModel::Retail || p.model == DynamicsModel::TwoTrip;
}

BatchedMaps::BatchedMaps(Backend& backend, const DynamicsParams& p, int maps, int n, const std::vector<double>& x,
                         const std::vector<double>& y)
    : backend_(backend), x_(backend, x), y_(backend, y), Q_(backend, x.size()), D_(backend, x.size()),
      Z_(backend, x.size()), w_(backend, x.size()), yv_(backend, x.size()) {
  MIGRA_THROW_IF_NOT_FMT(supports(p), "the batched ensemble path covers gravity, retail and two-trip");
  MIGRA_THROW_IF_NOT_FMT(p.lambda > 0 && p.lambda <= 1, "lambda must be in (0, 1], got %g", p.lambda);
  MIGRA_THROW_IF_NOT_FMT(x.size() == std::size_t(maps) * std::size_t(n) && y.size() == x.size(),
                         "batched maps: %zu coordinates for %d maps of %d sites", x.size(), maps, n);
  s_.coords = {x_.data(), y_.data(), maps * n, flows::Metric::Euclidean};
  s_.maps = maps;
  s_.n = n;
  s_.attractiveness = p.model == DynamicsModel::Retail    ? dynamics::Attractiveness::Retail
                      : p.model == DynamicsModel::TwoTrip ? dynamics::Attractiveness::TwoTrip
                                                          : dynamics::Attractiveness::Population;
  s_.beta = p.beta;
  s_.gamma = p.gamma;
  s_.epsilon = p.epsilon;
  s_.lambda = p.lambda;
  s_.exclude_self = p.exclude_self;
}

void BatchedMaps::step() {
  dynamics::gravity_family_step(backend_.exec(), s_, Q_.data(), {D_.data(), Z_.data(), w_.data(), yv_.data()});
}

}  // namespace migra::sim
