#pragma once
/// Synthetic cities with known flow-model parameters (spec §4 A), for recovery tests and
/// demonstrations: an L×L lattice of square cells, populations from a density field, and
/// flows drawn from the extended model That_ik = mu P_i P_k exp(u_k − u_i − gamma d_ik).
///
///   random       P_i ~ LogNormal(log 8000, 0.5)                     (the spec's test city)
///   monocentric  P_i ∝ exp(−r_i / r0) × LogNormal(0, 0.2), r0 = L/4, r from the centre
///   polycentric  the same with four centres at (L/4, L/4), (3L/4, L/4), ... and r0 = L/8
///
/// Potentials u_i = u_density z_i + N(0, u_sd²), centred, with z_i the standardised log
/// density; mu makes the total flow flow_share Σ P. T ~ Poisson(That), or T = That.
/// Draws come from Philox (seed, Stream::Synthetic, city, unit).
#include <cstdint>
#include <string>
#include <vector>

#include "models/settlement/city.hpp"
#include "models/settlement/flow_fit.hpp"

namespace migra::settle {

enum class CityLayout { Random, Monocentric, Polycentric };
CityLayout parse_layout(const std::string& name);
const char* layout_name(CityLayout l);

struct SyntheticConfig {
  CityLayout layout = CityLayout::Random;
  int side = 12;           ///< L: N = L² units
  double cell_km = 1.0;    ///< cell side
  double mean_population = 8000;
  double gamma = 0.8, u_sd = 0.3, u_density = 0.0, flow_share = 0.25;
  bool poisson = true;
  std::uint64_t seed = 0;
  std::uint32_t city = 0;  ///< which city of the seed's stream
};

struct SyntheticCity {
  City city;
  std::vector<double> T;  ///< N×N flows, zero diagonal
  FitParams truth;        ///< log mu, gamma, u (centred)
};

SyntheticCity synthetic_city(const SyntheticConfig& cfg);

}  // namespace migra::settle
