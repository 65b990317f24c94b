#include "models/city_mfg/picard_map.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

#include "kernels/core/error.hpp"

namespace migra::mfg {

PicardMap::PicardMap(Backend& backend, const Grid& g, const std::vector<double>& D, const MfgConfig& cfg)
    : N(g.nodes()), NT(cfg.steps()), be_(backend), g_(g), cfg_(cfg), cost_(commuting_costs(cfg.cost, D)),
      balls_(make_balls(g, D, cfg.r, cfg.rent_kernel)) {
  M0w = initial_density(g, cfg.workers.initial);
  M0f = initial_density(g, cfg.firms.initial);
  for (int q = 0; q < N; ++q) {
    MIGRA_THROW_IF_NOT_FMT(M0w[size_t(q)] >= 0.0 && M0f[size_t(q)] >= 0.0, "mfg: an initial density is negative");
    M0w[size_t(q)] *= g.measure[size_t(q)];
    M0f[size_t(q)] *= g.measure[size_t(q)];
  }
  mass_w = std::accumulate(M0w.begin(), M0w.end(), 0.0);
  mass_f = std::accumulate(M0f.begin(), M0f.end(), 0.0);
  MIGRA_THROW_IF_NOT_FMT(mass_w > 0.0 && mass_f > 0.0, "mfg: both populations need positive mass");
}

MfgResult PicardMap::start(const MfgGuess* guess) const {
  MfgResult r;
  r.NT = NT, r.N = N, r.mass_w = mass_w, r.mass_f = mass_f;
  const size_t plane = size_t(N);
  r.Mw.resize(size_t(NT + 1) * plane);
  r.Mf.resize(size_t(NT + 1) * plane);
  for (int n = 0; n <= NT; ++n) {
    std::copy(M0w.begin(), M0w.end(), r.Mw.begin() + long(n) * N);
    std::copy(M0f.begin(), M0f.end(), r.Mf.begin() + long(n) * N);
  }
  if (guess) {
    MIGRA_THROW_IF_NOT_FMT(guess->Mw.size() == r.Mw.size() && guess->Mf.size() == r.Mf.size(),
                           "mfg: the initial guess has %zu / %zu masses, the grid needs %zu", guess->Mw.size(),
                           guess->Mf.size(), r.Mw.size());
    r.Mw = guess->Mw;
    r.Mf = guess->Mf;
  }
  return r;
}

std::vector<double> PicardMap::pack(const std::vector<double>& Mw, const std::vector<double>& Mf) const {
  const size_t plane = size_t(N), rows = size_t(NT) * plane;
  std::vector<double> x(2 * rows);
  std::copy(Mw.begin() + long(plane), Mw.end(), x.begin());
  std::copy(Mf.begin() + long(plane), Mf.end(), x.begin() + long(rows));
  return x;
}

void PicardMap::unpack(const std::vector<double>& x, std::vector<double>& Mw, std::vector<double>& Mf) const {
  const size_t plane = size_t(N), rows = size_t(NT) * plane;
  Mw.resize(rows + plane);
  Mf.resize(rows + plane);
  std::copy(M0w.begin(), M0w.end(), Mw.begin());
  std::copy(M0f.begin(), M0f.end(), Mf.begin());
  std::copy(x.begin(), x.begin() + long(rows), Mw.begin() + long(plane));
  std::copy(x.begin() + long(rows), x.end(), Mf.begin() + long(plane));
}

Sweep PicardMap::operator()(const double* Mw, const double* Mf, const ot::SinkhornResult* warm,
                            const Knobs& knobs) const {
  const size_t plane = size_t(N);
  Sweep s;
  std::optional<MfgConfig> scaled;  // the rents' coefficients, only when the knobs move them
  if (knobs.C != 1.0 || knobs.b != 1.0) {
    scaled = cfg_;
    for (PopulationConfig* p : {&scaled->workers, &scaled->firms}) p->C *= knobs.C, p->b *= knobs.b;
  }
  const MfgConfig& rc = scaled ? *scaled : cfg_;
  if (cfg_.ot_coupling) {
    MarketPotentials mp = market_potentials(be_, g_, cost_, cfg_, Mw, Mf, NT, mass_w, mass_f, warm);
    s.ot = std::move(mp.sinkhorn);
    s.phi_w = std::move(mp.w);
    s.phi_f = std::move(mp.f);
    s.floor_hits = mp.floor_hits;
  } else {
    s.phi_w.assign(size_t(NT) * plane, 0.0);
    s.phi_f.assign(size_t(NT) * plane, 0.0);
  }
  s.Gw.resize(size_t(NT) * plane);
  s.Gf.resize(size_t(NT) * plane);
  std::vector<double> Fw(plane), Ff(plane);
  for (int n = 0; n < NT; ++n) {
    rents(g_, balls_, rc, Mw + size_t(n) * plane, Mf + size_t(n) * plane, Fw.data(), Ff.data());
    for (size_t q = 0; q < plane; ++q) {
      const size_t k = size_t(n) * plane + q;
      s.Gw[k] = s.phi_w[k] + Fw[q];
      s.Gf[k] = s.phi_f[k] + Ff[q];
    }
  }
  Population pw = cfg_.workers.sl, pf = cfg_.firms.sl;
  pw.nu *= knobs.nu;
  pf.nu *= knobs.nu;
  s.Uw = solve_hj(g_, pw, cfg_.controls, cfg_.dt, NT, s.Gw, s.cw);
  s.Uf = solve_hj(g_, pf, cfg_.controls, cfg_.dt, NT, s.Gf, s.cf);
  s.Mw = solve_fp(g_, pw, cfg_.dt, NT, s.cw, M0w);
  s.Mf = solve_fp(g_, pf, cfg_.dt, NT, s.cf, M0f);
  return s;
}

double PicardMap::distance(const double* Aw, const double* Af, const double* Bw, const double* Bf) const {
  double err = 0.0;
  for (int n = 0; n <= NT; ++n) {
    double ew = 0.0, ef = 0.0;
    for (int q = 0; q < N; ++q) {
      const size_t k = size_t(n) * size_t(N) + size_t(q);
      ew += std::fabs(Aw[k] - Bw[k]);
      ef += std::fabs(Af[k] - Bf[k]);
    }
    err = std::max({err, ew / mass_w, ef / mass_f});
  }
  return err;
}

void PicardMap::count(const Sweep& s, MfgResult& r) {
  ++r.sweeps;
  r.ot_iterations += s.ot.iterations;  // 0 without the OT coupling
  r.ot_method = s.ot.method;
}

void PicardMap::keep(Sweep& s, MfgResult& r) {
  r.Uw = std::move(s.Uw);
  r.Uf = std::move(s.Uf);
  r.phi_w = std::move(s.phi_w);
  r.phi_f = std::move(s.phi_f);
  r.G_w = std::move(s.Gw);
  r.G_f = std::move(s.Gf);
  r.controls_w = std::move(s.cw);
  r.controls_f = std::move(s.cf);
  r.saturated = r.controls_w.saturated + r.controls_f.saturated;
}

}  // namespace migra::mfg
