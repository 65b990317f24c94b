#include "models/pinn_migration/pinn.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

#include "kernels/core/error.hpp"

#ifdef MIGRA_HAVE_TORCH
#include "models/pinn_migration/grouped_mlp.hpp"
#include "models/torch_device.hpp"
#include "models/torch_runtime.hpp"
#endif

namespace migra::pinn {

std::vector<double> collocation_grid(const std::vector<double>& t_data, int n_p) {
  std::vector<double> g = t_data;
  for (int k = 0; k < n_p; ++k) g.push_back(n_p == 1 ? 0.0 : double(k) / (n_p - 1));
  std::sort(g.begin(), g.end());
  std::vector<double> out;
  for (double t : g)
    if (out.empty() || t - out.back() > 1e-12) out.push_back(t);
  return out;
}

double cosine_lr(int k, const PinnConfig& cfg) {
  const double T = std::max(1, cfg.epochs);
  return cfg.lr_min + 0.5 * (cfg.lr - cfg.lr_min) * (1 + std::cos(M_PI * std::min(double(k), T) / T));
}

#ifdef MIGRA_HAVE_TORCH
namespace {

using models::tensor_of;
using models::values_of;

/// The trainable (or fixed) coefficients and how they make K and G.
struct CoefficientModel : torch::nn::Module {
  torch::Tensor F, D;                   // fixed [N, N]
  torch::Tensor c_r, c_d, g, c_a, c_e;  // c_r, c_d: [N,N] (matrix) or [] (scalar); g: W, diag or L
  bool scalar, symmetric_K;
  std::string g_mode;

