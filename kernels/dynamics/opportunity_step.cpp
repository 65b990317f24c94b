#include "kernels/dynamics/opportunity_step.hpp"

#include "kernels/core/error.hpp"
#include "kernels/core/parallel_cpu.hpp"

namespace migra::dynamics {
namespace {

template <class F>
void for_each(const Exec& exec, std::int64_t n, const F& f) {
  MIGRA_RUN_ON_GPU(exec, detail::for_each_cuda(*exec.gpu, n, f));
  cpu_for_each(n, f);
}

}  // namespace

void opportunity_step(const Exec& exec, const OpportunityStep& s, double* Q, const OpportunityScratch& t) {
  const std::int64_t rows = std::int64_t(s.maps) * s.n;
  for_each(exec, rows, detail::OpportunityRow{s, Q, t.T, t.out});
  for_each(exec, rows, detail::ColumnSum{t.T, t.in, s.n});
  for_each(exec, rows, detail::NetFlowUpdate{Q, t.in, t.out, s.lambda});
}

}  // namespace migra::dynamics
