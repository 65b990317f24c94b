#pragma once
/// The spreading index of a city and its LouBar threshold (paper 003 eq. 5, after Volpati &
/// Barthelemy; spec §2.5):
///
///   eta(rho) = Σ_ij D_ij xi_i xi_j / Σ_ij D_ij S_i S_j,   xi_i = S_i Θ(rho_i − rho) S / S(rho)
///
/// i.e. the area-weighted mean distance between hotspots (rho_i ≥ rho; Θ(0) = 1) over that
/// between all units. With units sorted by descending density the numerator grows by one row
/// per unit, num_m = num_{m−1} + 2 S_(m) Σ_{j<m} D_(m)(j) S_(j), so the whole curve costs O(N²).
///
/// LouBar (area-weighted, default): sort by ascending density, x_m = Σ_{j≤m} S_(j) / S; the
/// tangent of the Lorenz curve at x = 1 meets y = 0 at F* = 1 − rhobar / rho_max
/// (rhobar = P / S); the hotspots are the units with x_m > F*, rho* the least density among
/// them and eta* = eta(rho*). Variant "equal": x_m = m / N and F* = 1 − mean(rho) / rho_max.
#include <vector>

namespace migra::settle {

/// eta at each distinct density: hotspots = the units with rho_i ≥ threshold[t].
struct SpreadingCurve {
  std::vector<double> threshold, eta, hotspot_area_share;
  std::vector<int> hotspots;  ///< number of units with rho_i ≥ threshold
};

/// D: N×N row-major distances (symmetric, zero diagonal); area S_i; density rho_i.
SpreadingCurve spreading_curve(const std::vector<double>& D, const std::vector<double>& area,
                               const std::vector<double>& density);

enum class LouBarWeights { Area, Equal };

struct LouBar {
  double f_star = 0, rho_star = 0, eta_star = 0;
  std::vector<bool> hotspot;  ///< per unit: rho_i ≥ rho*
};

LouBar loubar(const std::vector<double>& D, const std::vector<double>& area, const std::vector<double>& density,
              LouBarWeights weights = LouBarWeights::Area);

}  // namespace migra::settle
