#pragma once
/// What the LibTorch-based models share: the device a `device` option names (cpu, cuda, cuda:k;
/// a user error when this LibTorch has no CUDA), and host vectors in and out of tensors.
/// LibTorch header: for models/ sources only.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "kernels/core/error.hpp"

namespace migra::models {

inline torch::Device torch_device(const std::string& d) {
  if (d.rfind("cuda", 0) == 0) {
    MIGRA_THROW_IF_NOT_FMT(torch::cuda::is_available(), "device '%s': this LibTorch has no CUDA device", d.c_str());
    return torch::Device(d);
  }
  MIGRA_THROW_IF_NOT_FMT(d == "cpu", "device '%s': expected cpu, cuda or cuda:N", d.c_str());
  return torch::Device(torch::kCPU);
}

/// A copy of v as a tensor of the given shape, dtype and device (options).
inline torch::Tensor tensor_of(const std::vector<double>& v, std::vector<std::int64_t> shape, const torch::TensorOptions& o) {
  return torch::from_blob(const_cast<double*>(v.data()), shape, torch::kFloat64).clone().to(o.device(), o.dtype());
}

/// The elements of t, row-major, as doubles on the host.
inline std::vector<double> values_of(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

}  // namespace migra::models
