#include "models/sim_dynamics/static_flows.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/core/error.hpp"
#include "kernels/flows/opportunity.hpp"
#include "kernels/flows/pair_ops.hpp"
#include "kernels/stats/minimize.hpp"

namespace migra::sim {
namespace {

using flows::Constraint;

/// Observed flows as dense rows on demand (CSR by origin).
class ObservedRows {
 public:
  ObservedRows(const std::vector<ObservedFlow>& obs, int n) : start_(size_t(n) + 1, 0) {
    for (const auto& f : obs) ++start_[size_t(f.origin) + 1];
    std::partial_sum(start_.begin(), start_.end(), start_.begin());
    entries_.resize(obs.size());
    std::vector<size_t> fill(start_.begin(), start_.end() - 1);
    for (const auto& f : obs) entries_[fill[size_t(f.origin)]++] = {f.destination, f.flow};
  }
  void dense(int r0, int r1, int n, std::vector<double>& out) const {
    out.assign(size_t(r1 - r0) * size_t(n), 0.0);
    for (int i = r0; i < r1; ++i)
      for (size_t e = start_[size_t(i)]; e < start_[size_t(i) + 1]; ++e)
        out[size_t(i - r0) * size_t(n) + size_t(entries_[e].first)] += entries_[e].second;
  }

 private:
  std::vector<size_t> start_;
  std::vector<std::pair<int, double>> entries_;
};

bool in_scope(const StaticFlowConfig& cfg, int i, int j) { return cfg.self_flows || i != j; }

/// Produces the model's rows for one parameter value on the backend.
class Evaluator {
 public:
  Evaluator(Backend& be, const Sites& s, const StaticFlowConfig& cfg, std::vector<double> O,
            std::vector<double> D)
      : be_(be), cfg_(cfg), n_(s.size()), m_host_(s.population), O_(std::move(O)),
        D_(std::move(D)), x_(be, s.x), y_(be, s.y), m_(be, s.population), a_(be, size_t(n_)),
        b_(be, size_t(n_)) {
    coords_ = flows::Coords{x_.data(), y_.data(), n_, s.metric};
    const std::size_t row_bytes = std::size_t(n_) * sizeof(double);
    block_rows_ = int(std::clamp<std::size_t>(be.memory_budget() / 4 / row_bytes, 1, size_t(n_)));
    out_ = Buffer<double>(be, size_t(block_rows_) * size_t(n_));
    if (is_opportunity()) O_dev_ = Buffer<double>(be, O_);
  }

  bool is_opportunity() const {
    return cfg_.model == FlowModel::Radiation || cfg_.model == FlowModel::InterveningOpportunities;
  }
  int block_rows() const { return block_rows_; }

  /// Sets the parameter (beta/alpha, or L) and computes the balancing factors.
  void prepare(double param, const ObservedRows* obs, double observed_total) {
    param_ = param;
    if (is_opportunity()) return;
    const flows::PairKernel K = kernel(param);
    switch (cfg_.model) {
      case FlowModel::TwoTrip: {
        // Q_eff_j = sum_k m_k exp(-gamma d_jk), self included (paper 004 eq. 3.4)
        const flows::PairKernel G{coords_, {flows::Deterrence::Exp, cfg_.gamma, 0.0}, false};
        flows::pair_rowsum(be_.exec(), G, m_.data(), a_.data());  // a_ as scratch for Q_eff
        balance_ = flows::gravity_balance(be_, K, O_, a_.to_host(), Constraint::Production,
                                          cfg_.balance);
        break;
      }
      default: {
        // the unconstrained side of a singly constrained model is the population
        const Constraint c = cfg_.constraint;
        const bool rows_fixed = c == Constraint::Production || c == Constraint::Doubly;
        const bool cols_fixed = c == Constraint::Attraction || c == Constraint::Doubly;
        balance_ = flows::gravity_balance(be_, K, rows_fixed ? O_ : m_host_,
                                          cols_fixed ? D_ : m_host_, c, cfg_.balance);
      }
    }
    K_scale_ = 1.0;
    if (cfg_.model == FlowModel::Gravity && cfg_.constraint == Constraint::None && obs) {
      // Poisson ML scale: K = sum T / sum m_i m_j f_ij over the scored pairs
      flows::pair_rowsum(be_.exec(), K, m_.data(), b_.data());  // b_ as scratch: z = F m
      const std::vector<double> zh = b_.to_host();
      double denom = 0.0;
      for (int i = 0; i < n_; ++i) denom += m_host_[size_t(i)] * zh[size_t(i)];
      MIGRA_THROW_IF_NOT_FMT(denom > 0, "gravity: every deterrence term is 0");
      K_scale_ = observed_total / denom;
      for (double& v : balance_.a) v *= K_scale_;
    }
    a_.upload(balance_.a.data());
    b_.upload(balance_.b.data());
  }

