#include "kernels/linalg/cholesky.hpp"

#include <cmath>
#include <cstddef>

namespace migra::linalg {
namespace {

double dot(const double* x, const double* y, int n) {
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (int k = 0; k < n; ++k) s += x[k] * y[k];
  return s;
}

}  // namespace

bool cholesky_factor(std::vector<double>& a, int n) {
  const auto row = [&](int i) { return a.data() + std::size_t(i) * std::size_t(n); };
  for (int i = 0; i < n; ++i) {
    double* li = row(i);
    for (int j = 0; j < i; ++j) li[j] = (li[j] - dot(li, row(j), j)) / row(j)[j];
    const double pivot = li[i] - dot(li, li, i);
    if (!(pivot > 0) || !std::isfinite(pivot)) return false;
    li[i] = std::sqrt(pivot);
  }
  return true;
}

void cholesky_solve(const std::vector<double>& l, int n, std::vector<double>& b) {
  const auto at = [&](int i, int j) { return l[std::size_t(i) * std::size_t(n) + std::size_t(j)]; };
  for (int i = 0; i < n; ++i) b[size_t(i)] = (b[size_t(i)] - dot(&l[std::size_t(i) * std::size_t(n)], b.data(), i)) / at(i, i);
  for (int i = n - 1; i >= 0; --i) {  // Lᵀ x = y: column i of L below the diagonal
    double s = b[size_t(i)];
    for (int k = i + 1; k < n; ++k) s -= at(k, i) * b[size_t(k)];
    b[size_t(i)] = s / at(i, i);
  }
}

}  // namespace migra::linalg
