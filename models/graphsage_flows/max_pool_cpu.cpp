#include "models/graphsage_flows/max_pool_cpu.hpp"

#include <ATen/Parallel.h>

namespace migra::gnn {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct MaxPool : torch::autograd::Function<MaxPool> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& rows, const torch::Tensor& indptr,
                               const torch::Tensor& src, const torch::Tensor& w) {
    const std::int64_t N = indptr.numel() - 1, C = rows.size(1);
    torch::Tensor out = torch::zeros({N, C}, rows.options());
    torch::Tensor arg = torch::full({N, C}, -1, torch::TensorOptions().dtype(torch::kInt32));
    const std::int64_t* ip = indptr.data_ptr<std::int64_t>();
    const std::int64_t* sp = src.data_ptr<std::int64_t>();
    AT_DISPATCH_FLOATING_TYPES(rows.scalar_type(), "max_pool_cpu", [&] {
      const scalar_t* r = rows.data_ptr<scalar_t>();
      const scalar_t* wp = w.data_ptr<scalar_t>();
      scalar_t* o = out.data_ptr<scalar_t>();
      std::int32_t* a = arg.data_ptr<std::int32_t>();
      at::parallel_for(0, N, 8, [&](std::int64_t i0, std::int64_t i1) {
        for (std::int64_t i = i0; i < i1; ++i)
          for (std::int64_t e = ip[i]; e < ip[i + 1]; ++e) {
            const scalar_t we = wp[e];
            const scalar_t* row = r + sp[e] * C;
            scalar_t* oi = o + i * C;
            std::int32_t* ai = a + i * C;
            for (std::int64_t c = 0; c < C; ++c) {
              const scalar_t v = we * row[c];
              if (v > oi[c]) oi[c] = v, ai[c] = std::int32_t(e);
            }
          }
      });
    });
    ctx->save_for_backward({arg, src, w});
    ctx->saved_data["rows"] = rows.size(0);
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &arg = saved[0], &src = saved[1], &w = saved[2];
    const torch::Tensor g = grad[0].contiguous();
    const std::int64_t N = arg.size(0), C = arg.size(1), rows = ctx->saved_data["rows"].toInt();
    torch::Tensor out = torch::zeros({rows, C}, g.options());
    const std::int64_t* sp = src.data_ptr<std::int64_t>();
    const std::int32_t* a = arg.data_ptr<std::int32_t>();
    AT_DISPATCH_FLOATING_TYPES(g.scalar_type(), "max_pool_cpu_backward", [&] {
      const scalar_t* gp = g.data_ptr<scalar_t>();
      const scalar_t* wp = w.data_ptr<scalar_t>();
      scalar_t* op = out.data_ptr<scalar_t>();
      // By column blocks: two destinations may share a source, never a column across blocks.
      at::parallel_for(0, C, 64, [&](std::int64_t c0, std::int64_t c1) {
        for (std::int64_t i = 0; i < N; ++i)
          for (std::int64_t c = c0; c < c1; ++c) {
            const std::int32_t e = a[i * C + c];
            if (e >= 0) op[sp[e] * C + c] += wp[e] * gp[i * C + c];
          }
      });
    });
    return {out, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor max_pool_cpu(const torch::Tensor& rows, const torch::Tensor& indptr, const torch::Tensor& src,
                           const torch::Tensor& w) {
  return MaxPool::apply(rows.contiguous(), indptr, src, w);
}

}  // namespace migra::gnn
