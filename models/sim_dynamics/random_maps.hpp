#pragma once
/// Random maps for the paper-004 ensembles: N sites on an L x L square and their initial
/// populations, every number drawn from Philox keyed by (seed, stream, map, site), so map m is
/// the same whoever draws it (CPU, GPU, any MPI rank, any number of maps alongside).
///
/// Layouts:
///   uniform  i.i.d. uniform positions (a binomial point process; the paper's maps)
///   thomas   a clustered alternative (Thomas process with N fixed): `parents` centres uniform
///            on the square, each site joins a centre chosen uniformly and is displaced by an
///            isotropic normal of s.d. `cluster_sd`, reflected back into the square.
/// Initial populations:
///   constant  Q_i = q0 (the paper: 1e5)
///   lognormal Q_i = q0 exp(sigma Z - sigma^2 / 2)   (mean q0)
///   pareto    Q_i = q0 (alpha - 1) / alpha U^(-1/alpha), alpha > 1   (mean q0)
#include <cstdint>
#include <string>
#include <vector>

namespace migra::sim {

enum class Layout { Uniform, Thomas };
enum class InitialPopulation { Constant, LogNormal, Pareto };

struct MapSpec {
  int sites = 1000;
  double side = 1000.0;
  Layout layout = Layout::Uniform;
  int parents = 50;            ///< thomas: cluster centres
  double cluster_sd = 20.0;    ///< thomas: displacement s.d.
  InitialPopulation population = InitialPopulation::Constant;
  double q0 = 1e5;
  double sigma = 1.0;          ///< lognormal
  double pareto_alpha = 2.0;   ///< pareto
};

struct RandomMap {
  std::vector<double> x, y, q;
};

/// Map `map` of the ensemble drawn with `seed`.
RandomMap make_map(const MapSpec& spec, std::uint64_t seed, int map);

}  // namespace migra::sim
