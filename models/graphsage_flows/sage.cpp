#include "models/graphsage_flows/sage.hpp"

#include <chrono>
#include <cmath>

#include "kernels/core/error.hpp"

#ifdef MIGRA_HAVE_TORCH
#include <torch/torch.h>
#include <torch/version.h>

#include "models/torch_device.hpp"
#include "models/torch_runtime.hpp"
#endif

namespace migra::gnn {

#ifdef MIGRA_HAVE_TORCH
namespace {

torch::Tensor long_tensor(const std::vector<int>& v, const torch::Device& dev) {
  std::vector<std::int64_t> w(v.begin(), v.end());
  return torch::tensor(w, torch::kLong).to(dev);
}

torch::Tensor real_tensor(const std::vector<double>& v, std::vector<std::int64_t> shape, torch::Dtype dt,
                          const torch::Device& dev) {
  return models::tensor_of(v, std::move(shape), torch::TensorOptions().dtype(dt).device(dev));
}

/// The message edges of a graph on a device.
struct Edges {
  torch::Tensor src, dst, w, deg;  // deg: in-degree per node (mean aggregator)
  Edges(const FlowGraph& g, torch::Dtype dt, const torch::Device& dev)
      : src(long_tensor(g.msg_src, dev)), dst(long_tensor(g.msg_dst, dev)),
        w(real_tensor(g.msg_weight, {std::int64_t(g.msg_weight.size())}, dt, dev)) {
    deg = torch::zeros({g.n}, torch::TensorOptions().dtype(dt).device(dev)).index_add_(0, dst, torch::ones_like(w));
  }
};

/// One batched SAGE layer: h [R, N, fin] -> [R, N, fout].
struct Layer {
  torch::Tensor w_pool, b_pool, w_self, w_neigh, b;  // [R,fin,fin] [R,1,fin] [R,fin,fout] [R,fin,fout] [R,1,fout]
  torch::Tensor forward(const torch::Tensor& h, const Edges& e, bool pool) const {
    const auto R = h.size(0), N = h.size(1), F = h.size(2), E = e.src.size(0);
    const torch::Tensor p = pool ? torch::relu(torch::bmm(h, w_pool) + b_pool) : h;
    // Messages node-major, [N, R*F]: gathers and scatters then move whole contiguous rows.
    const torch::Tensor rows = p.transpose(0, 1).reshape({N, R * F});
    const torch::Tensor msg = rows.index_select(0, e.src) * e.w.view({E, 1});
    torch::Tensor hn;
    if (pool) {
      // The max over in-edges as a weighted sum whose weights are fixed at the arg-max: the
      // same value, and the gradient amax has (split evenly among ties), without autograd's
      // scatter_reduce backward, which was 80 % of a training step. Messages are >= 0, so a max
      // that starts from 0 is the max, and 0 without in-edges.
      torch::Tensor weight;
      {
        torch::NoGradGuard ng;
        const torch::Tensor top = torch::zeros({N, R * F}, h.options())
                                      .scatter_reduce(0, e.dst.view({E, 1}).expand({E, R * F}), msg, "amax", true);
        const torch::Tensor hit = (msg == top.index_select(0, e.dst)).to(h.scalar_type());
        const torch::Tensor ties = torch::zeros({N, R * F}, h.options()).index_add(0, e.dst, hit);
        weight = hit / ties.index_select(0, e.dst).clamp_min(1);
      }
      hn = torch::zeros({N, R * F}, h.options()).index_add(0, e.dst, msg * weight);
    } else {
      hn = torch::zeros({N, R * F}, h.options()).index_add(0, e.dst, msg) / e.deg.clamp_min(1).view({N, 1});
    }
    hn = hn.view({N, R, F}).transpose(0, 1);
    return torch::bmm(h, w_self) + torch::bmm(hn, w_neigh) + b;
  }
  std::vector<torch::Tensor> params(bool pool) const {
    if (pool) return {w_pool, b_pool, w_self, w_neigh, b};
    return {w_self, w_neigh, b};
  }
};

/// BatchNorm1d over the N nodes, per repeat (PyTorch defaults: eps 1e-5, momentum 0.1).
struct Norm {
  torch::Tensor gamma, beta, mean, var;  // [R,1,H]
  torch::Tensor forward(const torch::Tensor& h, bool train) {
    if (train) {
      const torch::Tensor m = h.mean(1, true), v = h.var(1, false, true);
      {
        torch::NoGradGuard ng;
        const double n = double(h.size(1));
        mean.mul_(0.9).add_(0.1 * m);
        var.mul_(0.9).add_(0.1 * v * (n / std::max(1.0, n - 1)));
      }
      return (h - m) / torch::sqrt(v + 1e-5) * gamma + beta;
    }
    return (h - mean) / torch::sqrt(var + 1e-5) * gamma + beta;
  }
};

/// Initial weights are drawn on the CPU and then moved, so that a seed gives the same model on
/// every device.
Layer make_layer(std::int64_t R, std::int64_t fin, std::int64_t fout, const torch::TensorOptions& o) {
  const auto cpu = o.device(torch::kCPU);
  const auto uniform = [&](std::vector<std::int64_t> shape, double bound) {
    return torch::empty(shape, cpu).uniform_(-bound, bound).to(o.device()).requires_grad_();
  };
  const auto xavier = [&](std::int64_t a, std::int64_t b) {  // gain sqrt(2), fan_in a, fan_out b
    return uniform({R, a, b}, std::sqrt(2.0) * std::sqrt(6.0 / double(a + b)));
  };
  Layer l;
  l.w_pool = xavier(fin, fin);
  l.b_pool = uniform({R, 1, fin}, 1.0 / std::sqrt(double(fin)));
  l.w_self = xavier(fin, fout);
  l.w_neigh = xavier(fin, fout);
  l.b = torch::zeros({R, 1, fout}, o).requires_grad_();
  return l;
}

/// scatter_reduce is marked beta and says so once on stderr; the max-pool layer relies on it.
/// LibTorch 1.13 (Debian's) lets a handler drop that line; 2.x changed the handler API, and
/// there the line is left as it is.
#if TORCH_VERSION_MAJOR < 2
struct QuietBeta : c10::WarningHandler {
  void process(const c10::SourceLocation& where, const std::string& msg, const bool verbatim) override {
    if (msg.find("is in beta") == std::string::npos) c10::WarningHandler::process(where, msg, verbatim);
  }
};
#endif

/// Installs QuietBeta once for the process (the handler is global and not thread-safe to swap).
void quiet_beta_warnings() {
#if TORCH_VERSION_MAJOR < 2
  static QuietBeta quiet;
  static const bool installed = (c10::Warning::set_warning_handler(&quiet), true);
  (void)installed;
#endif
}

}  // namespace

SageResult train_sage(const FlowGraph& g, const std::vector<double>& X, int d, const SageConfig& cfg,
                      const std::function<void(double)>& progress) {
  MIGRA_THROW_IF_NOT_FMT(cfg.aggregator == "pool" || cfg.aggregator == "mean", "aggregator '%s' (pool or mean)",
                         cfg.aggregator.c_str());
  MIGRA_THROW_IF_NOT_FMT(cfg.repeats >= 1 && cfg.hidden >= 1 && cfg.steps >= 0, "bad GNN configuration");
  const torch::Device dev = models::torch_device(cfg.device);
  models::single_threaded_blas();
  quiet_beta_warnings();
  const torch::Dtype dt = cfg.float64 ? torch::kFloat64 : torch::kFloat32;
  const auto o = torch::TensorOptions().dtype(dt).device(dev);
  torch::manual_seed(cfg.seed);
  const std::int64_t R = cfg.repeats, N = g.n, H = cfg.hidden;
  const bool pool = cfg.aggregator == "pool";
  const Edges e(g, dt, dev);
  const torch::Tensor x = real_tensor(X, {1, N, d}, dt, dev).expand({R, N, d}).contiguous();
  std::vector<Layer> layers{make_layer(R, d, H, o), make_layer(R, H, H, o), make_layer(R, H, 1, o)};
  std::vector<Norm> norms;
  for (int k = 0; k < 2; ++k)
    norms.push_back({torch::ones({R, 1, H}, o).requires_grad_(), torch::zeros({R, 1, H}, o).requires_grad_(),
                     torch::zeros({R, 1, H}, o), torch::ones({R, 1, H}, o)});
  std::vector<torch::Tensor> params;
  for (const Layer& l : layers)
    for (const auto& p : l.params(pool)) params.push_back(p);
  for (const Norm& nm : norms) params.push_back(nm.gamma), params.push_back(nm.beta);
  torch::optim::Adam opt(params, torch::optim::AdamOptions(cfg.lr));

  // Records by split, with their weights and flows.
  std::vector<int> src[3], dst[3];
  std::vector<double> w[3], t[3];
  for (size_t k = 0; k < g.records.size(); ++k) {
    const int s = int(g.split[k]);
    src[s].push_back(g.records[k].origin), dst[s].push_back(g.records[k].destination);
    w[s].push_back(g.record_weight[k]), t[s].push_back(g.records[k].flow);
  }
  const auto forward = [&](bool train) {
    torch::Tensor h = x;
    for (int k = 0; k < 3; ++k) {
      h = layers[size_t(k)].forward(h, e, pool);
      if (k < 2) h = torch::dropout(torch::relu(norms[size_t(k)].forward(h, train)), cfg.dropout, train);
    }
    return h.squeeze(2);  // z: [R, N]
  };
  const auto decode = [&](const torch::Tensor& z, const torch::Tensor& s_, const torch::Tensor& d_, const torch::Tensor& w_) {
    return z.index_select(1, s_) * w_.view({1, -1}) * z.index_select(1, d_);
  };
  struct SplitT {
    torch::Tensor s, d, w, t;
  };
  std::vector<SplitT> sp;
  for (int k = 0; k < 3; ++k)
    sp.push_back({long_tensor(src[k], dev), long_tensor(dst[k], dev),
                  real_tensor(w[k], {std::int64_t(w[k].size())}, dt, dev),
                  real_tensor(t[k], {std::int64_t(t[k].size())}, dt, dev)});
  const auto rmse = [](const torch::Tensor& pred, const torch::Tensor& obs) {  // per repeat
    return torch::sqrt(torch::mean(torch::pow(pred - obs.view({1, -1}), 2), 1));
  };

  SageResult res;
  res.device = dev.str();
  const auto t0 = std::chrono::steady_clock::now();
  for (int step = 1; step <= cfg.steps; ++step) {
    opt.zero_grad();
    const torch::Tensor z = forward(true);
    const torch::Tensor loss = rmse(decode(z, sp[0].s, sp[0].d, sp[0].w), sp[0].t).sum();
    loss.backward();
    opt.step();
    if (step % cfg.log_every == 0 || step == cfg.steps) {
      torch::NoGradGuard ng;
      const torch::Tensor ze = forward(false);
      res.logged_step.push_back(step);
      res.train_rmse.push_back(rmse(torch::clamp_min(decode(ze, sp[0].s, sp[0].d, sp[0].w), 0), sp[0].t).mean().item<double>());
      res.val_rmse.push_back(sp[1].t.numel() ? rmse(torch::clamp_min(decode(ze, sp[1].s, sp[1].d, sp[1].w), 0), sp[1].t).mean().item<double>() : 0.0);
      if (progress) progress(double(step) / cfg.steps);
    }
  }
  res.seconds_per_step = cfg.steps ? std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / cfg.steps : 0;
  torch::NoGradGuard ng;
  const torch::Tensor z = forward(false);
  std::vector<int> all_s, all_d;
  std::vector<double> all_w;
  for (size_t k = 0; k < g.records.size(); ++k)
    all_s.push_back(g.records[k].origin), all_d.push_back(g.records[k].destination), all_w.push_back(g.record_weight[k]);
  const torch::Tensor pred = torch::clamp_min(
      decode(z, long_tensor(all_s, dev), long_tensor(all_d, dev), real_tensor(all_w, {std::int64_t(all_w.size())}, dt, dev)), 0)
                                 .to(torch::kCPU, torch::kFloat64);
  res.per_repeat = models::values_of(pred);
  res.prediction = models::values_of(pred.mean(0));
  return res;
}

std::vector<double> sage_layer(const FlowGraph& g, const std::vector<double>& h, int fin, int fout,
                               const std::vector<double>& w_pool, const std::vector<double>& b_pool,
                               const std::vector<double>& w_self, const std::vector<double>& w_neigh,
                               const std::vector<double>& b, const std::string& aggregator) {
  quiet_beta_warnings();
  const torch::Device cpu(torch::kCPU);
  const Edges e(g, torch::kFloat64, cpu);
  Layer l;
  l.w_pool = real_tensor(w_pool, {1, fin, fin}, torch::kFloat64, cpu);
  l.b_pool = real_tensor(b_pool, {1, 1, fin}, torch::kFloat64, cpu);
  l.w_self = real_tensor(w_self, {1, fin, fout}, torch::kFloat64, cpu);
  l.w_neigh = real_tensor(w_neigh, {1, fin, fout}, torch::kFloat64, cpu);
  l.b = real_tensor(b, {1, 1, fout}, torch::kFloat64, cpu);
  return models::values_of(l.forward(real_tensor(h, {1, g.n, fin}, torch::kFloat64, cpu), e, aggregator == "pool"));
}

#else

SageResult train_sage(const FlowGraph&, const std::vector<double>&, int, const SageConfig&,
                      const std::function<void(double)>&) {
  MIGRA_THROW_FMT("this build of migra has no LibTorch (configure with -DMIGRA_TORCH=ON)");
}

std::vector<double> sage_layer(const FlowGraph&, const std::vector<double>&, int, int, const std::vector<double>&,
                               const std::vector<double>&, const std::vector<double>&, const std::vector<double>&,
                               const std::vector<double>&, const std::string&) {
  MIGRA_THROW_FMT("this build of migra has no LibTorch (configure with -DMIGRA_TORCH=ON)");
}

#endif

}  // namespace migra::gnn
