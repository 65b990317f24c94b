// The batched ensemble on a GPU (kernels/dynamics: gravity family with f recomputed on the fly,
// radiation and IO scanning stored neighbour orders) against the per-map CPU dynamics: same
// maps, same scoring, agreement to round-off over 400 steps; the GPU run is deterministic.
#include <catch2/catch.hpp>

#include <cmath>

#include "kernels/core/cuda_devices.hpp"
#include "models/sim_dynamics/ensemble.hpp"

using namespace migra;
using namespace migra::sim;

TEST_CASE("cuda: the batched ensemble matches the CPU maps", "[cuda][dynamics]") {
  const auto gpu = make_cuda_backend(0);
  const DynamicsModel model = GENERATE(DynamicsModel::Gravity, DynamicsModel::Retail, DynamicsModel::TwoTrip,
                                       DynamicsModel::Radiation, DynamicsModel::InterveningOpportunities);
  const bool literal = GENERATE(false, true);
  const int sites = GENERATE(33, 700);
  EnsembleConfig cfg;
  cfg.map.sites = sites;
  cfg.map.side = 1000.0 * std::sqrt(sites / 1000.0);
  cfg.map.population = InitialPopulation::LogNormal;
  cfg.dynamics.model = model;
  cfg.dynamics.radiation_literal = literal;
  cfg.dynamics.beta = model == DynamicsModel::TwoTrip ? 0.025 : 0.023;
  cfg.maps = 5;
  cfg.steps = 400;
  cfg.score_every = 10;
  std::vector<double> values;
  for (int i = 1; i <= 3 * sites; ++i) values.push_back(1e6 / std::pow(i, 0.9));
  const stats::RankCurves ref = reference_curves(values, sites, 20, 3);
  const EnsembleResult c = run_ensemble(cfg, &ref);
  const EnsembleResult g = run_ensemble(cfg, &ref, {}, nullptr, {}, nullptr, gpu.get());
  const EnsembleResult g2 = run_ensemble(cfg, &ref, {}, nullptr, {}, nullptr, gpu.get());
  INFO("model " << int(model) << (literal ? " (literal)" : "") << ", " << sites << " sites");
  double worst = 0.0;
  for (size_t i = 0; i < c.q_final.size(); ++i) worst = std::max(worst, std::fabs(g.q_final[i] / c.q_final[i] - 1.0));
  CHECK(worst < 1e-10);
  REQUIRE(g.scored_steps == c.scored_steps);
  for (size_t k = 0; k < c.d_ks.size(); ++k) REQUIRE(g.d_ks[k] == Approx(c.d_ks[k]).margin(1e-9));
  REQUIRE(g.max_rel_conservation_error < 1e-12);
  REQUIRE(g2.q_final == g.q_final);  // fixed reduction trees: bitwise run to run
}
