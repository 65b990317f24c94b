#include "kernels/dynamics/gravity_step.hpp"

#include "kernels/core/error.hpp"
#include "kernels/core/parallel_cpu.hpp"

namespace migra::dynamics {
namespace {

void rowsum(const Exec& exec, const detail::MapKernelRowTerm& f, std::int64_t rows, double* y) {
  MIGRA_RUN_ON_GPU(exec, detail::map_kernel_rowsum_cuda(*exec.gpu, f, rows, y));
  cpu_row_reduce(rows, f.n, f, y);
}

template <class F>
void for_each(const Exec& exec, std::int64_t n, const F& f) {
  MIGRA_RUN_ON_GPU(exec, detail::for_each_cuda(*exec.gpu, n, f));
  cpu_for_each(n, f);
}

}  // namespace

void gravity_family_step(const Exec& exec, const GravityStep& s, double* Q, const GravityScratch& t) {
  const std::int64_t rows = std::int64_t(s.maps) * s.n;
  const flows::DeterrenceFn f{flows::Deterrence::Exp, s.beta, 0.0};
  if (s.attractiveness == Attractiveness::TwoTrip)
    rowsum(exec, {s.coords, {flows::Deterrence::Exp, s.gamma, 0.0}, false, Q, s.n}, rows, t.D);
  else
    for_each(exec, rows, detail::AttractivenessOfPopulation{Q, t.D, s.epsilon, s.attractiveness == Attractiveness::Retail});
  rowsum(exec, {s.coords, f, s.exclude_self, t.D, s.n}, rows, t.Z);
  for_each(exec, rows, detail::ScaledDemand{Q, t.Z, t.w});
  rowsum(exec, {s.coords, f, s.exclude_self, t.w, s.n}, rows, t.y);
  for_each(exec, rows, detail::EulerUpdate{Q, t.D, t.y, t.w, t.Z, s.lambda});
}

}  // namespace migra::dynamics
