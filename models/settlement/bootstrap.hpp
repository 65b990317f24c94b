#pragma once
/// Bootstrap confidence intervals for the flow models' parameters (spec §5 item 13; the paper
/// reports none). Every replicate is a full least-squares fit, warm-started at the fit to the
/// data; replicates are independent and run in parallel.
///
///   poisson (parametric): T*_ik ~ Poisson(That_ik) of the model's own fit
///   pairs (non-parametric): the N(N−1) OD pairs resampled with replacement, i.e. the fit
///                           weighted by pair multiplicities c ~ Multinomial(N(N−1), uniform)
///
/// Draws come from Philox (seed, Stream::Bootstrap, replicate, pair): a replicate's data do not
/// depend on the backend, the thread count or on which other replicates run.
#include <cstdint>
#include <functional>
#include <vector>

#include "kernels/core/backend.hpp"
#include "models/settlement/flow_fit.hpp"

namespace migra::settle {

enum class BootstrapKind { Poisson, Pairs };

struct BootstrapConfig {
  int replicates = 1000;
  int first = 0;  ///< index of the first replicate: chunks of a long bootstrap draw what one call would
  BootstrapKind kind = BootstrapKind::Poisson;
  std::uint64_t seed = 0;
  FitConfig fit;
};

struct BootstrapSample {
  FlowModel model = FlowModel::Extended;
  std::vector<double> gamma, log_mu, r2;
  std::vector<int> iterations;
  int not_converged = 0;
};

/// Replicates of the models in `fits` (each warm-started at its own fit) on `backend`: the CPU
/// fits one replicate per thread; a GPU draws and fits chunks of replicates as batches
/// (batch_fit.hpp). `progress` gets the number of finished fits (one thread at a time).
std::vector<BootstrapSample> bootstrap(Backend& backend, const FitProblem& p, const std::vector<FitResult>& fits,
                                       const BootstrapConfig& cfg,
                                       const std::function<void(int)>& progress = nullptr);

/// Mean, standard deviation and the central `level` percentile interval of a sample.
struct Interval {
  double mean = 0, sd = 0, lo = 0, hi = 0;
};
Interval percentile_interval(std::vector<double> v, double level = 0.95);

}  // namespace migra::settle
