#include "models/sim_dynamics/ensemble.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <optional>

#include "kernels/core/error.hpp"
#include "kernels/random/philox.hpp"
#include "models/sim_dynamics/batched_maps.hpp"

namespace migra::sim {
namespace {
constexpr int kBlockSteps = 32;  ///< steps a map runs alone before the ensemble is scored
}  // namespace

std::vector<std::vector<int>> reference_samples(int n, int size, int samples, std::uint64_t seed) {
  MIGRA_THROW_IF_NOT_FMT(size >= 1 && size <= n, "reference: cannot sample %d of %d values without replacement",
                         size, n);
  MIGRA_THROW_IF_NOT_FMT(samples >= 1, "reference: samples must be >= 1, got %d", samples);
  std::vector<std::vector<int>> out(static_cast<std::size_t>(samples));
  std::vector<int> pool(static_cast<std::size_t>(n));
  for (int s = 0; s < samples; ++s) {
    std::iota(pool.begin(), pool.end(), 0);
    for (int k = 0; k < size; ++k) {  // partial Fisher-Yates: pool[k] <- a uniform pick of pool[k..n)
      const double u = rng::uniforms(seed, rng::Stream::Sample, std::uint32_t(s), std::uint32_t(k), 0).u[0];
      const int pick = k + std::min(n - k - 1, int(u * (n - k)));
      std::swap(pool[std::size_t(k)], pool[std::size_t(pick)]);
    }
    out[std::size_t(s)].assign(pool.begin(), pool.begin() + size);
  }
  return out;
}

stats::RankCurves reference_curves(const std::vector<double>& values, int size, int samples, std::uint64_t seed) {
  const auto sets = reference_samples(int(values.size()), size, samples, seed);
  std::vector<double> drawn;
  for (const auto& set : sets)
    for (int i : set) drawn.push_back(values[std::size_t(i)]);
  return stats::rank_curves(drawn, samples, size);
}

EnsembleResult run_ensemble(const EnsembleConfig& cfg, const stats::RankCurves* reference,
                            const std::function<void(double)>& progress, const EnsembleState* resume,
                            const std::function<void(const EnsembleState&)>& checkpoint, Team* team,
                            Backend* device) {
  const int B = cfg.maps, n = cfg.map.sites;
  MIGRA_THROW_IF_NOT_FMT(B >= 1 && n >= 2, "an ensemble needs >= 1 map of >= 2 sites (got %d maps of %d)", B, n);
  MIGRA_THROW_IF_NOT_FMT(cfg.steps >= 0 && cfg.score_every >= 1, "steps must be >= 0 and score-every >= 1");
  const bool leader = !team || team->rank() == 0;
  const auto [m0, m1] = team ? team_share(B, team->rank(), team->size()) : std::pair<int, int>(0, B);
  const int own = m1 - m0;  // this process's maps: m0 .. m1-1
  if (reference)
    MIGRA_THROW_IF_NOT_FMT(int(reference->mean.size()) == n, "the reference curve has %zu ranks, the maps %d sites",
                           reference->mean.size(), n);
  if (resume)
    MIGRA_THROW_IF_NOT_FMT(resume->Q.size() == std::size_t(B) * std::size_t(n) && resume->t % kBlockSteps == 0 &&
                               resume->t <= cfg.steps,
                           "checkpoint does not fit this ensemble (%zu values at step %d)", resume->Q.size(), resume->t);

  // The leader tells the members whether steps are scored and where the run starts.
  bool scoring = reference != nullptr;
  int start = resume ? resume->t : 0;
  std::vector<double> resumed;  // a member's copy of the checkpoint's populations
  if (team) {
    std::string header;
    if (leader) {
      const double h[3] = {scoring ? 1.0 : 0.0, double(start), resume ? 1.0 : 0.0};
      append_doubles(header, h, 3);
      if (resume) append_doubles(header, resume->Q.data(), resume->Q.size());
    }
    team->broadcast(header);
    if (!leader) {
      double h[3];
      const std::size_t at = read_doubles(header, 0, h, 3);
      scoring = h[0] != 0;
      start = int(h[1]);
      if (h[2] != 0) resumed.resize(std::size_t(B) * std::size_t(n)), read_doubles(header, at, resumed.data(), resumed.size());
    }
  }
  const std::vector<double>* resumed_q = resume ? &resume->Q : resumed.empty() ? nullptr : &resumed;
  // Checked after the broadcast: a member that fails here still took the leader's message.
  const bool batched = device != nullptr;
  if (batched) {
    const std::size_t need = std::size_t(own) * BatchedMaps::bytes_per_map(cfg.dynamics, n);
    if (need > device->memory_budget())  // the scheduler then moves the task to the CPU
      throw CudaOutOfMemory(std::to_string(own) + " maps of " + std::to_string(n) + " sites need " +
                            std::to_string(need) + " bytes on " + device->name() + ", over its budget");
  } else {
    const std::size_t need = std::size_t(own) * MapDynamics::bytes_per_map(cfg.dynamics, n);
    MIGRA_THROW_IF_NOT_FMT(need <= cfg.memory_budget,
                           "%d maps of %d sites need %.2f GB of precomputed kernels, over the %.2f GB budget",
                           own, n, need / 1e9, cfg.memory_budget / 1e9);
  }

  EnsembleResult r;
  const std::size_t N = std::size_t(n);
  std::vector<double> Q(std::size_t(own) * N), x(Q.size()), y(Q.size());
  std::vector<double> total0(static_cast<std::size_t>(own)), min0(static_cast<std::size_t>(own));
  std::vector<std::unique_ptr<MapDynamics>> dyn(static_cast<std::size_t>(own));
#pragma omp parallel for schedule(dynamic, 1)
  for (int m = 0; m < own; ++m) {
    const RandomMap map = make_map(cfg.map, cfg.seed, m0 + m);
    const std::size_t o = std::size_t(m) * N;
    std::copy(map.q.begin(), map.q.end(), Q.begin() + std::ptrdiff_t(o));
    std::copy(map.x.begin(), map.x.end(), x.begin() + std::ptrdiff_t(o));
    std::copy(map.y.begin(), map.y.end(), y.begin() + std::ptrdiff_t(o));
    total0[std::size_t(m)] = std::accumulate(map.q.begin(), map.q.end(), 0.0);
    min0[std::size_t(m)] = *std::min_element(map.q.begin(), map.q.end());
    if (!batched)
      dyn[std::size_t(m)] = std::make_unique<MapDynamics>(cfg.dynamics, map.x, map.y, total0[std::size_t(m)]);
  }
  std::optional<BatchedMaps> together;  // the batched path: every own map in each launch
  if (batched) together.emplace(*device, cfg.dynamics, own, n, x, y, total0);
  // The leader's view of all B maps: r.x, r.y, and `all`, the populations now (in a team
  // gathered into Q_all after every block; alone, Q itself).
  std::vector<double> Q_all;
  const std::vector<double>& all = team ? Q_all : Q;
  if (team) {
    gather_rows(*team, B, N, 1, x, r.x);
    gather_rows(*team, B, N, 1, y, r.y);
    if (!resumed_q) gather_rows(*team, B, N, 1, Q, Q_all);  // every member knows whether it resumes
  } else {
    r.x = std::move(x);
    r.y = std::move(y);
  }
  if (resumed_q) {
    std::copy(resumed_q->begin() + std::ptrdiff_t(std::size_t(m0) * N),
              resumed_q->begin() + std::ptrdiff_t(std::size_t(m1) * N), Q.begin());
    if (team && leader) Q_all = *resumed_q;
  }
  if (together) together->upload(Q.data());

  const auto score = [&](int t, const std::vector<double>& q) {
    if (!reference) return;
    const double d = stats::ks_two_sample(stats::rank_mean(q, B, n), reference->mean);
    r.scored_steps.push_back(t);
    r.d_ks.push_back(d);
    if (r.d_ks_best < 0 || d < r.d_ks_best) {
      r.d_ks_best = d;
      r.tau = t;
      r.q_tau = q;
    }
  };
  if (leader && resume) {
    std::vector<double> xs = std::move(r.x), ys = std::move(r.y);
    r = resume->partial;
    r.x = std::move(xs);
    r.y = std::move(ys);
  } else if (leader) {
    score(0, all);
    r.min_floor_ratio = 1.0;
  }
  // Temporal blocking: each map runs a block of steps on its own while its kernel (a few MB)
  // stays in cache, saving the populations of the scored steps; the block is then scored in
  // step order. Same arithmetic per map as step-by-step lockstep, so the same bits. In a team,
  // the leader gathers each block's snapshots and populations and scores them alone.
  std::vector<int> block_scored;
  std::vector<double> snapshots, snapshots_all;
  for (int t0 = start; t0 < cfg.steps; t0 += kBlockSteps) {
    const int t1 = std::min(cfg.steps, t0 + kBlockSteps);
    block_scored.clear();
    for (int t = t0 + 1; t <= t1; ++t)
      if (scoring && (t % cfg.score_every == 0 || t == cfg.steps)) block_scored.push_back(t);
    snapshots.resize(block_scored.size() * Q.size());
    std::vector<int> slot_of(std::size_t(t1 - t0), -1);  // step t0 + 1 + k -> its snapshot, or -1
    for (std::size_t k = 0; k < block_scored.size(); ++k) slot_of[std::size_t(block_scored[k] - t0 - 1)] = int(k);
    std::vector<double> drift(std::size_t(own), 0.0), floor_ratio(std::size_t(own), 1.0);
    // After map m reached step t: its conservation error, its floor ratio, its snapshot.
    const auto observe = [&](int m, int t, const double* q) {
      const std::size_t mm = std::size_t(m);
      double total = 0.0, lo = q[0];
      for (std::size_t i = 0; i < N; ++i) total += q[i], lo = std::min(lo, q[i]);
      drift[mm] = std::max(drift[mm], std::fabs(total / total0[mm] - 1.0));
      if (min0[mm] > 0) floor_ratio[mm] = std::min(floor_ratio[mm], lo / (std::pow(1.0 - cfg.dynamics.lambda, t) * min0[mm]));
      if (const int k = slot_of[std::size_t(t - t0 - 1)]; k >= 0)
        std::copy(q, q + N, snapshots.begin() + std::ptrdiff_t(std::size_t(k) * Q.size() + mm * N));
    };
    if (together) {
      for (int t = t0 + 1; t <= t1; ++t) {
        together->step();
        together->download(Q.data());
#pragma omp parallel for schedule(static)
        for (int m = 0; m < own; ++m) observe(m, t, Q.data() + std::size_t(m) * N);
      }
    } else {
#pragma omp parallel for schedule(dynamic, 1)
      for (int m = 0; m < own; ++m) {
        double* q = Q.data() + std::size_t(m) * N;
        for (int t = t0 + 1; t <= t1; ++t) {
          dyn[std::size_t(m)]->step(q);
          observe(m, t, q);
        }
      }
    }
    double worst_drift = 0.0, worst_floor = 1.0;
    for (int m = 0; m < own; ++m)
      worst_drift = std::max(worst_drift, drift[std::size_t(m)]), worst_floor = std::min(worst_floor, floor_ratio[std::size_t(m)]);
    if (team) {
      std::vector<double> extremes = {worst_drift, worst_floor}, all_extremes;
      gather_rows(*team, team->size(), 2, 1, extremes, all_extremes);  // one "item" per member
      gather_rows(*team, B, N, block_scored.size(), snapshots, snapshots_all);
      gather_rows(*team, B, N, 1, Q, Q_all);
      if (!leader) continue;
      for (std::size_t k = 0; k < all_extremes.size(); k += 2)
        worst_drift = std::max(worst_drift, all_extremes[k]), worst_floor = std::min(worst_floor, all_extremes[k + 1]);
    }
    const std::vector<double>& snaps = team ? snapshots_all : snapshots;
    r.max_rel_conservation_error = std::max(r.max_rel_conservation_error, worst_drift);
    r.min_floor_ratio = std::min(r.min_floor_ratio, worst_floor);
    std::vector<double> q(all.size());
    for (std::size_t k = 0; k < block_scored.size(); ++k) {
      std::copy(snaps.begin() + std::ptrdiff_t(k * q.size()), snaps.begin() + std::ptrdiff_t((k + 1) * q.size()),
                q.begin());
      score(block_scored[k], q);
    }
    if (progress) progress(double(t1) / cfg.steps);
    if (checkpoint && t1 < cfg.steps && t1 % kBlockSteps == 0) {
      EnsembleState state{t1, all, r};
      state.partial.x.clear();
      state.partial.y.clear();
      checkpoint(state);
    }
  }
  if (!leader) return {};
  r.q_final = all;
  if (!reference) {
    r.tau = cfg.steps;
    r.q_tau = all;
  }
  r.at_tau = stats::rank_curves(r.q_tau, B, n);
  return r;
}

}  // namespace migra::sim
