#pragma once
/// G independent copies of paper 000's per-node network (spec §3.1), t -> 1 output, held as one
/// batched network: every weight is a [G, in, out] tensor and a layer is one bmm, so N nodes
/// cost one forward instead of N module calls (the reason migra is faster than the paper's
/// one-module-per-node code). Group g sees only its own input rows, so outputs, their
/// t-derivatives and parameter gradients of group g are those of a lone network.
///
///   block 1:  h1 = L3( σ?( L2( σ( L1 t ) ) ) )          L1: 1→H, L2, L3: H→H
///   skip:     h  = LayerNorm_H( h1 + S t )              S: 1→H (a learned projection; a bare t
///                                                       would be cancelled by the LN's mean)
///   block 2:  y  = L6( σ?( L5( σ( L4 h ) ) ) )          L4, L5: H→H, L6: H→1, no activation
/// σ = relu | tanh | silu; σ? is applied only with relu_after_penultimate (off: the literal
/// reading, "except the penultimate layer"). LayerNorm: eps 1e-5, per-group γ, β.
/// Initialisation as torch.nn.Linear: weights and biases U(±1/sqrt(fan_in)); γ = 1, β = 0.
///
/// LibTorch header: included by models/ and by the tests only (DESIGN: not by host/).
#include <array>
#include <string>
#include <torch/torch.h>

namespace migra::pinn {

enum class Activation { Relu, Tanh, Silu };
Activation parse_activation(const std::string& name);  ///< relu | tanh | silu; throws otherwise

struct GroupedMlpImpl : torch::nn::Module {
  GroupedMlpImpl(std::int64_t groups, std::int64_t width, Activation act, bool relu_after_penultimate,
                 const torch::TensorOptions& options);
  /// t: [G, P, 1] -> [G, P, 1].
  torch::Tensor forward(const torch::Tensor& t) const;

  /// The output and its first two t-derivatives, [G, P, 1] each, by forward (Taylor-mode)
  /// propagation of the jet (h, h', h'') through every layer instead of two nested reverse
  /// passes: a linear layer maps the three rows of a jet with one bmm; for y = σ(x),
  ///   y' = σ'(x) x',  y'' = σ''(x) x'² + σ'(x) x'';
  /// LayerNorm, with z = x - mean x, v = mean z², r = (v + ε)^(-1/2), n = z r:
  ///   v' = 2 mean(z z'),  v'' = 2 mean(z'² + z z''),  r' = -r³ v'/2,  r'' = 3 r⁵ v'²/4 - r³ v''/2,
  ///   n' = z' r + z r',  n'' = z'' r + 2 z' r' + z r''  (then ⊙ γ).
  /// Parameter gradients then take one ordinary backward pass.
  std::array<torch::Tensor, 3> forward_jet(const torch::Tensor& t) const;

  /// Weights as in torch.nn.Linear ([out, in]) and LayerNorm of group g, for building a lone
  /// per-node network with the same parameters (the equivalence test).
  struct Linear {
    torch::Tensor weight, bias;
  };
  Linear linear(int layer, std::int64_t g) const;  ///< layer 1..6, 0 = the skip S
  torch::Tensor ln_gamma, ln_beta;                 // [G, 1, H]

 private:
  torch::Tensor w1, b1, w2, b2, w3, b3, ws, bs, w4, b4, w5, b5, w6, b6;
  Activation act_;
  bool act_penultimate_;
  torch::Tensor sigma(const torch::Tensor& x) const;
  using Jet = std::array<torch::Tensor, 3>;
  Jet sigma_jet(const Jet& x) const;
  Jet linear_jet(const Jet& x, const torch::Tensor& w, const torch::Tensor& b) const;
};
TORCH_MODULE(GroupedMlp);

}  // namespace migra::pinn
