#pragma once
/// The LibTorch device a model's `device` option names (cpu, cuda, cuda:k), with a user error
/// when this LibTorch has no CUDA. LibTorch header: for models/ sources only.
#include <string>
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

}  // namespace migra::models
