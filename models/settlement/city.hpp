#pragma once
/// A city for paper 003: its spatial units ("suburbs", SA2s) with population, planar centroid
/// and area, the observed unit-to-unit flows, and the pair geometry the models use
/// (spec §1.4):
///
///   D_ik = |x_i − x_k|            centroid distance (km)
///   d_ik = D_ik (S_i S_k)^(−1/4)  dimensionless distance "in number of suburbs"; d_ii = 0
///
/// Matrices are dense, row-major N×N: the paper's cities have N ≤ ~320 units.
#include <string>
#include <vector>

namespace migra::settle {

struct City {
  std::vector<double> population, x, y, area;  ///< persons, km, km, km²
  int size() const { return int(population.size()); }
  double density(int i) const { return population[size_t(i)] / area[size_t(i)]; }
  std::vector<double> densities() const {
    std::vector<double> rho;
    for (int i = 0; i < size(); ++i) rho.push_back(density(i));
    return rho;
  }
};

struct PairGeometry {
  int n = 0;
  std::vector<double> D, d;  ///< centroid distance (km) and d = D (S_i S_k)^(-1/4)
};

PairGeometry pair_geometry(const City& city);

/// The units kept by the density filter of spec §1.4 step 2 (rho_i >= min_density), in order.
std::vector<int> units_at_least(const City& city, double min_density);

/// The sub-city of the units `keep` (indices into `city`).
City subset(const City& city, const std::vector<int>& keep);

/// A dense flow matrix T (N×N, row = origin) restricted to `keep`: T'[a][b] = T[keep a][keep b].
std::vector<double> subset_flows(const std::vector<double>& T, int n, const std::vector<int>& keep);

}  // namespace migra::settle
