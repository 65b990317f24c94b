#include "models/pinn_migration/grouped_mlp.hpp"

#include <cmath>

#include "kernels/core/error.hpp"

namespace migra::pinn {

Activation parse_activation(const std::string& name) {
  if (name == "relu") return Activation::Relu;
  if (name == "tanh") return Activation::Tanh;
  if (name == "silu") return Activation::Silu;
  MIGRA_THROW_FMT("activation '%s': expected relu, tanh or silu", name.c_str());
}

GroupedMlpImpl::GroupedMlpImpl(std::int64_t G, std::int64_t H, Activation act, bool relu_after_penultimate,
                               const torch::TensorOptions& o)
    : act_(act), act_penultimate_(relu_after_penultimate) {
  // Drawn on the CPU and then moved, so that a seed gives the same network on every device.
  const auto cpu = o.device(torch::kCPU);
  const auto param = [&](const char* name, std::int64_t in, std::int64_t out, bool bias) {
    const double bound = 1.0 / std::sqrt(double(in));
    torch::Tensor t = torch::empty({G, bias ? 1 : in, out}, cpu).uniform_(-bound, bound).to(o.device());
    return register_parameter(name, t);
  };
  w1 = param("w1", 1, H, false), b1 = param("b1", 1, H, true);
  w2 = param("w2", H, H, false), b2 = param("b2", H, H, true);
  w3 = param("w3", H, H, false), b3 = param("b3", H, H, true);
  ws = param("ws", 1, H, false), bs = param("bs", 1, H, true);
  ln_gamma = register_parameter("ln_gamma", torch::ones({G, 1, H}, o));
  ln_beta = register_parameter("ln_beta", torch::zeros({G, 1, H}, o));
  w4 = param("w4", H, H, false), b4 = param("b4", H, H, true);
  w5 = param("w5", H, H, false), b5 = param("b5", H, H, true);
  w6 = param("w6", H, 1, false), b6 = param("b6", H, 1, true);
}

torch::Tensor GroupedMlpImpl::sigma(const torch::Tensor& x) const {
  switch (act_) {
    case Activation::Relu: return torch::relu(x);
    case Activation::Tanh: return torch::tanh(x);
    case Activation::Silu: return torch::silu(x);
  }
  return x;
}

torch::Tensor GroupedMlpImpl::forward(const torch::Tensor& t) const {
  const auto pen = [&](const torch::Tensor& x) { return act_penultimate_ ? sigma(x) : x; };
  // Linear(1, H) on a scalar input is a broadcast product: t [G,P,1] * w [G,1,H].
  torch::Tensor h = sigma(torch::addcmul(b1, t, w1));
  h = torch::baddbmm(b3, pen(torch::baddbmm(b2, h, w2)), w3);
  h = torch::layer_norm(h + torch::addcmul(bs, t, ws), {h.size(2)}, {}, {}, 1e-5) * ln_gamma + ln_beta;
  h = sigma(torch::baddbmm(b4, h, w4));
  return torch::baddbmm(b6, pen(torch::baddbmm(b5, h, w5)), w6);
}

GroupedMlpImpl::Jet GroupedMlpImpl::linear_jet(const Jet& x, const torch::Tensor& w, const torch::Tensor& b) const {
  // The three rows of the jet through one bmm; only the value row gets the bias.
  const std::int64_t P = x[0].size(1);
  const torch::Tensor y = torch::bmm(torch::cat({x[0], x[1], x[2]}, 1), w);
  return {y.narrow(1, 0, P) + b, y.narrow(1, P, P), y.narrow(1, 2 * P, P)};
}

GroupedMlpImpl::Jet GroupedMlpImpl::sigma_jet(const Jet& x) const {
  torch::Tensor y, d1, d2;  // σ(x), σ'(x), σ''(x)
  switch (act_) {
    case Activation::Relu: {
      d1 = (x[0] > 0).to(x[0].scalar_type());
      return {torch::relu(x[0]), d1 * x[1], d1 * x[2]};  // σ'' = 0 away from the kink
    }
    case Activation::Tanh:
      y = torch::tanh(x[0]);
      d1 = 1 - y * y;
      d2 = -2 * y * d1;
      break;
    case Activation::Silu: {
      const torch::Tensor s = torch::sigmoid(x[0]);
      y = x[0] * s;
      d1 = s * (1 + x[0] * (1 - s));
      d2 = s * (1 - s) * (2 + x[0] * (1 - 2 * s));
      break;
    }
  }
  return {y, d1 * x[1], d2 * x[1] * x[1] + d1 * x[2]};
}

std::array<torch::Tensor, 3> GroupedMlpImpl::forward_jet(const torch::Tensor& t) const {
  const auto pen = [&](const Jet& x) { return act_penultimate_ ? sigma_jet(x) : x; };
  const torch::Tensor zero = torch::zeros({t.size(0), t.size(1), w1.size(2)}, t.options());
  // L1 on the input t: (b + t w, w, 0); the skip S likewise
  Jet h = sigma_jet({torch::addcmul(b1, t, w1), w1.expand_as(zero), zero});
  h = linear_jet(pen(linear_jet(h, w2, b2)), w3, b3);
  const Jet x = {h[0] + torch::addcmul(bs, t, ws), h[1] + ws, h[2]};
  const double eps = 1e-5;
  const auto mean = [](const torch::Tensor& a) { return a.mean(2, true); };
  const torch::Tensor z = x[0] - mean(x[0]), z1 = x[1] - mean(x[1]), z2 = x[2] - mean(x[2]);
  const torch::Tensor v = mean(z * z), v1 = 2 * mean(z * z1), v2 = 2 * mean(z1 * z1 + z * z2);
  const torch::Tensor r = torch::rsqrt(v + eps), r3 = r * r * r;
  const torch::Tensor r1 = -0.5 * r3 * v1, r2 = 0.75 * r3 * r * r * v1 * v1 - 0.5 * r3 * v2;
  h = {z * r * ln_gamma + ln_beta, (z1 * r + z * r1) * ln_gamma, (z2 * r + 2 * z1 * r1 + z * r2) * ln_gamma};
  h = sigma_jet(linear_jet(h, w4, b4));
  return linear_jet(pen(linear_jet(h, w5, b5)), w6, b6);
}

GroupedMlpImpl::Linear GroupedMlpImpl::linear(int layer, std::int64_t g) const {
  const torch::Tensor* w[] = {&ws, &w1, &w2, &w3, &w4, &w5, &w6};
  const torch::Tensor* b[] = {&bs, &b1, &b2, &b3, &b4, &b5, &b6};
  MIGRA_ASSERT(layer >= 0 && layer <= 6);
  return {(*w[layer])[g].t().contiguous(), (*b[layer])[g].reshape({-1}).contiguous()};
}

}  // namespace migra::pinn
