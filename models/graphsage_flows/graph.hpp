#pragma once
/// The graph of paper 002 (spec §1.4–1.6): cities with planar coordinates, the inverse-distance
/// weights W, the OD records to predict (with their 60/20/20 split), and the edges messages
/// pass along.
///
///   row (default)  w_ij = (1/d_ij) / Σ_{k≠i} 1/d_ik     (rows sum to 1; W not symmetric)
///   global-max     w_ij = d_min / d_ij                   (symmetric, in (0, 1])
///
/// Message edges: the observed records (default, transductive: labels of val/test hidden from
/// the loss, structure visible) or all n(n−1) pairs. Splits: a seeded random order of the
/// records; the first floor(0.6 m) train, the next floor(0.2 m) validation, the rest test.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/stats/flow_metrics.hpp"

namespace migra::gnn {

enum class WeightNorm { Row, GlobalMax };
enum class EdgeSet { Observed, Complete };
enum class Split : unsigned char { Train = 0, Val = 1, Test = 2 };
const char* split_name(Split s);

struct Record {
  int origin = 0, destination = 0;
  double flow = 0;
};

struct FlowGraph {
  int n = 0;
  std::vector<Record> records;           ///< the OD records (no self-pairs)
  std::vector<double> record_weight;     ///< w_ij of each record
  std::vector<double> record_distance;   ///< d_ij of each record (the coordinates' unit, km)
  std::vector<Split> split;              ///< of each record
  std::vector<int> msg_src, msg_dst;     ///< message edges j -> i
  std::vector<double> msg_weight;        ///< w_ji of each
};

/// CPC, RMSE and Pearson of `pred` (one value per record) against the observed flows, over the
/// records k that keep(k) accepts.
template <class Keep>
stats::FlowMetrics record_metrics(const FlowGraph& g, const double* pred, Keep keep) {
  stats::FlowMetricsAccumulator acc;
  for (size_t k = 0; k < g.records.size(); ++k)
    if (keep(k)) acc.add(g.records[k].flow, pred[k]);
  return acc.metrics();
}
/// The same over the records of one split.
inline stats::FlowMetrics split_metrics(const FlowGraph& g, const double* pred, Split s) {
  return record_metrics(g, pred, [&](size_t k) { return g.split[k] == s; });
}

/// w_ij for any pair from planar coordinates (km) without the n×n matrix: one O(n²) pass
/// (OpenMP over rows) finds each row's Σ_k 1/d_ik, or the smallest distance; O(n) memory, so
/// graphs of any size need only their records' and message edges' weights. Coincident points
/// are an error.
class InverseDistanceWeights {
 public:
  InverseDistanceWeights(const std::vector<double>& x, const std::vector<double>& y, WeightNorm norm);
  double operator()(int i, int j) const { return (1.0 / distance(i, j)) * scale_[row_ ? size_t(i) : 0]; }
  /// d_ij, in the coordinates' unit.
  double distance(int i, int j) const { return std::hypot(x_[size_t(i)] - x_[size_t(j)], y_[size_t(i)] - y_[size_t(j)]); }

 private:
  const std::vector<double>& x_;
  const std::vector<double>& y_;
  bool row_;
  std::vector<double> scale_;  ///< row: 1 / Σ_k 1/d_ik per row; global-max: d_min
};

/// The dense W (n×n, zero diagonal), for small graphs and tests.
std::vector<double> inverse_distance_weights(const std::vector<double>& x, const std::vector<double>& y, WeightNorm norm);

FlowGraph build_graph(const std::vector<double>& x, const std::vector<double>& y, std::vector<Record> records,
                      WeightNorm norm, EdgeSet edges, std::uint64_t split_seed);

/// Uniform neighbour sampling (spec §8, for large graphs): the message edges each node keeps
/// when it keeps at most `fanout` of its in-edges, drawn without replacement (the smallest of
/// Philox keys of (seed, draw, edge)), as indices into msg_*, in edge order.
std::vector<int> sample_in_edges(const FlowGraph& g, int fanout, std::uint64_t seed, std::uint32_t draw);

/// Column-wise z-scores with population standard deviations, frozen for scenarios
/// (spec §1.3); log1p first when asked. A constant column gets sigma = 1.
struct Standardizer {
  std::vector<double> mu, sigma;
  bool log1p = false;
  static Standardizer fit(const std::vector<double>& X, int n, int d, bool log1p);
  std::vector<double> apply(const std::vector<double>& X, int n, int d) const;
};

}  // namespace migra::gnn
