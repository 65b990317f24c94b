#pragma once
/// A Monte-Carlo ensemble of the paper-004 dynamics: B random maps run in lockstep (OpenMP
/// over maps; each map's arithmetic is sequential, so results do not depend on the thread
/// count), scored every `score_every` steps by the ensemble rank-size curve against a
/// reference curve (D_KS, spec §4.1). tau is fitted: the scored step with the smallest D_KS.
///
///   reference_curves: the rank curves of `samples` random subsets of `size` values drawn
///   without replacement (partial Fisher-Yates on Philox uniforms), e.g. 100 samples of 1000
///   of the 3,109 contiguous-US 2010 counties (spec §4.3).
#include <cstdint>
#include <functional>
#include <vector>

#include "kernels/core/backend.hpp"
#include "kernels/stats/rank_size.hpp"
#include "models/sim_dynamics/dynamics.hpp"
#include "models/sim_dynamics/random_maps.hpp"
#include "models/team.hpp"

namespace migra::sim {

struct EnsembleConfig {
  MapSpec map;
  DynamicsParams dynamics;
  int maps = 100;
  int steps = 2000;
  int score_every = 1;
  std::uint64_t seed = 1;
  std::size_t memory_budget = std::size_t(4) << 30;  ///< for the per-map precomputation
};

struct EnsembleResult {
  std::vector<int> scored_steps;      ///< with a reference: the steps scored
  std::vector<double> d_ks;           ///< D_KS at each of them
  int tau = 0;                        ///< argmin D_KS (the last step without a reference)
  double d_ks_best = -1.0;            ///< -1 without a reference
  stats::RankCurves at_tau;           ///< model rank curves at tau
  std::vector<double> q_tau, q_final; ///< maps x sites populations at tau and at the end
  std::vector<double> x, y;           ///< maps x sites positions
  double max_rel_conservation_error = 0.0;  ///< max over maps and steps of |sum Q(t)/sum Q(0) - 1|
  double min_floor_ratio = 0.0;       ///< min over maps, steps of min Q(t) / ((1-lambda)^t min Q(0))
};

/// Where a run stands between two blocks of steps: enough to continue it exactly.
struct EnsembleState {
  int t = 0;                          ///< steps done
  std::vector<double> Q;              ///< maps x sites
  EnsembleResult partial;             ///< the trace, the best so far, the error maxima
};

/// Runs the ensemble; `reference` may be null. `progress(fraction)` is called every few steps,
/// `checkpoint(state)` after every block of steps (the caller decides whether to save it).
/// With `resume`, the run continues from that state (maps and kernels are rebuilt from the
/// seed) and ends with the same bits as an uninterrupted run.
///
/// With a `team`, each member runs its share of the maps (team_share) and the leader gathers
/// every block of steps, scores it, reports progress, checkpoints and returns the result: the
/// same bits as one process. Members pass no reference, callbacks or resume state (the leader
/// broadcasts what they need) and get an empty result.
///
/// With a `device` (a GPU backend) all own maps step together there (batched_maps.hpp); the
/// host keeps the bookkeeping. Equal to the per-map CPU path to round-off (gravity family:
/// f_ij recomputed on the fly, summed in another order), not bitwise.
EnsembleResult run_ensemble(const EnsembleConfig& cfg, const stats::RankCurves* reference,
                            const std::function<void(double)>& progress = {},
                            const EnsembleState* resume = nullptr,
                            const std::function<void(const EnsembleState&)>& checkpoint = {},
                            Team* team = nullptr, Backend* device = nullptr);

stats::RankCurves reference_curves(const std::vector<double>& values, int size, int samples, std::uint64_t seed);
/// The samples behind reference_curves: `samples` sets of `size` indices into n values.
std::vector<std::vector<int>> reference_samples(int n, int size, int samples, std::uint64_t seed);

}  // namespace migra::sim
