#pragma once
/// Goodness of fit between observed flows T and modelled flows T^ over a set of pairs,
/// accumulated as a monoid (identity = default, combine = +=, finalize = metrics()), so a
/// matrix streamed in row blocks is scored without being held (STYLE.md 4).
///
///   CPC     = 2 sum min(T, T^) / (sum T + sum T^)      common part of commuters
///             (Lenormand, Huet, Gargiulo & Deffuant 2012); 1 = identical, 0 = disjoint
///   RMSE    = sqrt( sum (T - T^)^2 / n_pairs )
///   R^2     = 1 - sum (T - T^)^2 / sum (T - mean T)^2   coefficient of determination
///   Pearson = cov(T, T^) / (sd T sd T^)
///
/// Sums are plain double accumulations in the order add() is called; results are
/// deterministic for a fixed order.
#include <cstddef>

namespace migra::stats {

struct FlowMetrics {
  double cpc = 0, rmse = 0, r2 = 0, pearson = 0;
  double observed_total = 0, model_total = 0;
  std::size_t pairs = 0;
};

class FlowMetricsAccumulator {
 public:
  void add(double observed, double model) {
    ++n_;
    so_ += observed;
    sm_ += model;
    smin_ += observed < model ? observed : model;
    const double e = observed - model;
    sse_ += e * e;
    soo_ += observed * observed;
    smm_ += model * model;
    som_ += observed * model;
  }
  FlowMetricsAccumulator& operator+=(const FlowMetricsAccumulator& o);
  FlowMetrics metrics() const;

 private:
  std::size_t n_ = 0;
  double so_ = 0, sm_ = 0, smin_ = 0, sse_ = 0, soo_ = 0, smm_ = 0, som_ = 0;
};

}  // namespace migra::stats