  CoefficientModel(const Problem& pb, const PinnConfig& cfg, const torch::TensorOptions& o)
      : scalar(cfg.coeff_mode == "scalar"), symmetric_K(cfg.symmetric_K), g_mode(cfg.g_mode) {
    const std::int64_t n = pb.n;
    F = tensor_of(pb.F, {n, n}, o), D = tensor_of(pb.D, {n, n}, o);
    const bool learn = cfg.train_coefficients;
    const auto add = [&](const char* name, torch::Tensor t, bool trainable) {
      return trainable ? register_parameter(name, t) : register_buffer(name, t);
    };
    const Coefficients* init = cfg.initial ? &*cfg.initial : nullptr;
    if (scalar) {
      c_r = add("c_r", torch::full({}, init ? init->c_r : 0.0, o), learn);
      c_d = add("c_d", torch::full({}, init ? init->c_d : 0.0, o), learn);
    } else {
      c_r = add("C_r", init && !init->C_r.empty() ? tensor_of(init->C_r, {n, n}, o) : torch::zeros({n, n}, o), learn);
      c_d = add("C_d", init && !init->C_d.empty() ? tensor_of(init->C_d, {n, n}, o) : torch::zeros({n, n}, o), learn);
    }
    // G's parameter starts from the given G where its form can hold it: W = G, diag(G), L = chol(G).
    torch::Tensor g0 = init && !init->G.empty() ? tensor_of(init->G, {n, n}, o) : torch::zeros({n, n}, o);
    if (g_mode == "diagonal") g0 = g0.diagonal().clone();
    else if (g_mode == "cholesky") g0 = init && !init->G.empty() ? torch::linalg_cholesky(g0) : 0.1 * torch::eye(n, o);
    g = add("G", g0, learn);
    c_a = add("c_a", torch::full({}, init ? init->c_a : 0.0, o), learn);
    c_e = add("c_e", torch::full({}, init ? init->c_e : 1.0, o), learn && !cfg.fix_ce);
  }
  torch::Tensor K() const {
    const torch::Tensor k = c_r * F + c_d * D;  // c_r, c_d scalars or N × N
    return symmetric_K ? 0.5 * (k + k.t()) : k;
  }
  torch::Tensor G() const {
    if (g_mode == "diagonal") return torch::diag(g);
    if (g_mode == "cholesky") {
      const torch::Tensor L = torch::tril(g);
      return L.mm(L.t());
    }
    return 0.5 * (g + g.t());
  }
};

void check(const Problem& pb, const PinnConfig& cfg) {
  const size_t n = size_t(pb.n), T = pb.t_data.size();
  MIGRA_THROW_IF_NOT_FMT(pb.n >= 1 && T >= 2 && pb.R.size() == n * T && pb.F.size() == n * n && pb.D.size() == n * n &&
                             pb.a.size() == n,
                         "PINN problem: inconsistent sizes (N %d, T %zu)", pb.n, T);
  MIGRA_THROW_IF_NOT_FMT(cfg.coeff_mode == "matrix" || cfg.coeff_mode == "scalar", "coeff-mode '%s': matrix or scalar",
                         cfg.coeff_mode.c_str());
  MIGRA_THROW_IF_NOT_FMT(cfg.g_mode == "symmetric" || cfg.g_mode == "diagonal" || cfg.g_mode == "cholesky",
                         "g-mode '%s': symmetric, diagonal or cholesky", cfg.g_mode.c_str());
  MIGRA_THROW_IF_NOT_FMT(cfg.lambda_mode == "network" || cfg.lambda_mode == "points", "lambda '%s': network or points",
                         cfg.lambda_mode.c_str());
  MIGRA_THROW_IF_NOT_FMT(cfg.derivatives == "taylor" || cfg.derivatives == "autograd", "derivatives '%s': taylor or autograd",
                         cfg.derivatives.c_str());
  MIGRA_THROW_IF_NOT_FMT(!cfg.project_coefficients || (cfg.coeff_mode == "scalar" && cfg.g_mode == "diagonal" && cfg.fix_ce),
                         "projected coefficients need coeff-mode scalar, g-mode diagonal and a fixed c_e");
  MIGRA_THROW_IF_NOT_FMT(cfg.epochs >= 0 && cfg.width >= 1 && cfg.collocation >= 2 && cfg.log_every >= 1,
                         "PINN: epochs >= 0, width >= 1, collocation >= 2 needed");
}

/// Everything a step needs, built once.
struct Fit {
  const Problem& pb;
  const PinnConfig& cfg;
  torch::TensorOptions o;
  std::vector<double> grid;
  std::int64_t n, P;
  torch::Tensor T_in;          // [N, P, 1], requires grad (the t of autograd's derivatives)
  torch::Tensor T_lam;         // [N, P, 1], the grid as a plain input
  torch::Tensor data_idx, R_obs, a;  // [T], [N, T], [N, 1]
  torch::Tensor lam_known;     // [N, P] when λ is given
  GroupedMlp net_R{nullptr}, net_L{nullptr};
  torch::Tensor lam_points;    // [N, P] when lambda_mode = points
  std::shared_ptr<CoefficientModel> coeff;

  Fit(const Problem& p, const PinnConfig& c, const torch::Device& dev)
      : pb(p), cfg(c), o(torch::TensorOptions().dtype(c.float64 ? torch::kFloat64 : torch::kFloat32).device(dev)) {
    grid = collocation_grid(pb.t_data, cfg.collocation);
    n = pb.n, P = std::int64_t(grid.size());
    const torch::Tensor g = tensor_of(grid, {1, P, 1}, o).expand({n, P, 1}).contiguous();
    T_in = g.clone().requires_grad_(true);
    T_lam = g;
    std::vector<std::int64_t> idx;
    for (double t : pb.t_data)
      idx.push_back(std::int64_t(std::lower_bound(grid.begin(), grid.end(), t - 1e-12) - grid.begin()));
    data_idx = torch::tensor(idx, torch::kLong).to(dev);
    R_obs = tensor_of(pb.R, {n, std::int64_t(pb.t_data.size())}, o);
    a = tensor_of(pb.a, {n, 1}, o);
    torch::manual_seed(cfg.seed);
    const Activation act = parse_activation(cfg.activation);
    net_R = GroupedMlp(n, cfg.width, act, cfg.relu_after_penultimate, o);
    if (cfg.known_lambda) {
      std::vector<double> lk;
      for (int u = 0; u < pb.n; ++u)
        for (double t : grid) lk.push_back(cfg.known_lambda(u, t));
      lam_known = tensor_of(lk, {n, P}, o);
    } else if (cfg.lambda_mode == "network") {
      net_L = GroupedMlp(n, cfg.width, act, cfg.relu_after_penultimate, o);
    } else {
      lam_points = torch::zeros({n, P}, o).requires_grad_(true);
    }
    coeff = std::make_shared<CoefficientModel>(pb, cfg, o);
  }

