#include "kernels/stats/flow_metrics.hpp"

#include <cmath>
#include <limits>

namespace migra::stats {

FlowMetricsAccumulator& FlowMetricsAccumulator::operator+=(const FlowMetricsAccumulator& o) {
  n_ += o.n_;
  so_ += o.so_;
  sm_ += o.sm_;
  smin_ += o.smin_;
  sse_ += o.sse_;
  soo_ += o.soo_;
  smm_ += o.smm_;
  som_ += o.som_;
  return *this;
}

FlowMetrics FlowMetricsAccumulator::metrics() const {
  FlowMetrics r;
  r.pairs = n_;
  r.observed_total = so_;
  r.model_total = sm_;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (n_ == 0) {
    r.cpc = r.rmse = r.r2 = r.pearson = nan;
    return r;
  }
  const double n = double(n_);
  r.cpc = (so_ + sm_) > 0 ? 2.0 * smin_ / (so_ + sm_) : nan;
  r.rmse = std::sqrt(sse_ / n);
  const double sst = soo_ - so_ * so_ / n;  // sum (T - mean T)^2
  r.r2 = sst > 0 ? 1.0 - sse_ / sst : nan;
  const double smm = smm_ - sm_ * sm_ / n;
  const double cov = som_ - so_ * sm_ / n;
  r.pearson = (sst > 0 && smm > 0) ? cov / std::sqrt(sst * smm) : nan;
  return r;
}

}  // namespace migra::stats
