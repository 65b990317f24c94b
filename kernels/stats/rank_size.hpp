#pragma once
/// Rank-size statistics of an ensemble (paper 004 §4.1).
///
///   rank curves   each map's values sorted descending; per rank r the mean, s.d. and
///                 quartiles over the maps (quartiles by linear interpolation, numpy's default)
///   D_KS          the two-sample Kolmogorov-Smirnov statistic sup_x |F_a(x) - F_b(x)| between
///                 two samples (right-continuous ECDFs at every point of the merged sample;
///                 equals scipy.stats.ks_2samp(a, b).statistic)
///   chi2_rank     sum_r (M_r - C_r)^2 / sigma_C,r^2 over ranks with sigma_C,r > 0
///   zipf slope    OLS slope of ln Q_r on ln r (a diagnostic; the paper fits none)
#include <vector>

namespace migra::stats {

struct RankCurves {
  std::vector<double> mean, sd, q25, median, q75;
};

/// `values`: maps x n, row-major, any order within a row (each row is sorted here).
RankCurves rank_curves(const std::vector<double>& values, int maps, int n);
/// Just the mean curve (what D_KS needs at every scored step).
std::vector<double> rank_mean(const std::vector<double>& values, int maps, int n);

double ks_two_sample(std::vector<double> a, std::vector<double> b);

double chi2_rank(const std::vector<double>& model, const std::vector<double>& ref_mean,
                 const std::vector<double>& ref_sd);

double zipf_slope(const std::vector<double>& descending);

/// The q-quantile (0..1) of `v` by linear interpolation between order statistics. Sorts v in
/// place if it is not sorted yet, so further quantiles of the same v cost O(n).
double quantile(std::vector<double>& v, double q);

}  // namespace migra::stats