  /// R̂ at times t ([N, P, 1]): the network, or t² times it under hard_ic.
  torch::Tensor R_hat(const torch::Tensor& t) const {
    const torch::Tensor y = net_R->forward(t);
    return cfg.hard_ic ? t * t * y : y;
  }

  std::vector<torch::Tensor> parameters() const {
    std::vector<torch::Tensor> ps = net_R->parameters();
    if (net_L) for (const auto& q : net_L->parameters()) ps.push_back(q);
    if (lam_points.defined()) ps.push_back(lam_points);
    for (const auto& q : coeff->parameters()) ps.push_back(q);
    return ps;
  }

  torch::Tensor lambda() const {
    if (lam_known.defined()) return lam_known;
    if (lam_points.defined()) return lam_points;
    return net_L->forward(T_lam).squeeze(2);
  }

  struct Eval {
    torch::Tensor R, dR, d2R, lam, r, l0, ld, lp;
  };
  /// R̂ and its t-derivatives on the grid (double autograd or Taylor jets), the residual and the
  /// three losses.
  Eval evaluate(bool for_training) const {
    Eval e;
    if (cfg.derivatives == "taylor") {
      auto jet = net_R->forward_jet(T_lam);
      if (cfg.hard_ic) {  // (t² N)' = 2t N + t² N',  (t² N)'' = 2N + 4t N' + t² N''
        const torch::Tensor& t = T_lam;
        jet = {t * t * jet[0], 2 * t * jet[0] + t * t * jet[1], 2 * jet[0] + 4 * t * jet[1] + t * t * jet[2]};
      }
      e.R = jet[0].squeeze(2), e.dR = jet[1].squeeze(2), e.d2R = jet[2].squeeze(2);
    } else {
      const torch::Tensor R = R_hat(T_in);
      const torch::Tensor dR = torch::autograd::grad({R.sum()}, {T_in}, {}, true, true)[0];
      const torch::Tensor d2R = torch::autograd::grad({dR.sum()}, {T_in}, {}, for_training, for_training)[0];
      e.R = R.squeeze(2), e.dR = dR.squeeze(2), e.d2R = d2R.squeeze(2);
    }
    e.lam = lambda();
    e.l0 = (e.R.select(1, 0).abs() + e.dR.select(1, 0).abs()).sum();
    e.ld = (R_obs - e.R.index_select(1, data_idx)).pow(2).mean(1).sum();
    physics(e);
    return e;
  }

  /// The residual r = R̂'' + K R̂ + G R̂' + c_a a − c_e λ and its loss L_p, from e's R̂ and λ.
  void physics(Eval& e) const {
    e.r = e.d2R + coeff->K().mm(e.R) + coeff->G().mm(e.dR) + coeff->c_a * a - coeff->c_e * e.lam;
    e.lp = e.r.pow(2).mean(1).sum();
  }

