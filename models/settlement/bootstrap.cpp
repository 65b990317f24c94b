#include "models/settlement/bootstrap.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/core/error.hpp"
#include "kernels/random/poisson.hpp"

namespace migra::settle {
void draw_replicate(const FitProblem& p, const std::vector<double>& that, BootstrapKind kind, std::uint64_t seed,
                    std::uint32_t r, std::vector<double>& T, std::vector<double>& c) {
  const size_t n = size_t(p.n);
  if (kind == BootstrapKind::Poisson) {
    for (size_t q = 0; q < n * n; ++q) {
      rng::UniformStream us(seed, rng::Stream::Bootstrap, r, std::uint32_t(q));
      T[q] = q / n == q % n ? 0.0 : rng::poisson(that[q], us);
    }
    return;
  }
  std::fill(c.begin(), c.end(), 0.0);
  const size_t pairs = n * (n - 1);
  for (size_t draw = 0; draw < pairs; ++draw) {
    const double u = rng::uniforms(seed, rng::Stream::Bootstrap, r, std::uint32_t(draw), 0).u[0];
    const size_t q = std::min(pairs - 1, size_t(u * double(pairs)));  // q-th off-diagonal pair
    const size_t i = q / (n - 1), j = q % (n - 1);
    c[i * n + (j < i ? j : j + 1)] += 1;
  }
}

std::vector<BootstrapSample> bootstrap(const FitProblem& p, const std::vector<FitResult>& fits,
                                       const BootstrapConfig& cfg, const std::function<void(int)>& progress) {
  MIGRA_THROW_IF_NOT_FMT(cfg.replicates >= 1, "bootstrap: at least one replicate (got %d)", cfg.replicates);
  MIGRA_THROW_IF_NOT_FMT(size_t(p.n) * size_t(p.n) < (size_t(1) << 32), "bootstrap: too many units (%d)", p.n);
  const size_t n = size_t(p.n), B = size_t(cfg.replicates);
  std::vector<BootstrapSample> out(fits.size());
  std::vector<std::vector<double>> thats(fits.size());
  for (size_t m = 0; m < fits.size(); ++m) {
    out[m].model = fits[m].model;
    out[m].gamma.assign(B, 0.0), out[m].log_mu.assign(B, 0.0), out[m].r2.assign(B, 0.0);
    out[m].iterations.assign(B, 0);
    if (cfg.kind == BootstrapKind::Poisson) thats[m] = model_flows(p, fits[m].model, fits[m].params);
  }
  std::vector<char> converged(B * fits.size(), 1);
  int done = 0;
#pragma omp parallel
  {
    std::vector<double> T(n * n), c(n * n);
#pragma omp for schedule(dynamic, 1)
    for (long long rr = 0; rr < (long long)B; ++rr) {
      const size_t r = size_t(rr);
      for (size_t m = 0; m < fits.size(); ++m) {
        FitProblem q = p;
        if (cfg.kind == BootstrapKind::Poisson) {
          draw_replicate(p, thats[m], cfg.kind, cfg.seed, std::uint32_t(r), T, c);
          q.T = T.data();
        } else {
          if (m == 0) draw_replicate(p, {}, cfg.kind, cfg.seed, std::uint32_t(r), T, c);
          q.weight = c.data();
        }
        const FitResult f = fit_flow_model(q, fits[m].model, fits[m].params, cfg.fit);
        out[m].gamma[r] = f.params.gamma, out[m].log_mu[r] = f.params.log_mu, out[m].r2[r] = f.r2;
        out[m].iterations[r] = f.iterations;
        converged[r * fits.size() + m] = f.converged;
      }
#pragma omp critical(settle_bootstrap_progress)
      if (progress) progress(++done);
    }
  }
  for (size_t r = 0; r < B; ++r)
    for (size_t m = 0; m < fits.size(); ++m) out[m].not_converged += converged[r * fits.size() + m] ? 0 : 1;
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
