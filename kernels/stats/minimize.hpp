#pragma once
/// Golden-section minimisation of a unimodal function of one positive parameter, searched
/// on a log scale: minimise g(t) = f(exp t) over t in [ln lo, ln hi] until the bracket is
/// narrower than rel_tol (relative in the parameter). Kiefer 1953; Press et al., Numerical
/// Recipes §10.2. If the minimum sits on a bracket end, `at_bound` says so.
#include <functional>

namespace migra::stats {

struct ScalarMinimum {
  double x = 0;        ///< argmin
  double fx = 0;       ///< f(x)
  int evaluations = 0;
  bool at_bound = false;
};

ScalarMinimum minimize_log_golden(const std::function<double(double)>& f, double lo, double hi,
                                  double rel_tol = 1e-6, int max_eval = 200);

}  // namespace migra::stats
