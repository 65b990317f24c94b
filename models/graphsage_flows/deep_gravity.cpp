#include "models/graphsage_flows/deep_gravity.hpp"

#include <chrono>
#include <cmath>

#include "kernels/core/error.hpp"

#ifdef MIGRA_HAVE_TORCH
#include "models/torch_device.hpp"
#include "models/torch_runtime.hpp"
#endif

namespace migra::gnn {

#ifdef MIGRA_HAVE_TORCH
namespace {

torch::nn::Sequential deep_gravity_mlp(std::int64_t in, double dropout) {
  torch::nn::Sequential net;
  std::int64_t width = in;
  for (int block = 0; block < 15; ++block) {
    const std::int64_t out = block < 5 ? 256 : 128;
    net->push_back(torch::nn::Linear(width, out));
    net->push_back(torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.01)));
    net->push_back(torch::nn::Dropout(dropout));
    width = out;
  }
  net->push_back(torch::nn::Linear(width, 1));
  return net;
}

/// log p over groups: s − logsumexp of s within each record's group (group ids 0..G−1).
torch::Tensor group_log_softmax(const torch::Tensor& s, const torch::Tensor& group, std::int64_t G) {
  torch::Tensor top;
  {
    torch::NoGradGuard ng;
    top = torch::full({G}, -1e30, s.options()).scatter_reduce(0, group, s, "amax", true);
  }
  const torch::Tensor shifted = s - top.index_select(0, group);
  const torch::Tensor z = torch::zeros({G}, s.options()).index_add(0, group, torch::exp(shifted));
  return shifted - torch::log(z).index_select(0, group);
}

}  // namespace

DeepGravityResult fit_deep_gravity(const FlowGraph& g, const std::vector<double>& X, int d, const std::vector<double>& x,
                                   const std::vector<double>& y, const DeepGravityConfig& cfg,
                                   const std::function<void(double)>& progress) {
  MIGRA_THROW_IF_NOT_FMT(cfg.epochs >= 1 && cfg.batch_origins >= 1 && cfg.patience >= 1, "bad Deep Gravity configuration");
  const torch::Device dev = models::torch_device(cfg.device);
  models::single_threaded_blas();
  torch::manual_seed(cfg.seed);
  const auto o = torch::TensorOptions().dtype(torch::kFloat32).device(dev);
  const size_t m = g.records.size();
  // Inputs [x̃_i ‖ x̃_j ‖ d̃_ij], the distance standardised over the records.
  std::vector<double> dist(m), in;
  double dm = 0, dv = 0;
  for (size_t k = 0; k < m; ++k) {
    const Record& r = g.records[k];
    dist[k] = std::hypot(x[size_t(r.origin)] - x[size_t(r.destination)], y[size_t(r.origin)] - y[size_t(r.destination)]);
    dm += dist[k] / double(m);
  }
  for (double v : dist) dv += (v - dm) * (v - dm) / double(m);
  const double ds = dv > 0 ? std::sqrt(dv) : 1.0;
  for (size_t k = 0; k < m; ++k) {
    const Record& r = g.records[k];
    in.insert(in.end(), X.begin() + std::ptrdiff_t(r.origin) * d, X.begin() + std::ptrdiff_t(r.origin + 1) * d);
    in.insert(in.end(), X.begin() + std::ptrdiff_t(r.destination) * d, X.begin() + std::ptrdiff_t(r.destination + 1) * d);
    in.push_back((dist[k] - dm) / ds);
  }
  const torch::Tensor inputs = models::tensor_of(in, {std::int64_t(m), 2 * d + 1}, o);
  std::vector<double> flow(m);
  std::vector<std::int64_t> origin(m);
  std::vector<std::vector<std::int64_t>> train_of(size_t(g.n));
  for (size_t k = 0; k < m; ++k) {
    flow[k] = g.records[k].flow, origin[k] = g.records[k].origin;
    if (g.split[k] == Split::Train) train_of[size_t(g.records[k].origin)].push_back(std::int64_t(k));
  }
  std::vector<std::int64_t> origins;  // with train records
  for (int i = 0; i < g.n; ++i)
    if (!train_of[size_t(i)].empty()) origins.push_back(i);
  MIGRA_THROW_IF_NOT_FMT(!origins.empty(), "Deep Gravity: no train records");
  const torch::Tensor t_all = models::tensor_of(flow, {std::int64_t(m)}, o);
  const torch::Tensor origin_all = torch::tensor(origin, torch::kLong).to(dev);
  const torch::Tensor outflow = torch::zeros({g.n}, o).index_add(0, origin_all, t_all);  // O_i over C_i

  torch::nn::Sequential net = deep_gravity_mlp(2 * d + 1, cfg.dropout);
  net->to(dev);
  torch::optim::RMSprop opt(net->parameters(), torch::optim::RMSpropOptions(cfg.lr).momentum(cfg.momentum));
  const auto predict_all = [&]() {
    torch::NoGradGuard ng;
    net->eval();
    const torch::Tensor s = net->forward(inputs).squeeze(1);
    return (outflow.index_select(0, origin_all) * torch::exp(group_log_softmax(s, origin_all, g.n))).to(torch::kCPU, torch::kFloat64);
  };
  const auto val_cpc = [&](const torch::Tensor& pred) {
    return split_metrics(g, pred.data_ptr<double>(), Split::Val).cpc;
  };

  DeepGravityResult res;
  torch::Tensor best_pred = predict_all();
  double best = val_cpc(best_pred);
  const auto t0 = std::chrono::steady_clock::now();
  int epoch = 1;
  for (; epoch <= cfg.epochs; ++epoch) {
    net->train();
    const torch::Tensor order = torch::randperm(std::int64_t(origins.size()), torch::kLong);
    const std::int64_t* ord = order.data_ptr<std::int64_t>();
    for (size_t b0 = 0; b0 < origins.size(); b0 += size_t(cfg.batch_origins)) {
      std::vector<std::int64_t> idx, group;
      for (size_t b = b0; b < std::min(origins.size(), b0 + size_t(cfg.batch_origins)); ++b)
        for (std::int64_t k : train_of[size_t(origins[size_t(ord[b])])]) idx.push_back(k), group.push_back(std::int64_t(b - b0));
      const torch::Tensor ix = torch::tensor(idx, torch::kLong).to(dev), gr = torch::tensor(group, torch::kLong).to(dev);
      const torch::Tensor s = net->forward(inputs.index_select(0, ix)).squeeze(1);
      const torch::Tensor loss = -(t_all.index_select(0, ix) * group_log_softmax(s, gr, cfg.batch_origins)).sum();
      opt.zero_grad();
      loss.backward();
      opt.step();
    }
    const torch::Tensor pred = predict_all();
    res.val_cpc.push_back(val_cpc(pred));
    if (res.val_cpc.back() > best) best = res.val_cpc.back(), best_pred = pred, res.best_epoch = epoch;
    if (progress) progress(double(epoch) / cfg.epochs);
    if (epoch - res.best_epoch >= cfg.patience) break;
  }
  res.seconds_per_epoch = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
                          double(std::max<size_t>(1, res.val_cpc.size()));
  res.prediction = models::values_of(best_pred);
  return res;
}

#else

DeepGravityResult fit_deep_gravity(const FlowGraph&, const std::vector<double>&, int, const std::vector<double>&,
                                   const std::vector<double>&, const DeepGravityConfig&, const std::function<void(double)>&) {
  MIGRA_THROW_FMT("this build of migra has no LibTorch (configure with -DMIGRA_TORCH=ON)");
}

#endif

}  // namespace migra::gnn
