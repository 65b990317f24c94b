#include "models/graphsage_flows/sage_net.hpp"

#include <cmath>
#include <sstream>

#include <torch/version.h>

#include "kernels/core/error.hpp"
#include "models/graphsage_flows/max_pool_cpu.hpp"
#include "models/torch_device.hpp"

namespace migra::gnn {

torch::Tensor long_tensor(const std::vector<int>& v, const torch::Device& dev) {
  std::vector<std::int64_t> w(v.begin(), v.end());
  return torch::tensor(w, torch::kLong).to(dev);
}

Edges::Edges(const FlowGraph& g, torch::Dtype dt, const torch::Device& dev, bool fused_max_pool, const std::vector<int>& keep) {
  std::vector<int> s = g.msg_src, d = g.msg_dst;
  std::vector<double> wv = g.msg_weight;
  if (!keep.empty()) {
    s.clear(), d.clear(), wv.clear();
    for (int e : keep) s.push_back(g.msg_src[size_t(e)]), d.push_back(g.msg_dst[size_t(e)]), wv.push_back(g.msg_weight[size_t(e)]);
  }
  src = long_tensor(s, dev), dst = long_tensor(d, dev);
  w = models::tensor_of(wv, {std::int64_t(wv.size())}, torch::TensorOptions().dtype(dt).device(dev));
  deg = torch::zeros({g.n}, w.options()).index_add_(0, dst, torch::ones_like(w));
  if (!dev.is_cpu() || !fused_max_pool) return;
  const torch::Tensor order = std::get<1>(dst.sort(c10::optional<bool>(true), 0, false));  // by destination, then edge order
  csr_src = src.index_select(0, order).contiguous(), csr_w = w.index_select(0, order).contiguous();
  csr_ptr = torch::zeros({g.n + 1}, torch::kLong);
  csr_ptr.narrow(0, 1, g.n).copy_(deg.to(torch::kLong).cumsum(0));
}

torch::Tensor Layer::forward(const torch::Tensor& h, const Edges& e, const SageShape& s, const torch::Tensor& edge_scale) const {
  const auto R = h.size(0), N = h.size(1), F = h.size(2), E = e.src.size(0);
  if (s.pool && !s.weight_before_pool && !edge_scale.defined() && e.csr_ptr.defined()) {
    const torch::Tensor rows = torch::relu(torch::bmm(h, w_pool) + b_pool).transpose(0, 1).reshape({N, R * F});
    const torch::Tensor hn = max_pool_cpu(rows, e.csr_ptr, e.csr_src, e.csr_w).view({N, R, F}).transpose(0, 1);
    return torch::bmm(h, w_self) + torch::bmm(hn, w_neigh) + b;
  }
  // Messages edge-major, [E, R*F]: gathers and scatters then move whole contiguous rows.
  torch::Tensor msg;
  if (s.pool && s.weight_before_pool) {
    torch::Tensor w = e.w.view({1, E});
    if (edge_scale.defined()) w = w * edge_scale;
    const torch::Tensor hs = h.index_select(1, e.src) * w.unsqueeze(2);            // [R, E, F]
    msg = torch::relu(torch::bmm(hs, w_pool) + b_pool).transpose(0, 1).reshape({E, R * F});
  } else {
    const torch::Tensor p = s.pool ? torch::relu(torch::bmm(h, w_pool) + b_pool) : h;
    const torch::Tensor rows = p.transpose(0, 1).reshape({N, R * F});
    if (edge_scale.defined())
      msg = (rows.index_select(0, e.src).view({E, R, F}) * (e.w.view({E, 1}) * edge_scale.t()).unsqueeze(2)).view({E, R * F});
    else
      msg = rows.index_select(0, e.src) * e.w.view({E, 1});
  }
  torch::Tensor hn;
  if (s.pool) {
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

torch::Tensor Norm::forward(const torch::Tensor& h, bool train) {
  if (!train) return (h - mean) / torch::sqrt(var + 1e-5) * gamma + beta;
  const torch::Tensor m = h.mean(1, true), v = h.var(1, false, true);
  {
    torch::NoGradGuard ng;
    const double n = double(h.size(1));
    mean.mul_(0.9).add_(0.1 * m);
    var.mul_(0.9).add_(0.1 * v * (n / std::max(1.0, n - 1)));
  }
  return (h - m) / torch::sqrt(v + 1e-5) * gamma + beta;
}

namespace {

/// A layer with DGL's initial weights: Xavier-uniform with gain √2 for the three matrices,
/// nn.Linear's U(±1/√fin) for b_pool, b = 0.
Layer random_layer(std::int64_t R, std::int64_t fin, std::int64_t fout, const torch::TensorOptions& o) {
  const auto cpu = o.device(torch::kCPU);
  const auto uniform = [&](std::vector<std::int64_t> shape, double bound) {
    return torch::empty(shape, cpu).uniform_(-bound, bound).to(o.device());
  };
  const auto xavier = [&](std::int64_t a, std::int64_t b) {  // fan_in a, fan_out b
    return uniform({R, a, b}, std::sqrt(2.0) * std::sqrt(6.0 / double(a + b)));
  };
  Layer l;
  l.w_pool = xavier(fin, fin);
  l.b_pool = uniform({R, 1, fin}, 1.0 / std::sqrt(double(fin)));
  l.w_self = xavier(fin, fout);
  l.w_neigh = xavier(fin, fout);
  l.b = torch::zeros({R, 1, fout}, o);
  return l;
}

Norm fresh_norm(std::int64_t R, std::int64_t H, const torch::TensorOptions& o) {
  return {torch::ones({R, 1, H}, o), torch::zeros({R, 1, H}, o), torch::zeros({R, 1, H}, o), torch::ones({R, 1, H}, o)};
}

}  // namespace

std::vector<torch::Tensor*> SageNet::slots() {
  std::vector<torch::Tensor*> s;
  for (Layer& l : layers_)
    for (torch::Tensor* t : {&l.w_pool, &l.b_pool, &l.w_self, &l.w_neigh, &l.b}) s.push_back(t);
  for (Norm& n : norms_)
    for (torch::Tensor* t : {&n.gamma, &n.beta, &n.mean, &n.var}) s.push_back(t);
  if (shape_.learned_power) s.push_back(&power);
  if (shape_.learned_decay) s.push_back(&decay);
  return s;
}

SageNet::SageNet(const SageShape& shape, const torch::TensorOptions& o)
    : scale(torch::ones({}, o)),
      power(torch::ones({shape.repeats, 1}, o)),
      pivot(torch::ones({}, o)),
      decay(torch::zeros({shape.repeats, 1}, o)),
      mean_distance(torch::ones({}, o)),
      shape_(shape) {
  MIGRA_THROW_IF_NOT_FMT(shape.d >= 1 && shape.hidden >= 1 && shape.repeats >= 1 && shape.embedding >= 1, "GraphSAGE: bad model shape");
  const std::int64_t R = shape.repeats, H = shape.hidden;
  layers_ = {random_layer(R, shape.d, H, o), random_layer(R, H, H, o), random_layer(R, H, shape.width(), o)};
  norms_ = {fresh_norm(R, H, o), fresh_norm(R, H, o)};
  if (shape.final_bn_relu) norms_.push_back(fresh_norm(R, shape.width(), o));
  for (const torch::Tensor& p : parameters()) p.requires_grad_();
}

torch::Tensor SageNet::forward(const torch::Tensor& x, const Edges& e, bool train, const torch::Tensor& edge_scale) {
  torch::Tensor h = x;
  for (size_t k = 0; k < 3; ++k) {
    h = layers_[k].forward(h, e, shape_, edge_scale);
    if (k < 2) h = torch::dropout(torch::relu(norms_[k].forward(h, train)), shape_.dropout, train);
  }
  if (shape_.final_bn_relu) h = torch::relu(norms_[2].forward(h, train));
  return h;
}

torch::Tensor SageNet::decode(const torch::Tensor& z, const torch::Tensor& origin, const torch::Tensor& destination,
                              const torch::Tensor& w, const torch::Tensor& d) const {
  const std::int64_t K = shape_.embedding;
  const torch::Tensor a = shape_.directed ? z.narrow(2, 0, K) : z, b = shape_.directed ? z.narrow(2, K, K) : z;
  const torch::Tensor dot = (a.index_select(1, origin) * b.index_select(1, destination)).sum(2);
  // w_p (w / w_p)^theta = w_p exp(theta log(w / w_p)); w_ij > 0 (distances are floored away from 0).
  torch::Tensor deterrence = shape_.learned_power ? pivot * torch::exp(power * torch::log(w / pivot).view({1, -1})) : w.view({1, -1});
  if (shape_.learned_decay) deterrence = deterrence * torch::exp(-decay * (d / mean_distance - 1).view({1, -1}));
  return scale * dot * deterrence;
}

std::vector<torch::Tensor> SageNet::parameters() const {
  std::vector<torch::Tensor> p;
  for (const Layer& l : layers_) {
    if (shape_.pool) p.push_back(l.w_pool), p.push_back(l.b_pool);
    p.push_back(l.w_self), p.push_back(l.w_neigh), p.push_back(l.b);
  }
  for (const Norm& n : norms_) p.push_back(n.gamma), p.push_back(n.beta);
  if (shape_.learned_power) p.push_back(power);
  if (shape_.learned_decay) p.push_back(decay);
  return p;
}

std::vector<torch::Tensor> SageNet::state() const {
  std::vector<torch::Tensor> s;
  for (torch::Tensor* t : const_cast<SageNet&>(*this).slots()) s.push_back(*t);
  return s;
}

SageNet SageNet::member(std::int64_t r, std::int64_t copies) const {
  MIGRA_THROW_IF_NOT_FMT(r >= 0 && r < shape_.repeats, "GraphSAGE: no model %lld", (long long)r);
  SageNet m = *this;
  m.shape_.repeats = copies;
  for (torch::Tensor* t : m.slots()) {
    std::vector<std::int64_t> reps(size_t(t->dim()), 1);
    reps[0] = copies;
    *t = t->detach().narrow(0, r, 1).repeat(reps);
  }
  if (!shape_.learned_power) m.power = torch::ones({copies, 1}, power.options());
  if (!shape_.learned_decay) m.decay = torch::zeros({copies, 1}, decay.options());
  return m;
}

std::string SageNet::save() const {
  torch::serialize::OutputArchive ar;
  ar.write("shape", torch::tensor({shape_.d, shape_.hidden, shape_.repeats, std::int64_t(shape_.pool),
                                   std::int64_t(shape_.weight_before_pool), std::int64_t(shape_.final_bn_relu),
                                   shape_.embedding, std::int64_t(shape_.directed), std::int64_t(shape_.learned_power),
                                   std::int64_t(shape_.learned_decay)}));
  ar.write("dropout", torch::tensor(shape_.dropout, torch::kFloat64));
  ar.write("scale", scale.detach());
  if (shape_.learned_power) ar.write("pivot", pivot.detach());
  if (shape_.learned_decay) ar.write("mean_distance", mean_distance.detach());
  const auto s = state();
  for (size_t k = 0; k < s.size(); ++k) ar.write("s" + std::to_string(k), s[k].detach());
  std::ostringstream os;
  ar.save_to(os);
  return os.str();
}

SageNet SageNet::load(const std::string& bytes, const torch::Device& dev) {
  torch::serialize::InputArchive ar;
  std::istringstream is(bytes);
  try {
    ar.load_from(is, dev);
  } catch (const c10::Error&) {
    MIGRA_THROW_FMT("not a migra GraphSAGE model (the model file of a gnn.train)");
  }
  torch::Tensor sh, dr;
  ar.read("shape", sh);
  ar.read("dropout", dr);
  const auto v = sh.to(torch::kCPU).contiguous();
  const std::int64_t* p = v.data_ptr<std::int64_t>();
  SageNet net;
  net.shape_ = {p[0], p[1], p[2], v.numel() > 6 ? p[6] : 1, v.numel() > 7 && p[7] != 0, p[3] != 0, p[4] != 0, p[5] != 0,
                dr.item<double>(), v.numel() > 8 && p[8] != 0, v.numel() > 9 && p[9] != 0};
  ar.read("scale", net.scale);
  net.power = torch::ones({net.shape_.repeats, 1}, net.scale.options());  // read below when learned
  net.pivot = torch::ones({}, net.scale.options());
  net.decay = torch::zeros({net.shape_.repeats, 1}, net.scale.options());  // likewise
  net.mean_distance = torch::ones({}, net.scale.options());
  if (net.shape_.learned_power) ar.read("pivot", net.pivot);
  if (net.shape_.learned_decay) ar.read("mean_distance", net.mean_distance);
  const std::int64_t R = net.shape_.repeats;
  net.layers_.resize(3);
  net.norms_.resize(net.shape_.final_bn_relu ? 3 : 2);
  const auto s = net.slots();
  for (size_t k = 0; k < s.size(); ++k) {
    ar.read("s" + std::to_string(k), *s[k]);
    MIGRA_THROW_IF_NOT_FMT(s[k]->dim() >= 1 && s[k]->size(0) == R, "GraphSAGE model: tensor %zu has another shape", k);
  }
  return net;
}

/// scatter_reduce is marked beta and says so once on stderr; the max-pool layer relies on it.
/// LibTorch 1.13 (Debian's) lets a handler drop that line; 2.x changed the handler API, and
/// there the line is left as it is.
#if TORCH_VERSION_MAJOR < 2
namespace {
struct QuietBeta : c10::WarningHandler {
  void process(const c10::SourceLocation& where, const std::string& msg, const bool verbatim) override {
    if (msg.find("is in beta") == std::string::npos) c10::WarningHandler::process(where, msg, verbatim);
  }
};
}  // namespace
#endif

void quiet_beta_warnings() {
#if TORCH_VERSION_MAJOR < 2
  static QuietBeta quiet;
  static const bool installed = (c10::Warning::set_warning_handler(&quiet), true);
  (void)installed;
#endif
}

}  // namespace migra::gnn
