#include "models/graphsage_flows/graph.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/core/error.hpp"
#include "kernels/random/philox.hpp"

namespace migra::gnn {

const char* split_name(Split s) { return s == Split::Train ? "train" : s == Split::Val ? "val" : "test"; }

std::vector<double> inverse_distance_weights(const std::vector<double>& x, const std::vector<double>& y, WeightNorm norm) {
  const size_t n = x.size();
  std::vector<double> W(n * n, 0.0);
  double dmin = INFINITY;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      if (i == j) continue;
      const double d = std::hypot(x[i] - x[j], y[i] - y[j]);
      MIGRA_THROW_IF_NOT_FMT(d > 0, "nodes %zu and %zu share a position: inverse-distance weights are undefined", i, j);
      W[i * n + j] = 1.0 / d;
      dmin = std::min(dmin, d);
    }
  for (size_t i = 0; i < n; ++i) {
    double* row = W.data() + i * n;
    const double scale = norm == WeightNorm::Row ? 1.0 / std::accumulate(row, row + n, 0.0) : dmin;
    for (size_t j = 0; j < n; ++j) row[j] *= scale;
  }
  return W;
}

FlowGraph build_graph(const std::vector<double>& x, const std::vector<double>& y, std::vector<Record> records,
                      WeightNorm norm, EdgeSet edges, std::uint64_t split_seed) {
  FlowGraph g;
  g.n = int(x.size());
  MIGRA_THROW_IF_NOT_FMT(g.n >= 2, "a flow graph needs at least 2 nodes (got %d)", g.n);
  g.W = inverse_distance_weights(x, y, norm);
  records.erase(std::remove_if(records.begin(), records.end(), [](const Record& r) { return r.origin == r.destination; }),
                records.end());
  MIGRA_THROW_IF_NOT_FMT(records.size() >= 5, "%zu OD records between distinct nodes: too few to split 60/20/20",
                         records.size());
  g.records = std::move(records);
  const size_t m = g.records.size(), n = size_t(g.n);
  // Seeded random order: sort by a Philox key per record (ties impossible in practice; broken by index).
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> key(m);
  for (size_t k = 0; k < m; ++k) key[k] = rng::uniforms(split_seed, rng::Stream::Sample, 0xC0DE, std::uint32_t(k), 0).u[0];
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key[a] < key[b]; });
  g.split.assign(m, Split::Test);
  const size_t n_train = m * 6 / 10, n_val = m * 2 / 10;
  for (size_t r = 0; r < m; ++r) g.split[order[r]] = r < n_train ? Split::Train : r < n_train + n_val ? Split::Val : Split::Test;
  for (const Record& r : g.records) g.record_weight.push_back(g.W[size_t(r.origin) * n + size_t(r.destination)]);
  if (edges == EdgeSet::Observed) {
    for (const Record& r : g.records) g.msg_src.push_back(r.origin), g.msg_dst.push_back(r.destination);
  } else {
    for (int i = 0; i < g.n; ++i)
      for (int j = 0; j < g.n; ++j)
        if (i != j) g.msg_src.push_back(i), g.msg_dst.push_back(j);
  }
  for (size_t e = 0; e < g.msg_src.size(); ++e) g.msg_weight.push_back(g.W[size_t(g.msg_src[e]) * n + size_t(g.msg_dst[e])]);
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
