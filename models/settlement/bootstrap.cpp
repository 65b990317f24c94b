#include "models/settlement/bootstrap.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/core/error.hpp"
#include "kernels/lsq/flow_normal.hpp"
#include "models/settlement/batch_fit.hpp"

namespace migra::settle {
namespace {

void record(BootstrapSample& s, size_t r, const FitResult& f) {
  s.gamma[r] = f.params.gamma, s.log_mu[r] = f.params.log_mu, s.r2[r] = f.r2;
  s.iterations[r] = f.iterations;
  if (!f.converged) ++s.not_converged;
}

/// The CPU: one replicate per thread, each an independent fit (no batch waits for its slowest).
void bootstrap_cpu(const FitProblem& p, const FitResult& fit, const std::vector<double>& that,
                   const BootstrapConfig& cfg, BootstrapSample& out, const std::function<void()>& tick) {
  const size_t n = size_t(p.n);
#pragma omp parallel
  {
    std::vector<double> T(n * n), c(n * n);
#pragma omp for schedule(dynamic, 1)
    for (long long rr = 0; rr < (long long)cfg.replicates; ++rr) {
      FitProblem q = p;
      if (cfg.kind == BootstrapKind::Poisson) {
        lsq::poisson_replicates(Exec::cpu(), p.n, 1, std::uint32_t(cfg.first + rr), cfg.seed, that.data(), T.data(), nullptr);
        q.T = T.data();
      } else {
        lsq::pair_counts(Exec::cpu(), p.n, 1, std::uint32_t(cfg.first + rr), cfg.seed, c.data(), nullptr);
        q.weight = c.data();
      }
      const FitResult f = fit_flow_model(q, fit.model, fit.params, cfg.fit);
#pragma omp critical(settle_bootstrap)
      {
        record(out, size_t(rr), f);
        tick();
      }
    }
  }
}

/// A GPU: replicates in chunks sized to the memory budget, drawn on the device and fitted as
/// one batch per chunk (kernels/lsq).
void bootstrap_gpu(Backend& be, const FitProblem& p, const FitResult& fit, const std::vector<double>& that,
                   const BootstrapConfig& cfg, BootstrapSample& out, const std::function<void()>& tick) {
  const size_t n = size_t(p.n), nn = n * n, P = size_t(lsq::FlowShape{p.n, 1, has_gamma(fit.model), has_u(fit.model)}.params());
  const bool pairs = cfg.kind == BootstrapKind::Pairs;
  // Per replicate: T and Tt (and c, ct for pairs), three P×P matrices, small vectors.
  const size_t per = 8 * (2 * nn + (pairs ? 2 * nn : 0) + 3 * P * P + 8 * P + 16);
  const size_t chunk = std::max<size_t>(1, std::min<size_t>({size_t(cfg.replicates), be.memory_budget() / 2 / per, 65535}));
  Buffer<double> d(be, std::vector<double>(p.d, p.d + nn)), log_p(be, std::vector<double>(p.log_p, p.log_p + n));
  Buffer<double> dev_that(be, that);
  Buffer<double> T(be, chunk * nn), Tt(be, chunk * nn), c(be, pairs ? chunk * nn : 0), ct(be, pairs ? chunk * nn : 0);
  if (pairs) {  // every replicate fits the observed flows, weighted by its own pair counts
    std::vector<double> obs_t(nn);
    for (size_t i = 0; i < n; ++i)
      for (size_t k = 0; k < n; ++k) obs_t[k * n + i] = p.T[i * n + k];
    for (size_t b = 0; b < chunk; ++b) {
      be.copy_in(T.data() + b * nn, p.T, nn * sizeof(double));
      be.copy_in(Tt.data() + b * nn, obs_t.data(), nn * sizeof(double));
    }
  }
  for (size_t first = 0; first < size_t(cfg.replicates); first += chunk) {
    const int B = int(std::min(chunk, size_t(cfg.replicates) - first));
    BatchProblems bp{p.n, B, {d.data(), log_p.data(), T.data(), Tt.data(), nullptr, nullptr}};
    if (!pairs) {
      lsq::poisson_replicates(be.exec(), p.n, B, std::uint32_t(cfg.first + first), cfg.seed, dev_that.data(), T.data(),
                              Tt.data());
    } else {
      lsq::pair_counts(be.exec(), p.n, B, std::uint32_t(cfg.first + first), cfg.seed, c.data(), ct.data());
      bp.data.c = c.data(), bp.data.ct = ct.data();
    }
    const std::vector<FitResult> fits = fit_batch(be, fit.model, bp, std::vector<FitParams>(size_t(B), fit.params), cfg.fit);
    for (int b = 0; b < B; ++b) record(out, first + size_t(b), fits[size_t(b)]), tick();
  }
}

}  // namespace

std::vector<BootstrapSample> bootstrap(Backend& be, const FitProblem& p, const std::vector<FitResult>& fits,
                                       const BootstrapConfig& cfg, const std::function<void(int)>& progress) {
  MIGRA_THROW_IF_NOT_FMT(cfg.replicates >= 1, "bootstrap: at least one replicate (got %d)", cfg.replicates);
  MIGRA_THROW_IF_NOT_FMT(size_t(p.n) * size_t(p.n) < (size_t(1) << 32), "bootstrap: too many units (%d)", p.n);
  std::vector<BootstrapSample> out(fits.size());
  int done = 0;
  const auto tick = [&] {
    if (progress) progress(++done);
  };
  for (size_t m = 0; m < fits.size(); ++m) {
    BootstrapSample& s = out[m];
    const size_t B = size_t(cfg.replicates);
    s.model = fits[m].model;
    s.gamma.assign(B, 0.0), s.log_mu.assign(B, 0.0), s.r2.assign(B, 0.0), s.iterations.assign(B, 0);
    const std::vector<double> that =
        cfg.kind == BootstrapKind::Poisson ? model_flows(p, fits[m].model, fits[m].params) : std::vector<double>{};
    if (be.is_gpu()) bootstrap_gpu(be, p, fits[m], that, cfg, s, tick);
    else bootstrap_cpu(p, fits[m], that, cfg, s, tick);
  }
  return out;
}

Interval percentile_interval(std::vector<double> v, double level) {
  Interval iv;
  if (v.empty()) return iv;
  std::sort(v.begin(), v.end());
  double s = 0, ss = 0;
  for (double x : v) s += x;
  iv.mean = s / double(v.size());
  for (double x : v) ss += (x - iv.mean) * (x - iv.mean);
  iv.sd = v.size() > 1 ? std::sqrt(ss / double(v.size() - 1)) : 0.0;
  // Linear interpolation between order statistics (the "type 7" quantile of R and NumPy).
  const auto q = [&](double a) {
    const double h = a * double(v.size() - 1);
    const size_t lo = size_t(std::floor(h));
    return lo + 1 < v.size() ? v[lo] + (h - double(lo)) * (v[lo + 1] - v[lo]) : v[lo];
  };
  iv.lo = q(0.5 * (1 - level));
  iv.hi = q(0.5 * (1 + level));
  return iv;
}

}  // namespace migra::settle
