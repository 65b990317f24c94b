#include "models/graphsage_flows/explainer.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/core/error.hpp"

#ifdef MIGRA_HAVE_TORCH
#include "models/graphsage_flows/sage_net.hpp"
#include "models/torch_device.hpp"
#include "models/torch_runtime.hpp"
#endif

namespace migra::gnn {

std::vector<int> receptive_edges(const FlowGraph& g, int i, int& nodes) {
  std::vector<std::vector<int>> in(size_t(g.n));
  for (size_t e = 0; e < g.msg_dst.size(); ++e) in[size_t(g.msg_dst[e])].push_back(int(e));
  std::vector<char> seen(size_t(g.n), 0);
  std::vector<int> frontier{i}, edges;
  seen[size_t(i)] = 1;
  nodes = 1;
  for (int hop = 0; hop < 3; ++hop) {  // the edges into the nodes 0, 1 and 2 hops upstream
    std::vector<int> next;
    for (int v : frontier)
      for (int e : in[size_t(v)]) {
        edges.push_back(e);
        const int u = g.msg_src[size_t(e)];
        if (!seen[size_t(u)]) seen[size_t(u)] = 1, next.push_back(u), ++nodes;
      }
    frontier.swap(next);
  }
  std::sort(edges.begin(), edges.end());
  return edges;
}

#ifdef MIGRA_HAVE_TORCH
namespace {

torch::Tensor entropy(const torch::Tensor& p) {
  return -p * torch::log(p + 1e-15) - (1 - p) * torch::log(1 - p + 1e-15);
}

/// Copy k's output at node nodes[k]: z [b, N, K] -> [b, K].
torch::Tensor at_nodes(const torch::Tensor& z, const torch::Tensor& target) {
  return z.gather(1, target.view({-1, 1, 1}).expand({z.size(0), 1, z.size(2)})).squeeze(1);
}

/// One batch of nodes explained on model copy `mb` (b copies): σ(m) per node [b, d] and the last losses.
std::pair<torch::Tensor, torch::Tensor> explain_batch(SageNet& mb, const FlowGraph& g, const Edges& e, const torch::Tensor& x,
                                                      const std::vector<int>& nodes, const ExplainConfig& cfg) {
  const std::int64_t b = std::int64_t(nodes.size()), N = x.size(1), d = x.size(2), E = e.src.size(0);
  const auto o = x.options();
  const torch::Tensor target = long_tensor(nodes, o.device());
  torch::Tensor y;
  {
    torch::NoGradGuard ng;
    y = at_nodes(mb.forward(x.expand({b, N, d}), e, false), target);
  }
  std::vector<double> inside(static_cast<size_t>(b * E), 0.0), sigma_e(static_cast<size_t>(b));
  for (std::int64_t k = 0; k < b; ++k) {
    int n_i = 0;
    for (int edge : receptive_edges(g, nodes[size_t(k)], n_i)) inside[size_t(k * E + edge)] = 1.0;
    sigma_e[size_t(k)] = std::sqrt(2.0) * std::sqrt(2.0 / (2.0 * n_i));
  }
  const torch::Tensor in_e = models::tensor_of(inside, {b, E}, o);
  const torch::Tensor count = in_e.sum(1).clamp_min(1);
  // Draws on the CPU, so that a seed gives the same masks on every device.
  const auto cpu = o.device(torch::kCPU);
  torch::Tensor m = (torch::randn({b, 1, d}, cpu) * 0.1).to(o.device()).requires_grad_();
  torch::Tensor q = (torch::randn({b, E}, cpu) * models::tensor_of(sigma_e, {b, 1}, cpu)).to(o.device()).requires_grad_();
  torch::optim::Adam opt({m, q}, torch::optim::AdamOptions(cfg.lr));
  torch::Tensor loss;
  for (int epoch = 0; epoch < cfg.epochs; ++epoch) {
    const torch::Tensor sm = torch::sigmoid(m), sq = torch::sigmoid(q);
    const torch::Tensor yh = at_nodes(mb.forward(x * sm, e, false, sq), target);
    loss = (yh - y).abs().sum(1) + sm.mean({1, 2}) + 0.1 * entropy(sm).mean({1, 2}) + 0.005 * (sq * in_e).sum(1) +
           (entropy(sq) * in_e).sum(1) / count;  // per node: the copies are independent
    opt.zero_grad();
    loss.sum().backward();
    opt.step();
  }
  return {torch::sigmoid(m).detach().view({b, d}), loss.detach()};
}

/// S_if = (‖z_i(x̃ + h e_if)‖ − ‖z_i(x̃)‖)/h for one batch of nodes, all features: [b, d].
torch::Tensor sensitivity_batch(SageNet& mb, const Edges& e, const torch::Tensor& x, const std::vector<int>& nodes, double h) {
  torch::NoGradGuard ng;
  const std::int64_t b = std::int64_t(nodes.size()), N = x.size(1), d = x.size(2);
  const torch::Tensor target = long_tensor(nodes, x.device());
  const auto norm_at = [&](const torch::Tensor& xs) { return at_nodes(mb.forward(xs, e, false), target).norm(2, 1); };
  const torch::Tensor z0 = norm_at(x.expand({b, N, d}));
  std::vector<torch::Tensor> cols;
  for (std::int64_t f = 0; f < d; ++f) {
    torch::Tensor xs = x.expand({b, N, d}).clone();
    for (std::int64_t k = 0; k < b; ++k) xs[k][nodes[size_t(k)]][f] += h;
    cols.push_back((norm_at(xs) - z0) / h);
  }
  return torch::stack(cols, 1);
}

}  // namespace

Explanation explain_sage(const std::string& bytes, const FlowGraph& g, const std::vector<double>& X, int d,
                         const ExplainConfig& cfg, const std::function<void(double)>& progress) {
  MIGRA_THROW_IF_NOT_FMT(cfg.epochs >= 1 && cfg.batch >= 1 && cfg.lr > 0, "bad explainer configuration");
  const torch::Device dev = models::torch_device(cfg.device);
  models::single_threaded_blas();
  models::reuse_freed_memory();
  quiet_beta_warnings();
  const SageNet net = SageNet::load(bytes, dev);
  MIGRA_THROW_IF_NOT_FMT(net.shape().d == d, "GraphSAGE model: trained on %lld features, given %d", (long long)net.shape().d, d);
  MIGRA_THROW_IF_NOT_FMT(X.size() == size_t(g.n) * size_t(d), "explainer: features do not match the graph");
  const auto o = net.scale.options();
  const Edges e(g, o.dtype().toScalarType(), dev);
  const torch::Tensor x = models::tensor_of(X, {1, g.n, d}, o);
  Explanation ex;
  ex.d = d;
  ex.nodes = cfg.nodes;
  if (ex.nodes.empty())
    for (int i = 0; i < g.n; ++i) ex.nodes.push_back(i);
  for (int i : ex.nodes) MIGRA_THROW_IF_NOT_FMT(i >= 0 && i < g.n, "explainer: no node %d", i);
  ex.models = cfg.models > 0 ? std::min<int>(cfg.models, int(net.shape().repeats)) : int(net.shape().repeats);
  const size_t nn = ex.nodes.size();
  torch::manual_seed(cfg.seed);
  torch::Tensor mask = torch::zeros({std::int64_t(nn), d}, torch::kFloat64), sens = torch::zeros_like(mask),
                loss = torch::zeros({std::int64_t(nn)}, torch::kFloat64);
  const size_t batches = (nn + size_t(cfg.batch) - 1) / size_t(cfg.batch);
  for (int r = 0; r < ex.models; ++r)
    for (size_t bi = 0; bi < batches; ++bi) {
      const size_t b0 = bi * size_t(cfg.batch), b1 = std::min(nn, b0 + size_t(cfg.batch));
      const std::vector<int> nodes(ex.nodes.begin() + std::ptrdiff_t(b0), ex.nodes.begin() + std::ptrdiff_t(b1));
      SageNet mb = net.member(r, std::int64_t(nodes.size()));
      const auto [m, l] = explain_batch(mb, g, e, x, nodes, cfg);
      mask.narrow(0, std::int64_t(b0), std::int64_t(nodes.size())) += m.to(torch::kCPU, torch::kFloat64) / ex.models;
      loss.narrow(0, std::int64_t(b0), std::int64_t(nodes.size())) += l.to(torch::kCPU, torch::kFloat64) / ex.models;
      sens.narrow(0, std::int64_t(b0), std::int64_t(nodes.size())) +=
          sensitivity_batch(mb, e, x, nodes, 0.1).to(torch::kCPU, torch::kFloat64) / ex.models;
      if (progress) progress(double(size_t(r) * batches + bi + 1) / double(size_t(ex.models) * batches));
    }
  const torch::Tensor mu = mask.mean(1, true), sd = mask.std(1, false, true);
  ex.mask = models::values_of(mask);
  ex.importance = models::values_of(torch::where(sd > 0, (mask - mu) / sd, torch::zeros_like(mask)));
  ex.sensitivity = models::values_of(sens);
  ex.final_loss = models::values_of(loss);
  return ex;
}

#else

Explanation explain_sage(const std::string&, const FlowGraph&, const std::vector<double>&, int, const ExplainConfig&,
                         const std::function<void(double)>&) {
  MIGRA_THROW_FMT("this build of migra has no LibTorch (configure with -DMIGRA_TORCH=ON)");
}

#endif

}  // namespace migra::gnn
