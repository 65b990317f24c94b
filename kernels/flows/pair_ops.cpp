#include "kernels/flows/pair_ops.hpp"

#include "kernels/core/error.hpp"
#include "kernels/core/parallel_cpu.hpp"

namespace migra::flows {

void pair_rowsum(const Exec& exec, const PairKernel& K, const double* w, double* y) {
  const detail::WeightedRowTerm f{K, w};
  MIGRA_RUN_ON_GPU(exec, detail::pair_rowsum_cuda(*exec.gpu, f, K.coords.n, y));
  cpu_row_reduce(K.coords.n, K.coords.n, f, y);
}

void pair_fill(const Exec& exec, const PairKernel& K, const double* a, const double* b, int r0,
               int r1, double* out) {
  const detail::ScaledPair f{K, a, b, r0};
  MIGRA_RUN_ON_GPU(exec, detail::pair_fill_cuda(*exec.gpu, f, r1 - r0, K.coords.n, out));
  cpu_fill_2d(r1 - r0, K.coords.n, f, out);
}

}  // namespace migra::flows
