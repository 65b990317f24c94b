#include "models/graphsage_flows/graph.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <numeric>

#include "kernels/core/error.hpp"
#include "kernels/random/philox.hpp"

namespace migra::gnn {

const char* split_name(Split s) { return s == Split::Train ? "train" : s == Split::Val ? "val" : "test"; }

InverseDistanceWeights::InverseDistanceWeights(const std::vector<double>& x, const std::vector<double>& y, WeightNorm norm)
    : x_(x), y_(y), row_(norm == WeightNorm::Row) {
  const long n = long(x.size());
  std::vector<double> inverse_sum(x.size()), nearest(x.size());
  long clash = LONG_MAX;  // the first pair i * n + j of coincident nodes
#pragma omp parallel for schedule(static)
  for (long i = 0; i < n; ++i) {
    double sum = 0.0, dmin = INFINITY;
    for (long j = 0; j < n; ++j) {
      if (i == j) continue;
      const double d = std::hypot(x[size_t(i)] - x[size_t(j)], y[size_t(i)] - y[size_t(j)]);
      if (!(d > 0)) {
#pragma omp critical
        clash = std::min(clash, i * n + j);
      }
      sum += 1.0 / d;
      dmin = std::min(dmin, d);
    }
    inverse_sum[size_t(i)] = sum;
    nearest[size_t(i)] = dmin;
  }
  MIGRA_THROW_IF_NOT_FMT(clash == LONG_MAX, "nodes %ld and %ld share a position: inverse-distance weights are undefined",
                         clash / std::max(n, 1L), clash % std::max(n, 1L));
  if (row_) {
    for (double v : inverse_sum) scale_.push_back(1.0 / v);
  } else {
    scale_.push_back(*std::min_element(nearest.begin(), nearest.end()));
  }
}

std::vector<double> inverse_distance_weights(const std::vector<double>& x, const std::vector<double>& y, WeightNorm norm) {
  const InverseDistanceWeights w(x, y, norm);
  const int n = int(x.size());
  std::vector<double> W(size_t(n) * size_t(n), 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      if (i != j) W[size_t(i) * size_t(n) + size_t(j)] = w(i, j);
  return W;
}

FlowGraph build_graph(const std::vector<double>& x, const std::vector<double>& y, std::vector<Record> records,
                      WeightNorm norm, EdgeSet edges, std::uint64_t split_seed) {
  FlowGraph g;
  g.n = int(x.size());
  MIGRA_THROW_IF_NOT_FMT(g.n >= 2, "a flow graph needs at least 2 nodes (got %d)", g.n);
  const InverseDistanceWeights w(x, y, norm);
  records.erase(std::remove_if(records.begin(), records.end(), [](const Record& r) { return r.origin == r.destination; }),
                records.end());
  MIGRA_THROW_IF_NOT_FMT(records.size() >= 5, "%zu OD records between distinct nodes: too few to split 60/20/20",
                         records.size());
  g.records = std::move(records);
  const size_t m = g.records.size();
  // Seeded random order: sort by a Philox key per record (ties impossible in practice; broken by index).
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> key(m);
  for (size_t k = 0; k < m; ++k) key[k] = rng::uniforms(split_seed, rng::Stream::Sample, 0xC0DE, std::uint32_t(k), 0).u[0];
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key[a] < key[b]; });
  g.split.assign(m, Split::Test);
  const size_t n_train = m * 6 / 10, n_val = m * 2 / 10;
  for (size_t r = 0; r < m; ++r) g.split[order[r]] = r < n_train ? Split::Train : r < n_train + n_val ? Split::Val : Split::Test;
  for (const Record& r : g.records)
    g.record_weight.push_back(w(r.origin, r.destination)), g.record_distance.push_back(w.distance(r.origin, r.destination));
  if (edges == EdgeSet::Observed) {
    for (const Record& r : g.records) g.msg_src.push_back(r.origin), g.msg_dst.push_back(r.destination);
  } else {
    for (int i = 0; i < g.n; ++i)
      for (int j = 0; j < g.n; ++j)
        if (i != j) g.msg_src.push_back(i), g.msg_dst.push_back(j);
  }
  for (size_t e = 0; e < g.msg_src.size(); ++e) g.msg_weight.push_back(w(g.msg_src[e], g.msg_dst[e]));
  return g;
}

std::vector<int> sample_in_edges(const FlowGraph& g, int fanout, std::uint64_t seed, std::uint32_t draw) {
  MIGRA_THROW_IF_NOT_FMT(fanout >= 1, "neighbour sampling: fan-out %d (>= 1)", fanout);
  std::vector<std::vector<int>> in(size_t(g.n));
  for (size_t e = 0; e < g.msg_dst.size(); ++e) in[size_t(g.msg_dst[e])].push_back(int(e));
  std::vector<int> keep;
  for (auto& edges : in) {
    if (edges.size() > size_t(fanout)) {
      const auto key = [&](int e) { return rng::uniforms(seed, rng::Stream::Sample, draw, std::uint32_t(e), 1).u[0]; };
      std::vector<std::pair<double, int>> keyed;
      for (int e : edges) keyed.emplace_back(key(e), e);
      std::partial_sort(keyed.begin(), keyed.begin() + fanout, keyed.end());
      edges.clear();
      for (int k = 0; k < fanout; ++k) edges.push_back(keyed[size_t(k)].second);
    }
    keep.insert(keep.end(), edges.begin(), edges.end());
  }
  std::sort(keep.begin(), keep.end());
  return keep;
}

Standardizer Standardizer::fit(const std::vector<double>& X, int n, int d, bool log1p) {
  Standardizer s;
  s.log1p = log1p;
  for (int f = 0; f < d; ++f) {
    double m = 0, v = 0;
    for (int i = 0; i < n; ++i) m += (log1p ? std::log1p(X[size_t(i * d + f)]) : X[size_t(i * d + f)]) / n;
    for (int i = 0; i < n; ++i) {
      const double e = (log1p ? std::log1p(X[size_t(i * d + f)]) : X[size_t(i * d + f)]) - m;
      v += e * e / n;
    }
    s.mu.push_back(m);
    s.sigma.push_back(v > 0 ? std::sqrt(v) : 1.0);
  }
  return s;
}

std::vector<double> Standardizer::apply(const std::vector<double>& X, int n, int d) const {
  std::vector<double> out(X.size());
  for (int i = 0; i < n; ++i)
    for (int f = 0; f < d; ++f) {
      const double v = X[size_t(i * d + f)];
      out[size_t(i * d + f)] = ((log1p ? std::log1p(v) : v) - mu[size_t(f)]) / sigma[size_t(f)];
    }
  return out;
}

}  // namespace migra::gnn
