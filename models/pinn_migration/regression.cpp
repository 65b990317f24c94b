#include "models/pinn_migration/regression.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "kernels/core/error.hpp"
#include "kernels/linalg/cholesky.hpp"
#include "kernels/stats/pchip.hpp"

namespace migra::pinn {

std::vector<double> design_matrix(const std::vector<double>& features, int nodes, const std::vector<double>& years, int F,
                                  const std::vector<double>& at_years, bool with_year) {
  const size_t Y = years.size(), cols = size_t(F) + (with_year ? 1 : 0);
  MIGRA_THROW_IF_NOT_FMT(features.size() == size_t(nodes) * Y * size_t(F), "design matrix: feature table has the wrong size");
  std::vector<double> X(size_t(nodes) * at_years.size() * cols);
  for (int u = 0; u < nodes; ++u)
    for (int i = 0; i < F; ++i) {
      std::vector<double> series;
      for (size_t k = 0; k < Y; ++k) series.push_back(features[(size_t(u) * Y + k) * size_t(F) + size_t(i)]);
      const stats::Pchip p(years, series);
      for (size_t q = 0; q < at_years.size(); ++q) X[(size_t(u) * at_years.size() + q) * cols + size_t(i)] = p(at_years[q]);
    }
  if (with_year)
    for (int u = 0; u < nodes; ++u)
      for (size_t q = 0; q < at_years.size(); ++q) X[(size_t(u) * at_years.size() + q) * cols + size_t(F)] = at_years[q];
  return X;
}

Score score(const std::vector<double>& y, const std::vector<double>& yhat) {
  double mean = 0, sse = 0, sst = 0;
  for (double v : y) mean += v / double(y.size());
  for (size_t k = 0; k < y.size(); ++k) sse += std::pow(y[k] - yhat[k], 2), sst += std::pow(y[k] - mean, 2);
  return {sst > 0 ? 1 - sse / sst : 0.0, std::sqrt(sse / double(y.size()))};
}

std::vector<double> fit_linear(const std::vector<double>& X, const std::vector<double>& y, int cols) {
  const int p = cols + 1;
  std::vector<double> A(static_cast<size_t>(p * p), 0.0), b(static_cast<size_t>(p), 0.0), row(static_cast<size_t>(p));
  for (size_t r = 0; r < y.size(); ++r) {
    row[0] = 1;
    for (int c = 0; c < cols; ++c) row[size_t(c + 1)] = X[r * size_t(cols) + size_t(c)];
    for (int i = 0; i < p; ++i) {
      b[size_t(i)] += row[size_t(i)] * y[r];
      for (int j = 0; j <= i; ++j) A[size_t(i * p + j)] += row[size_t(i)] * row[size_t(j)];
    }
  }
  MIGRA_THROW_IF_NOT_FMT(linalg::cholesky_factor(A, p), "linear baseline: the features are collinear (normal equations singular)");
  linalg::cholesky_solve(A, p, b);
  return b;
}

std::vector<double> predict_linear(const std::vector<double>& beta, const std::vector<double>& X, int cols) {
  std::vector<double> out(X.size() / size_t(cols));
  for (size_t r = 0; r < out.size(); ++r) {
    double s = beta[0];
    for (int c = 0; c < cols; ++c) s += beta[size_t(c + 1)] * X[r * size_t(cols) + size_t(c)];
    out[r] = s;
  }
  return out;
}

namespace {

MeanStd mean_std(const std::vector<double>& v) {
  double m = 0, s = 0;
  for (double x : v) m += x / double(v.size());
  for (double x : v) s += (x - m) * (x - m) / double(v.size());
  return {m, std::sqrt(s)};
}

/// Row k is a test row of split `s`.
std::vector<char> test_rows(size_t rows, double share, std::uint64_t seed, const std::vector<int>& groups) {
  std::mt19937_64 rng(seed);
  const auto shuffle = [&](std::vector<int>& v) {  // Fisher–Yates on raw 64-bit draws (portable)
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[size_t(rng() % i)]);
  };
  std::vector<char> test(rows, 0);
  if (groups.empty()) {
    std::vector<int> order(rows);
    for (size_t k = 0; k < rows; ++k) order[k] = int(k);
    shuffle(order);
    const size_t n_test = size_t(std::llround(share * double(rows)));
    for (size_t k = 0; k < n_test; ++k) test[size_t(order[k])] = 1;
    return test;
  }
  std::vector<int> ids(groups);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  shuffle(ids);
  const size_t n_test = std::max<size_t>(1, size_t(std::llround(share * double(ids.size()))));
  std::vector<char> held(size_t(*std::max_element(groups.begin(), groups.end()) + 1), 0);
  for (size_t k = 0; k < n_test; ++k) held[size_t(ids[k])] = 1;
  for (size_t k = 0; k < rows; ++k) test[k] = held[size_t(groups[k])];
  return test;
}

}  // namespace

ProtocolResult split_protocol(const std::vector<double>& X, const std::vector<double>& y, int cols, Regressor model,
                              const TreeConfig& trees, int splits, double test_share, std::uint64_t seed,
                              const std::vector<int>& groups) {
  MIGRA_THROW_IF_NOT_FMT(splits >= 1 && test_share > 0 && test_share < 1, "regression protocol: splits >= 1, 0 < test share < 1");
  const size_t rows = y.size();
  const size_t ns = static_cast<size_t>(splits);
  std::vector<double> tr_r2(ns), tr_rmse(ns), te_r2(ns), te_rmse(ns);
  std::string error;
#pragma omp parallel for schedule(dynamic)
  for (int s = 0; s < splits; ++s) {
    try {
      const std::vector<char> test = test_rows(rows, test_share, seed + std::uint64_t(s), groups);
      std::vector<double> Xtr, ytr, Xte, yte;
      for (size_t k = 0; k < rows; ++k) {
        auto& Xs = test[k] ? Xte : Xtr;
        (test[k] ? yte : ytr).push_back(y[k]);
        Xs.insert(Xs.end(), X.begin() + long(k * size_t(cols)), X.begin() + long((k + 1) * size_t(cols)));
      }
      std::vector<double> ptr, pte;
      if (model == Regressor::Trees) {
        TreeConfig tc = trees;
        tc.seed = trees.seed + std::uint64_t(s), tc.threads = 1;
        const BoostedTrees bt = BoostedTrees::fit(Xtr, ytr, cols, tc);
        ptr = bt.predict(Xtr), pte = bt.predict(Xte);
      } else {
        const std::vector<double> beta = fit_linear(Xtr, ytr, cols);
        ptr = predict_linear(beta, Xtr, cols), pte = predict_linear(beta, Xte, cols);
      }
      const Score a = score(ytr, ptr), b = score(yte, pte);
      tr_r2[size_t(s)] = a.r2, tr_rmse[size_t(s)] = a.rmse, te_r2[size_t(s)] = b.r2, te_rmse[size_t(s)] = b.rmse;
    } catch (const Error& e) {
#pragma omp critical
      error = e.what();
    }
  }
  if (!error.empty()) throw Error(error);
  return {mean_std(tr_r2), mean_std(tr_rmse), mean_std(te_r2), mean_std(te_rmse), splits};
}

}  // namespace migra::pinn
