#include "models/graphsage_flows/sage.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <sstream>

#include "kernels/core/error.hpp"

#ifdef MIGRA_HAVE_TORCH
#include "models/graphsage_flows/sage_net.hpp"
#include "models/torch_device.hpp"
#include "models/torch_runtime.hpp"
#endif

namespace migra::gnn {

#ifdef MIGRA_HAVE_TORCH
namespace {

/// Records (all, or one split's) as tensors: origins, destinations, weights w_ij, distances d_ij, flows.
struct RecordSet {
  torch::Tensor origin, destination, w, d, t;
  RecordSet(const FlowGraph& g, int split, const torch::TensorOptions& o) {  // split < 0: all records
    MIGRA_THROW_IF_NOT_FMT(g.record_distance.size() == g.records.size(), "GraphSAGE: the graph has no record distances");
    std::vector<int> s, e;
    std::vector<double> w_, d_, t_;
    for (size_t k = 0; k < g.records.size(); ++k)
      if (split < 0 || int(g.split[k]) == split)
        s.push_back(g.records[k].origin), e.push_back(g.records[k].destination), w_.push_back(g.record_weight[k]),
            d_.push_back(g.record_distance[k]), t_.push_back(g.records[k].flow);
    const std::int64_t m = std::int64_t(s.size());
    origin = long_tensor(s, o.device()), destination = long_tensor(e, o.device());
    w = models::tensor_of(w_, {m}, o), d = models::tensor_of(d_, {m}, o), t = models::tensor_of(t_, {m}, o);
  }
  torch::Tensor predict(const SageNet& net, const torch::Tensor& z) const { return net.decode(z, origin, destination, w, d); }
};

/// Per model: sqrt(mean((pred − obs)²)) over the records, [R].
torch::Tensor rmse(const torch::Tensor& pred, const torch::Tensor& obs) {
  return torch::sqrt(torch::mean(torch::pow(pred - obs.view({1, -1}), 2), 1) + 1e-12);
}

/// The training loss per model, [R]: the RMSE (the paper's), or the mean absolute error, the
/// loss closest to the score: CPC = 1 − Σ|t − t~| / (Σ t + Σ t~).
torch::Tensor fit_loss(const torch::Tensor& pred, const torch::Tensor& obs, bool mae) {
  return mae ? torch::mean(torch::abs(pred - obs.view({1, -1})), 1) : rmse(pred, obs);
}

/// The seed of step k's dropout masks: a pure function of (seed, k), so a resumed fit draws
/// the masks the uninterrupted one drew (splitmix64 of the pair).
std::uint64_t step_seed(std::uint64_t seed, int step) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * std::uint64_t(step + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return (z ^ (z >> 31)) >> 1;
}

SagePrediction predict_with(SageNet& net, const FlowGraph& g, const torch::Tensor& x, const Edges& e) {
  torch::NoGradGuard ng;
  const torch::Tensor z = net.forward(x, e, false);
  const RecordSet all(g, -1, x.options());
  const torch::Tensor raw = all.predict(net, z).to(torch::kCPU, torch::kFloat64);
  SagePrediction p;
  p.repeats = int(z.size(0));
  p.negatives = (raw < 0).sum().item<std::int64_t>();
  const torch::Tensor clamped = raw.clamp_min(0);
  p.per_repeat = models::values_of(clamped);
  p.mean = models::values_of(clamped.mean(0));
  p.z = models::values_of(z);
  return p;
}

torch::Tensor features(const std::vector<double>& X, const FlowGraph& g, int d, std::int64_t R, const torch::TensorOptions& o) {
  MIGRA_THROW_IF_NOT_FMT(X.size() == size_t(g.n) * size_t(d), "GraphSAGE: %zu feature values for %d nodes × %d features",
                         X.size(), g.n, d);
  return models::tensor_of(X, {1, g.n, d}, o).expand({R, g.n, d}).contiguous();
}

/// Training state beyond the model: the kept weights and their validation RMSE per model, the
/// log, and the optimiser — what a checkpoint holds besides the model.
struct Progress {
  std::vector<torch::Tensor> best;
  torch::Tensor best_val;  // [R], float64 on the CPU
  std::vector<int> best_step;
  int step = 0;
};

std::string save_checkpoint(const SageNet& net, const Progress& pr, const torch::optim::Adam& opt, const SageResult& res) {
  torch::serialize::OutputArchive ar, oa;
  const std::string bytes = net.save();
  ar.write("net", torch::from_blob(const_cast<char*>(bytes.data()), {std::int64_t(bytes.size())}, torch::kUInt8).clone());
  for (size_t k = 0; k < pr.best.size(); ++k) ar.write("best" + std::to_string(k), pr.best[k]);
  ar.write("best_val", pr.best_val);
  std::vector<double> log{double(pr.step)};
  for (int s : pr.best_step) log.push_back(s);
  for (size_t k = 0; k < res.logged_step.size(); ++k)
    log.insert(log.end(), {double(res.logged_step[k]), res.train_rmse[k], res.val_rmse[k], res.val_cpc[k]});
  ar.write("log", torch::tensor(log, torch::kFloat64));
  opt.save(oa);
  ar.write("optimizer", oa);
  std::ostringstream os;
  ar.save_to(os);
  return os.str();
}

void load_checkpoint(const std::string& bytes, SageNet& net, Progress& pr, torch::optim::Adam& opt, SageResult& res) {
  torch::serialize::InputArchive ar, oa;
  std::istringstream is(bytes);
  const torch::Device dev = net.scale.device();
  ar.load_from(is, dev);
  torch::Tensor nb, log;
  ar.read("net", nb);
  nb = nb.to(torch::kCPU).contiguous();
  const SageNet saved = SageNet::load(std::string(reinterpret_cast<const char*>(nb.data_ptr<std::uint8_t>()), size_t(nb.numel())), dev);
  MIGRA_THROW_IF_NOT_FMT(saved.state().size() == net.state().size(), "checkpoint: another model shape");
  torch::NoGradGuard ng;
  const auto to = net.state(), from = saved.state();
  for (size_t k = 0; k < to.size(); ++k) {
    MIGRA_THROW_IF_NOT_FMT(to[k].sizes() == from[k].sizes(), "checkpoint: another model shape");
    to[k].copy_(from[k]);
  }
  for (size_t k = 0; k < pr.best.size(); ++k) ar.read("best" + std::to_string(k), pr.best[k]);
  ar.read("best_val", pr.best_val);
  pr.best_val = pr.best_val.to(torch::kCPU);
  ar.read("log", log);
  const std::vector<double> v = models::values_of(log);
  const size_t R = pr.best_step.size();
  pr.step = int(v[0]);
  for (size_t r = 0; r < R; ++r) pr.best_step[r] = int(v[1 + r]);
  for (size_t k = 1 + R; k + 4 <= v.size(); k += 4)
    res.logged_step.push_back(int(v[k])), res.train_rmse.push_back(v[k + 1]), res.val_rmse.push_back(v[k + 2]),
        res.val_cpc.push_back(v[k + 3]);
  ar.read("optimizer", oa);
  opt.load(oa);
}

}  // namespace

SageResult train_sage(const FlowGraph& g, const std::vector<double>& X, int d, const SageConfig& cfg,
                      const std::function<void(double)>& progress, const models::Checkpointing& ck) {
  MIGRA_THROW_IF_NOT_FMT(cfg.aggregator == "pool" || cfg.aggregator == "mean", "aggregator '%s' (pool or mean)",
                         cfg.aggregator.c_str());
  MIGRA_THROW_IF_NOT_FMT(cfg.repeats >= 1 && cfg.hidden >= 1 && cfg.embedding >= 1 && cfg.steps >= 0 && cfg.log_every >= 1 && cfg.fanout >= 0,
                         "bad GNN configuration");
  MIGRA_THROW_IF_NOT_FMT(!cfg.weight_before_pool || cfg.aggregator == "pool", "weight-before-pool needs the pool aggregator");
  MIGRA_THROW_IF_NOT_FMT(cfg.loss == "rmse" || cfg.loss == "mae", "loss '%s' (rmse or mae)", cfg.loss.c_str());
  const bool mae = cfg.loss == "mae";
  const torch::Device dev = models::torch_device(cfg.device);
  models::single_threaded_blas();
  models::reuse_freed_memory();
  quiet_beta_warnings();
  const auto o = torch::TensorOptions().dtype(cfg.float64 ? torch::kFloat64 : torch::kFloat32).device(dev);
  torch::manual_seed(cfg.seed);
  const std::int64_t R = cfg.repeats;
  SageNet net({d, cfg.hidden, R, cfg.embedding, cfg.directed, cfg.aggregator == "pool", cfg.weight_before_pool, cfg.final_bn_relu, cfg.dropout,
              cfg.learn_power, cfg.learn_decay}, o);
  const Edges e(g, o.dtype().toScalarType(), dev);
  const torch::Tensor x = features(X, g, d, R, o);
  const RecordSet train(g, int(Split::Train), o), val(g, int(Split::Val), o);
  MIGRA_THROW_IF_NOT_FMT(train.t.numel() > 0, "GraphSAGE: no train records");
  // The literal stack ends in ReLU(BN(·)) ~ O(1); s puts t^ on the flows' scale (spec §2.2).
  if (cfg.final_bn_relu) net.scale.fill_((train.t.mean() / train.w.mean()).item<double>());
  net.pivot.fill_(torch::log(train.w).mean().exp().item<double>());
  net.mean_distance.fill_(train.d.mean().item<double>());
  torch::optim::Adam opt(net.parameters(), torch::optim::AdamOptions(cfg.lr));

  SageResult res;
  res.device = dev.str();
  Progress pr;
  for (const torch::Tensor& t : net.state()) pr.best.push_back(t.detach().clone());
  pr.best_val = torch::full({R}, std::numeric_limits<double>::infinity(), torch::kFloat64);
  pr.best_step.assign(size_t(R), 0);
  if (!ck.initial.empty()) load_checkpoint(ck.initial, net, pr, opt, res), res.resumed_at = pr.step;
  const bool use_val = cfg.keep_best && val.t.numel() > 0;

  const auto t0 = std::chrono::steady_clock::now();
  for (int step = pr.step + 1; step <= cfg.steps; ++step) {
    torch::manual_seed(step_seed(cfg.seed, step));
    opt.zero_grad();
    // Neighbour sampling draws the step's in-edges from (seed, step): a resume draws the same.
    const std::optional<Edges> sampled =
        cfg.fanout > 0 ? std::optional<Edges>(Edges(g, o.dtype().toScalarType(), dev, true,
                                                    sample_in_edges(g, cfg.fanout, cfg.seed, std::uint32_t(step))))
                       : std::nullopt;
    fit_loss(train.predict(net, net.forward(x, sampled ? *sampled : e, true)), train.t, mae).sum().backward();
    opt.step();
    pr.step = step;
    if (step % cfg.log_every == 0 || step == cfg.steps) {
      torch::NoGradGuard ng;
      const torch::Tensor z = net.forward(x, e, false);
      const torch::Tensor tr = rmse(train.predict(net, z).clamp_min(0), train.t);
      res.logged_step.push_back(step);
      res.train_rmse.push_back(tr.mean().item<double>());
      res.val_rmse.push_back(0.0);
      res.val_cpc.push_back(0.0);
      if (val.t.numel()) {
        const torch::Tensor pv = val.predict(net, z).clamp_min(0);
        const torch::Tensor v = rmse(pv, val.t).to(torch::kCPU, torch::kFloat64);
        res.val_rmse.back() = v.mean().item<double>();
        const torch::Tensor v_loss = mae ? fit_loss(pv, val.t, true).to(torch::kCPU, torch::kFloat64) : v;
        // CPC = 2 Σ min(t, t~) / (Σ t + Σ t~), of the ensemble's mean, in fp64.
        const torch::Tensor mean = pv.mean(0).to(torch::kFloat64), obs = val.t.to(torch::kFloat64);
        res.val_cpc.back() = (2 * torch::minimum(mean, obs).sum() / (mean.sum() + obs.sum())).item<double>();
        if (use_val) {
          const torch::Tensor better = v_loss < pr.best_val;
          const auto cur = net.state();
          for (std::int64_t r = 0; r < R; ++r) {
            if (!better[r].item<bool>()) continue;
            for (size_t k = 0; k < cur.size(); ++k) pr.best[k][r].copy_(cur[k][r]);
            pr.best_val[r] = v_loss[r];
            pr.best_step[size_t(r)] = step;
          }
        }
      }
      if (progress) progress(double(step) / cfg.steps);
    }
    if (ck.save && ck.every > 0 && step % ck.every == 0 && step < cfg.steps) ck.save([&] { return save_checkpoint(net, pr, opt, res); });
  }
  const int ran = cfg.steps - res.resumed_at;
  res.seconds_per_step = ran > 0 ? std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / ran : 0;
  if (use_val) {
    torch::NoGradGuard ng;
    const auto cur = net.state();
    for (std::int64_t r = 0; r < R; ++r)
      if (pr.best_step[size_t(r)] > 0)
        for (size_t k = 0; k < cur.size(); ++k) cur[k][r].copy_(pr.best[k][r]);
    res.best_step = pr.best_step;
  } else {
    res.best_step.assign(size_t(R), cfg.steps);
  }
  const SagePrediction p = predict_with(net, g, x, e);
  res.prediction = p.mean, res.per_repeat = p.per_repeat, res.negatives = p.negatives;
  res.power = models::values_of(net.power);
  res.decay = models::values_of(net.decay);
  res.net = net.save();
  return res;
}

SagePrediction predict_sage(const std::string& bytes, const FlowGraph& g, const std::vector<double>& X, int d,
                            const std::string& device) {
  const torch::Device dev = models::torch_device(device);
  models::single_threaded_blas();
  models::reuse_freed_memory();
  quiet_beta_warnings();
  SageNet net = SageNet::load(bytes, dev);
  MIGRA_THROW_IF_NOT_FMT(net.shape().d == d, "GraphSAGE model: trained on %lld features, given %d", (long long)net.shape().d, d);
  const auto o = net.scale.options();
  return predict_with(net, g, features(X, g, d, net.shape().repeats, o), Edges(g, o.dtype().toScalarType(), dev));
}

std::vector<double> sage_layer(const FlowGraph& g, const std::vector<double>& h, int fin, int fout,
                               const std::vector<double>& w_pool, const std::vector<double>& b_pool,
                               const std::vector<double>& w_self, const std::vector<double>& w_neigh,
                               const std::vector<double>& b, const std::string& aggregator, bool weight_before_pool,
                               bool fused_max_pool) {
  quiet_beta_warnings();
  const auto o = torch::TensorOptions().dtype(torch::kFloat64);
  const Edges e(g, torch::kFloat64, torch::kCPU, fused_max_pool);
  Layer l;
  l.w_pool = models::tensor_of(w_pool, {1, fin, fin}, o);
  l.b_pool = models::tensor_of(b_pool, {1, 1, fin}, o);
  l.w_self = models::tensor_of(w_self, {1, fin, fout}, o);
  l.w_neigh = models::tensor_of(w_neigh, {1, fin, fout}, o);
  l.b = models::tensor_of(b, {1, 1, fout}, o);
  SageShape s;
  s.pool = aggregator == "pool", s.weight_before_pool = weight_before_pool;
  return models::values_of(l.forward(models::tensor_of(h, {1, g.n, fin}, o), e, s, {}));
}

#else

namespace {
[[noreturn]] void no_torch() { MIGRA_THROW_FMT("this build of migra has no LibTorch (configure with -DMIGRA_TORCH=ON)"); }
}  // namespace

SageResult train_sage(const FlowGraph&, const std::vector<double>&, int, const SageConfig&,
                      const std::function<void(double)>&, const models::Checkpointing&) {
  no_torch();
}

SagePrediction predict_sage(const std::string&, const FlowGraph&, const std::vector<double>&, int, const std::string&) {
  no_torch();
}

std::vector<double> sage_layer(const FlowGraph&, const std::vector<double>&, int, int, const std::vector<double>&,
                               const std::vector<double>&, const std::vector<double>&, const std::vector<double>&,
                               const std::vector<double>&, const std::string&, bool, bool) {
  no_torch();
}

#endif

}  // namespace migra::gnn
