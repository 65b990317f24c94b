#pragma once
/// The maps of an ensemble stepped together on one backend, every map in each launch
/// (kernels/dynamics/gravity_step.hpp): the GPU path of the gravity family (gravity, retail,
/// two-trip). Populations stay on the device between steps; download() brings them back for
/// the host's bookkeeping (conservation, scored snapshots).
#include <vector>

#include "kernels/core/backend.hpp"
#include "kernels/dynamics/gravity_step.hpp"
#include "models/sim_dynamics/dynamics.hpp"

namespace migra::sim {

class BatchedMaps {
 public:
  /// Whether the model has a batched path (the gravity family).
  static bool supports(const DynamicsParams& p);
  /// Bytes per map on the backend: coordinates, populations and scratch, 7 n doubles.
  static std::size_t bytes_per_map(int n) { return std::size_t(7) * std::size_t(n) * sizeof(double); }

  /// x, y: maps x n host coordinates (Euclidean).
  BatchedMaps(Backend& backend, const DynamicsParams& p, int maps, int n, const std::vector<double>& x,
              const std::vector<double>& y);
  void upload(const double* Q) { Q_.upload(Q); }
  void download(double* Q) const { Q_.download(Q); }
  /// Q <- Q + lambda (in - out) for every map.
  void step();

 private:
  Backend& backend_;
  Buffer<double> x_, y_, Q_, D_, Z_, w_, yv_;
  dynamics::GravityStep s_;
};

}  // namespace migra::sim
