#include "models/sim_dynamics/dynamics.hpp"

#include <cmath>

#include "kernels/core/error.hpp"
#include "kernels/dynamics/opportunity_row.hpp"
#include "kernels/flows/opportunity.hpp"

namespace migra::sim {
namespace {

/// Two-Trip's G_jk = exp(-gamma r_jk) is dropped below this: the omitted mass relative to
/// Q_eff_j >= Q_j is then < 1e-20 Q_k / Q_j, far below round-off for any population ratio
/// the dynamics reach.
constexpr double kTwoTripCutoff = 1e-20;
/// gamma r above this gives exp(-gamma r) < 1e-20 for certain (-log 1e-20 = 46.0517), so
/// such pairs are dropped without evaluating the exp; below it the exp decides. Most pairs of
/// a paper-size map (gamma = 1, sites ~30 apart) are beyond it.
constexpr double kTwoTripCutoffExponent = 46.06;

}  // namespace

bool gravity_family(DynamicsModel m) {
  return m == DynamicsModel::Gravity || m == DynamicsModel::Retail || m == DynamicsModel::TwoTrip;
}

flows::OpportunityModel opportunity_model(const DynamicsParams& p) {
  return p.model == DynamicsModel::InterveningOpportunities ? flows::OpportunityModel::Schneider
         : p.radiation_literal                              ? flows::OpportunityModel::RadiationLiteral
                                                            : flows::OpportunityModel::Radiation;
}

double schneider_L(const DynamicsParams& p, double total_population) { return p.L > 0 ? p.L : 1.0 / total_population; }

std::size_t MapDynamics::bytes_per_map(const DynamicsParams& p, int n) {
  const std::size_t nn = std::size_t(n) * std::size_t(n);
  return gravity_family(p.model) ? nn / 2 * sizeof(double) * (p.model == DynamicsModel::TwoTrip ? 2 : 1)
                                 : nn * (sizeof(std::uint32_t) + 1);
}

MapDynamics::MapDynamics(const DynamicsParams& p, const std::vector<double>& x, const std::vector<double>& y,
                         double total_population)
    : p_(p), n_(int(x.size())) {
  MIGRA_THROW_IF_NOT_FMT(p.lambda > 0 && p.lambda <= 1, "lambda must be in (0, 1], got %g", p.lambda);
  if (p_.model == DynamicsModel::InterveningOpportunities) p_.L = schneider_L(p_, total_population);
  const flows::Coords c{x.data(), y.data(), n_, flows::Metric::Euclidean};
  const std::size_t n = std::size_t(n_);
  if (gravity_family(p_.model)) {
    F_.resize(n * (n + 1) / 2);  // the upper triangle, row by row: f_ij, j >= i
    for (int i = 0; i < n_; ++i) {
      double* row = F_.data() + packed_row(i);
      for (int j = i; j < n_; ++j) row[j] = (i == j && p_.exclude_self) ? 0.0 : std::exp(-p_.beta * c.distance(i, j));
    }
    if (p_.model == DynamicsModel::TwoTrip) {
      g_start_.push_back(0);
      for (int j = 0; j < n_; ++j) {
        for (int k = 0; k < n_; ++k) {
          const double gr = p_.gamma * c.distance(j, k);
          if (gr > kTwoTripCutoffExponent && k != j) continue;
          const double g = std::exp(-gr);
          if (g > kTwoTripCutoff || k == j) {
            g_col_.push_back(k);
            g_val_.push_back(g);
          }
        }
        g_start_.push_back(int(g_col_.size()));
      }
    }
  } else {
    order_ = flows::build_neighbour_order(c);
    row_.resize(n);
  }
  D_.resize(n);
  Z_.resize(n);
  w_.resize(n);
  in_.resize(n);
  out_.resize(n);
}

void MapDynamics::gravity_flows(const double* Q, double* in, double* out) {
  const std::size_t n = std::size_t(n_);
  // D: the attractiveness
  for (std::size_t j = 0; j < n; ++j) {
    if (p_.model == DynamicsModel::Retail) D_[j] = std::pow(Q[j], 1.0 + p_.epsilon);
    else if (p_.model == DynamicsModel::Gravity) D_[j] = Q[j];
    else {
      double s = 0.0;
      for (int e = g_start_[j]; e < g_start_[j + 1]; ++e) s += g_val_[std::size_t(e)] * Q[g_col_[std::size_t(e)]];
      D_[j] = s;
    }
  }
  // Z = F D, then y = F w with w_i = Q_i / Z_i (= A_i Q_i); out_i = w_i Z_i, in_j = D_j y_j.
  // F is symmetric and stored as its upper triangle, so each product reads half the matrix:
  // row i contributes f_ij v_j to (F v)_i and f_ij v_i to (F v)_j.
  symmetric_product(D_.data(), Z_.data());
  for (std::size_t i = 0; i < n; ++i) {
    w_[i] = Z_[i] > 0.0 ? Q[i] / Z_[i] : 0.0;
    out[i] = w_[i] * Z_[i];
  }
  symmetric_product(w_.data(), in);
  for (std::size_t j = 0; j < n; ++j) in[j] *= D_[j];
}

void MapDynamics::symmetric_product(const double* v, double* out) const {
  const int n = n_;
  for (int i = 0; i < n; ++i) out[i] = 0.0;
  for (int i = 0; i < n; ++i) {
    const double* f = F_.data() + packed_row(i);  // f[j] = f_ij for j >= i
    const double vi = v[i];
    double acc = f[i] * vi;
#pragma omp simd reduction(+ : acc)
    for (int j = i + 1; j < n; ++j) {
      acc += f[j] * v[j];
      out[j] += f[j] * vi;
    }
    out[i] += acc;
  }
}

void MapDynamics::opportunity_flows(const double* Q, double* in, double* out) {
  const flows::OpportunityModel model = opportunity_model(p_);
  const std::size_t n = std::size_t(n_);
  for (int j = 0; j < n_; ++j) in[j] = 0.0;
  for (int i = 0; i < n_; ++i) {
    const std::uint32_t* idx = order_.index.data() + std::size_t(i) * n;
    const std::uint8_t* tie = order_.tied.data() + std::size_t(i) * n;
    out[i] = dynamics::opportunity_row(
        n_, i, Q, model, p_.L, [&](int k) { return int(idx[k]); }, [&](int k) { return tie[k] != 0; }, row_.data(),
        [&](int j, double t) { in[j] += t; });
  }
}

void MapDynamics::flows(const double* Q, double* in, double* out) {
  if (gravity_family(p_.model)) gravity_flows(Q, in, out);
  else opportunity_flows(Q, in, out);
}

void MapDynamics::step(double* Q) {
  flows(Q, in_.data(), out_.data());
  for (int i = 0; i < n_; ++i) Q[i] += p_.lambda * (in_[std::size_t(i)] - out_[std::size_t(i)]);
}

}  // namespace migra::sim
