#pragma once
/// The maps of an ensemble stepped together on one backend, every map in each launch: the GPU
/// path of the dynamics. Gravity, retail and Two-Trip recompute f_ij on the fly
/// (kernels/dynamics/gravity_step.hpp); radiation and IO keep each map's neighbour order on
/// the device and scan it every step (kernels/dynamics/opportunity_step.hpp). Populations
/// stay on the device between steps; download() brings them back for the host's bookkeeping
/// (conservation, scored snapshots).
#include <cstdint>
#include <vector>

#include "kernels/core/backend.hpp"
#include "kernels/dynamics/gravity_step.hpp"
#include "kernels/dynamics/opportunity_step.hpp"
#include "models/sim_dynamics/dynamics.hpp"

namespace migra::sim {

class BatchedMaps {
 public:
  /// Bytes per map on the backend: coordinates, populations and scratch (7 n doubles), and for
  /// radiation and IO the neighbour order (5 n^2 bytes) and the flow buffer (n^2 doubles).
  static std::size_t bytes_per_map(const DynamicsParams& p, int n);

  /// x, y: maps x n host coordinates (Euclidean); total: each map's initial population (IO's
  /// default L = 1 / total).
  BatchedMaps(Backend& backend, const DynamicsParams& p, int maps, int n, const std::vector<double>& x,
              const std::vector<double>& y, const std::vector<double>& total);
  void upload(const double* Q) { Q_.upload(Q); }
  void download(double* Q) const { Q_.download(Q); }
  /// Q <- Q + lambda (in - out) for every map.
  void step();

 private:
  Backend& backend_;
  bool gravity_family_;
  Buffer<double> x_, y_, Q_, a_, b_, c_, d_;  // scratch: D, Z, w, y (gravity); in, out (opportunity)
  Buffer<double> T_, L_;
  Buffer<std::uint32_t> order_;
  Buffer<std::uint8_t> tied_;
  dynamics::GravityStep gravity_;
  dynamics::OpportunityStep opportunity_;
};

}  // namespace migra::sim