  /// θ = (c_r, c_d, c_a, diag G) minimising Σ r² with R̂ and its derivatives held (e detached):
  /// r_u(t) = R̂''_u + c_r (F R̂)_u + c_d (D R̂)_u + g_u R̂'_u + c_a a_u − c_e λ_u is affine in θ,
  /// one column per coefficient over the N × P residual entries. Recomputes e's residual and L_p.
  void project_coefficients(Eval& e) const {
    {
      torch::NoGradGuard ng;
      const torch::Tensor R = e.R.detach(), dR = e.dR.detach();
      std::vector<torch::Tensor> cols{coeff->F.mm(R).flatten(), coeff->D.mm(R).flatten(), a.expand_as(R).flatten()};
      for (std::int64_t u = 0; u < n; ++u) {  // g_u multiplies R̂'_u in row u only
        torch::Tensor col = torch::zeros_like(dR);
        col.select(0, u).copy_(dR.select(0, u));
        cols.push_back(col.flatten());
      }
      const torch::Tensor y = (coeff->c_e * e.lam.detach() - e.d2R.detach()).flatten();
      const torch::Tensor theta = std::get<0>(torch::linalg_lstsq(torch::stack(cols, 1), y.unsqueeze(1)));
      coeff->c_r.copy_(theta[0][0]), coeff->c_d.copy_(theta[1][0]), coeff->c_a.copy_(theta[2][0]);
      coeff->g.copy_(theta.narrow(0, 3, n).squeeze(1));
    }
    physics(e);
  }
};

/// Model, history and (for a checkpoint) the optimiser's moments as bytes, and back.
std::string save_state(const Fit& f, const torch::optim::AdamW* opt, int epoch, const std::vector<LossParts>& hist) {
  torch::serialize::OutputArchive ar;
  const auto params = f.parameters();
  for (size_t k = 0; k < params.size(); ++k) ar.write("p" + std::to_string(k), params[k].detach());
  if (opt) {
    torch::serialize::OutputArchive oa;
    opt->save(oa);
    ar.write("optimizer", oa);
  }
  std::vector<double> h;
  for (const LossParts& l : hist) h.insert(h.end(), {double(l.epoch), l.total, l.l0, l.ld, l.lp, l.lr});
  ar.write("history", torch::tensor(h, torch::kFloat64));
  ar.write("epoch", torch::tensor(std::int64_t(epoch)));
  std::ostringstream os;
  ar.save_to(os);
  return os.str();
}

int load_state(const std::string& bytes, Fit& f, torch::optim::AdamW& opt, std::vector<LossParts>& hist) {
  torch::serialize::InputArchive ar;
  std::istringstream is(bytes);
  ar.load_from(is, f.o.device());
  torch::NoGradGuard ng;
  const auto params = f.parameters();
  for (size_t k = 0; k < params.size(); ++k) {
    torch::Tensor t;
    ar.read("p" + std::to_string(k), t);
    MIGRA_THROW_IF_NOT_FMT(t.sizes() == params[k].sizes(), "checkpoint: parameter %zu has another shape", k);
    params[k].copy_(t);
  }
  torch::serialize::InputArchive oa;
  MIGRA_THROW_IF_NOT_FMT(ar.try_read("optimizer", oa), "checkpoint: no optimiser state (a trained model is not a checkpoint)");
  opt.load(oa);
  torch::Tensor h, ep;
  ar.read("history", h);
  ar.read("epoch", ep);
  const std::vector<double> v = values_of(h);
  hist.clear();
  for (size_t k = 0; k + 6 <= v.size(); k += 6)
    hist.push_back({int(v[k]), v[k + 1], v[k + 2], v[k + 3], v[k + 4], v[k + 5]});
  return int(ep.item<std::int64_t>());
}

Coefficients coefficients_of(const CoefficientModel& c) {
  Coefficients out;
  out.K = values_of(c.K()), out.G = values_of(c.G());
  if (c.scalar) out.c_r = c.c_r.item<double>(), out.c_d = c.c_d.item<double>();
  else out.C_r = values_of(c.c_r), out.C_d = values_of(c.c_d);
  out.c_a = c.c_a.item<double>(), out.c_e = c.c_e.item<double>();
  const torch::Tensor ke = torch::linalg_eigvals(c.K().to(torch::kCPU, torch::kFloat64));
  out.K_eig_re = values_of(torch::real(ke)), out.K_eig_im = values_of(torch::imag(ke));
  const torch::Tensor G = c.G().to(torch::kCPU, torch::kFloat64);
  out.G_eig = values_of(torch::linalg_eigvalsh(0.5 * (G + G.t())));
  return out;
}

}  // namespace

PinnResult train_pinn(const Problem& pb, const PinnConfig& cfg, const std::function<void(const LossParts&)>& progress,
                      const Checkpointing& ck) {
  check(pb, cfg);
  const torch::Device dev = models::torch_device(cfg.device);
  models::single_threaded_blas();
  models::reuse_freed_memory();  // an epoch's temporaries are MBs: without it, 30% of a CPU epoch was page faults
  Fit f(pb, cfg, dev);
  const std::vector<torch::Tensor> params = f.parameters();
  torch::optim::AdamW opt(params, torch::optim::AdamWOptions(cfg.lr).betas({0.9, 0.999}).eps(1e-8).weight_decay(cfg.weight_decay));
  PinnResult res;
  res.device = dev.str();
  int start = 0;
  if (!ck.initial.empty()) start = res.resumed_at = load_state(ck.initial, f, opt, res.history);

  const auto t0 = std::chrono::steady_clock::now();
  for (int k = start; k < cfg.epochs; ++k) {
    const double lr = cosine_lr(k, cfg);
    for (auto& group : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    opt.zero_grad();
    Fit::Eval e = f.evaluate(true);
    // Projected from a quarter of the run on: before R̂ is near the data the least squares are
    // ill-posed (from the untrained networks θ ran off to 1e4 and dragged R̂ away from the data).
    if (cfg.project_coefficients && k >= cfg.epochs / 4) f.project_coefficients(e);
    const torch::Tensor loss = e.l0 + e.ld + e.lp;
    loss.backward();
    if (cfg.clip > 0) torch::nn::utils::clip_grad_norm_(params, cfg.clip);
    opt.step();
    const int epoch = k + 1;
    if (epoch % cfg.log_every == 0 || epoch == cfg.epochs) {
      res.history.push_back({epoch, loss.item<double>(), e.l0.item<double>(), e.ld.item<double>(), e.lp.item<double>(), lr});
      if (progress) progress(res.history.back());
    }
    if (ck.save && ck.every > 0 && epoch % ck.every == 0 && epoch < cfg.epochs) ck.save([&] { return save_state(f, &opt, epoch, res.history); });
  }
  const int ran = cfg.epochs - start;
  res.seconds_per_epoch = ran > 0 ? std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / ran : 0;

  Fit::Eval e = f.evaluate(false);
  if (cfg.project_coefficients && cfg.epochs > 0) f.project_coefficients(e);
  res.grid = f.grid;
  res.R = values_of(e.R), res.dR = values_of(e.dR), res.d2R = values_of(e.d2R);
  res.lambda = values_of(e.lam), res.residual = values_of(e.r);
  res.R_data = values_of(e.R.index_select(1, f.data_idx));
  if (!cfg.extra_times.empty()) {
    torch::NoGradGuard ng;
    const std::int64_t E = std::int64_t(cfg.extra_times.size());
    res.R_extra = values_of(f.R_hat(tensor_of(cfg.extra_times, {1, E, 1}, f.o).expand({f.n, E, 1}).contiguous()));
  }
  res.state = save_state(f, nullptr, cfg.epochs, res.history);
  torch::NoGradGuard ng;
  res.coefficients = coefficients_of(*f.coeff);
  return res;
}

#else

PinnResult train_pinn(const Problem&, const PinnConfig&, const std::function<void(const LossParts&)>&, const Checkpointing&) {
  MIGRA_THROW_FMT("this build of migra has no LibTorch (configure with -DMIGRA_TORCH=ON)");
}

#endif

}  // namespace migra::pinn