  /// Rows [r0, r1) into host memory (r1 - r0 <= block_rows()).
  void rows(int r0, int r1, double* host) {
    if (is_opportunity()) {
      flows::OpportunityParams p;
      p.model = cfg_.model == FlowModel::InterveningOpportunities
                    ? flows::OpportunityModel::Schneider
                    : (cfg_.radiation_literal ? flows::OpportunityModel::RadiationLiteral
                                              : flows::OpportunityModel::Radiation);
      p.L = param_;
      flows::opportunity_fill(be_.exec(), coords_, m_.data(), O_dev_.data(), p, r0, r1,
                              out_.data());
    } else {
      flows::pair_fill(be_.exec(), kernel(param_), a_.data(), b_.data(), r0, r1, out_.data());
    }
    be_.copy_out(host, out_.data(), size_t(r1 - r0) * size_t(n_) * sizeof(double));
  }

  const flows::GravityBalance& balance() const { return balance_; }
  double K_scale() const { return K_scale_; }

 private:
  flows::PairKernel kernel(double param) const {
    return {coords_, {cfg_.deterrence, param, cfg_.min_distance}, !cfg_.self_flows};
  }

  Backend& be_;
  const StaticFlowConfig& cfg_;
  int n_;
  std::vector<double> m_host_, O_, D_;
  Buffer<double> x_, y_, m_, a_, b_, O_dev_, out_;
  flows::Coords coords_;
  int block_rows_ = 1;
  double param_ = 0.0, K_scale_ = 1.0;
  flows::GravityBalance balance_;
};

/// Calls visit(r0, r1, model_rows, observed_rows_or_null) over all row blocks.
template <class Visit>
void for_blocks(Evaluator& ev, int n, const ObservedRows* obs, Visit&& visit) {
  std::vector<double> rows(size_t(ev.block_rows()) * size_t(n)), orows;
  for (int r0 = 0; r0 < n; r0 += ev.block_rows()) {
    const int r1 = std::min(n, r0 + ev.block_rows());
    ev.rows(r0, r1, rows.data());
    if (obs) obs->dense(r0, r1, n, orows);
    visit(r0, r1, rows.data(), obs ? orows.data() : nullptr);
  }
}

/// Poisson deviance sum [T^ - T log T^] over the scored pairs (constant terms dropped).
double deviance(Evaluator& ev, const StaticFlowConfig& cfg, int n, const ObservedRows& obs) {
  double dev = 0.0;
  for_blocks(ev, n, &obs, [&](int r0, int r1, const double* t, const double* o) {
    for (int i = r0; i < r1; ++i)
      for (int j = 0; j < n; ++j) {
        if (!in_scope(cfg, i, j)) continue;
        const size_t k = size_t(i - r0) * size_t(n) + size_t(j);
        if (o[k] > 0.0) {
          if (!(t[k] > 0.0)) {
            dev = HUGE_VAL;
            return;
          }
          dev -= o[k] * std::log(t[k]);
        }
        dev += t[k];
      }
  });
  return dev;
}

void check_sites(const Sites& s) {
  MIGRA_THROW_IF_NOT_FMT(s.size() >= 2, "at least 2 sites are needed, got %d", s.size());
  MIGRA_THROW_IF_NOT_FMT(s.x.size() == s.population.size() && s.y.size() == s.population.size(),
                         "sites: %zu populations but %zu x and %zu y", s.population.size(),
                         s.x.size(), s.y.size());
  for (int i = 0; i < s.size(); ++i)
    MIGRA_THROW_IF_NOT_FMT(std::isfinite(s.population[size_t(i)]) && s.population[size_t(i)] >= 0,
                           "site %d: population must be finite and >= 0", i);
}

double default_parameter(const StaticFlowConfig& cfg, double total_mass) {
  if (cfg.model == FlowModel::InterveningOpportunities) return 1.0 / total_mass;
  if (cfg.deterrence == flows::Deterrence::Power) return 2.0;
  return cfg.model == FlowModel::TwoTrip ? 0.025 : 0.023;
}

}  // namespace

StaticFlowResult run_static_flows(Backend& backend, const Sites& sites, const StaticFlowConfig& cfg_in,
                                  const std::vector<ObservedFlow>* observed, const RowSink& sink,
                                  const std::function<void(double)>& progress) {
  check_sites(sites);
  StaticFlowConfig cfg = cfg_in;
  if (cfg.model == FlowModel::Radiation && cfg.radiation_literal) cfg.self_flows = true;
  const int n = sites.size();
  const double total_mass = std::accumulate(sites.population.begin(), sites.population.end(), 0.0);
  MIGRA_THROW_IF_NOT_FMT(total_mass > 0, "the total population is 0");

  // Margins: observed out/in-flows over the scored pairs, else the populations.
  std::vector<double> O = sites.population, D = sites.population;
  std::optional<ObservedRows> obs;
  double observed_total = 0.0;
  if (observed) {
    std::fill(O.begin(), O.end(), 0.0);
    std::fill(D.begin(), D.end(), 0.0);
    for (const auto& f : *observed) {
      MIGRA_THROW_IF_NOT_FMT(f.origin >= 0 && f.origin < n && f.destination >= 0 &&
                                 f.destination < n && std::isfinite(f.flow) && f.flow >= 0,
                             "observed flow %d -> %d (%g) is invalid", f.origin, f.destination,
                             f.flow);
      if (!in_scope(cfg, f.origin, f.destination)) continue;
      O[size_t(f.origin)] += f.flow;
      D[size_t(f.destination)] += f.flow;
      observed_total += f.flow;
    }
    MIGRA_THROW_IF_NOT_FMT(observed_total > 0, "the observed flows sum to 0 over the scored pairs");
    obs.emplace(*observed, n);
  }

  Evaluator ev(backend, sites, cfg, O, D);
  StaticFlowResult res;
  res.n = n;
  const bool is_io = cfg.model == FlowModel::InterveningOpportunities;
  const bool has_param = cfg.model != FlowModel::Radiation;
  std::optional<double> given = is_io ? cfg.L : cfg.beta;
  double param = 0.0;
  if (has_param) {
    if (given) {
      param = *given;
      MIGRA_THROW_IF_NOT_FMT(param >= 0 && std::isfinite(param), "the %s parameter must be >= 0",
                             is_io ? "L" : "deterrence");
    } else if (obs) {
      double lo = 1e-6, hi = 1e2;  // beta per distance unit
      if (cfg.deterrence == flows::Deterrence::Power) lo = 1e-3, hi = 20.0;
      if (is_io) lo = 1e-4 / total_mass, hi = 1e4 / total_mass;
      const auto objective = [&](double p) {
        try {
          ev.prepare(p, &*obs, observed_total);
          return deviance(ev, cfg, n, *obs);
        } catch (const CudaError&) {
          throw;
        } catch (const Error&) {
          return HUGE_VAL;  // infeasible (e.g. every term underflowed): not the optimum
        }
      };
      const stats::ScalarMinimum best = stats::minimize_log_golden(objective, lo, hi, 1e-7);
      param = best.x;
      res.fit = {true,
                 is_io ? "L" : (cfg.deterrence == flows::Deterrence::Power ? "alpha" : "beta"),
                 best.x, best.fx, best.evaluations, best.at_bound};
    } else {
      param = default_parameter(cfg, total_mass);
    }
    (is_io ? res.L : res.beta) = param;
  }

  ev.prepare(param, obs ? &*obs : nullptr, observed_total);
  res.balance = ev.balance();
  res.K = ev.K_scale();
  stats::FlowMetricsAccumulator acc;
  for_blocks(ev, n, obs ? &*obs : nullptr, [&](int r0, int r1, const double* t, const double* o) {
    for (int i = r0; i < r1; ++i)
      for (int j = 0; j < n; ++j) {
        const size_t k = size_t(i - r0) * size_t(n) + size_t(j);
        res.total_flow += t[k];
        if (o && in_scope(cfg, i, j)) acc.add(o[k], t[k]);
      }
    sink(r0, r1, t);
    ++res.row_blocks;
    if (progress) progress(double(r1) / n);
  });
  if (obs) res.metrics = acc.metrics();
  return res;
}

}  // namespace migra::sim
