// Sinkhorn drivers (sinkhorn.hpp): input checks, eps stages, convergence bookkeeping and
// rollback on the host; the O(n m) passes run on the backend (softmin.hpp, dense_ops.hpp).
#include "kernels/ot/sinkhorn.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/core/error.hpp"
#include "kernels/ot/dense_ops.hpp"
#include "kernels/ot/device_cost.hpp"
#include "kernels/ot/softmin.hpp"

namespace migra::ot {
namespace {

constexpr double kScalingMaxRange = 200.0;  // auto: scaling form while max C / eps <= this
constexpr double kStageTol = 1e-3;          // eps-scaling: tolerance of the stages above eps
constexpr int kMaxBatch = 65535;            // one grid dimension on the GPU

double lambda_of(double tau, double eps) { return std::isinf(tau) ? 1.0 : tau / (tau + eps); }
bool balanced(const SinkhornConfig& cfg) { return std::isinf(cfg.tau_a) && std::isinf(cfg.tau_b); }

void check_weights(const double* w, int batch, int len, const char* name, std::vector<double>& sums) {
  sums.assign(size_t(batch), 0.0);
  for (int b = 0; b < batch; ++b) {
    for (int i = 0; i < len; ++i) {
      const double v = w[size_t(b) * size_t(len) + size_t(i)];
      MIGRA_THROW_IF_NOT_FMT(std::isfinite(v) && v >= 0.0,
                             "OT weights %s: entry %d of problem %d is %g (weights must be finite and >= 0)",
                             name, i, b, v);
      sums[size_t(b)] += v;
    }
    MIGRA_THROW_IF_NOT_FMT(sums[size_t(b)] > 0.0, "OT weights %s: problem %d has zero total mass", name, b);
  }
}

void check_input(const CostInput& c, const double* a, const double* b, int batch, const SinkhornConfig& cfg) {
  MIGRA_THROW_IF_NOT_FMT(c.n > 0 && c.m > 0, "OT: empty problem (%d x %d)", c.n, c.m);
  MIGRA_THROW_IF_NOT_FMT(batch >= 1 && batch <= kMaxBatch, "OT: batch must be in [1, %d], got %d", kMaxBatch, batch);
  MIGRA_THROW_IF_NOT_FMT(std::isfinite(cfg.eps) && cfg.eps > 0.0, "OT: eps must be finite and > 0, got %g", cfg.eps);
  MIGRA_THROW_IF_NOT_FMT(cfg.tau_a > 0.0 && cfg.tau_b > 0.0, "OT: tau must be > 0 (inf for a hard marginal)");
  MIGRA_THROW_IF_NOT_FMT(cfg.max_iter >= 1 && cfg.check_every >= 1, "OT: max_iter and check_every must be >= 1");
  MIGRA_THROW_IF_NOT_FMT(cfg.tol > 0.0, "OT: tol must be > 0, got %g", cfg.tol);
  MIGRA_THROW_IF_NOT_FMT(cfg.eps_scaling == 0.0 || (cfg.eps_scaling > 0.0 && cfg.eps_scaling < 1.0),
                         "OT: eps_scaling must be 0 (off) or in (0, 1), got %g", cfg.eps_scaling);
  if (c.matrix) {
    MIGRA_THROW_IF_NOT_FMT(!c.symmetric || c.n == c.m, "OT: a symmetric cost must be square");
    for (size_t k = 0; k < size_t(c.n) * size_t(c.m); ++k)
      MIGRA_THROW_IF_NOT_FMT(std::isfinite(c.matrix[k]), "OT cost: entry (%zu, %zu) is not finite",
                             k / size_t(c.m), k % size_t(c.m));
  } else {
    MIGRA_THROW_IF_NOT_FMT(c.x && c.y && c.dim >= 1, "OT: a cost needs a matrix or two point sets");
    MIGRA_THROW_IF_NOT_FMT(c.metric != CostMetric::Haversine || c.dim == 2,
                           "OT: haversine needs (lon, lat) points, got dimension %d", c.dim);
    for (const auto& [p, count] : {std::pair{c.x, c.n}, std::pair{c.y, c.m}})
      for (size_t k = 0; k < size_t(count) * size_t(c.dim); ++k)
        MIGRA_THROW_IF_NOT_FMT(std::isfinite(p[k]), "OT points: coordinate %zu of point %zu is not finite",
                               k % size_t(c.dim), k / size_t(c.dim));
  }
  std::vector<double> sa, sb;
  check_weights(a, batch, c.n, "a", sa);
  check_weights(b, batch, c.m, "b", sb);
  if (balanced(cfg))
    for (int k = 0; k < batch; ++k)
      MIGRA_THROW_IF_NOT_FMT(std::fabs(sa[size_t(k)] - sb[size_t(k)]) <= 1e-8 * std::max(sa[size_t(k)], sb[size_t(k)]),
                             "OT: problem %d is balanced but sum a = %.17g differs from sum b = %.17g "
                             "(normalise the weights, or relax a marginal with tau)",
                             k, sa[size_t(k)], sb[size_t(k)]);
}

std::vector<double> logs(const double* w, size_t count) {
  std::vector<double> out(count);
  for (size_t k = 0; k < count; ++k) out[k] = std::log(w[k]);  // log 0 = -inf: an empty row
  return out;
}

/// The eps of each stage: c_max q^k while above eps, then eps.
std::vector<double> eps_stages(const CostInput& cost, const SinkhornConfig& cfg) {
  std::vector<double> s;
  if (cfg.eps_scaling > 0.0)
    for (double e = max_cost(cost); e > cfg.eps && s.size() < 200; e *= cfg.eps_scaling) s.push_back(e);
  s.push_back(cfg.eps);
  return s;
}

/// Host copies of the state and the per-problem bookkeeping shared by both iterations.
struct Solve {
  const double* a;
  int batch, n, m;
  const SinkhornConfig& cfg;
  SinkhornResult& res;
  std::vector<double> loga;
  std::vector<unsigned char> active;
  std::vector<double> good_f, good_g;  // last checked finite potentials

  Solve(const CostInput& c, const double* a_, int batch_, const SinkhornConfig& cfg_, SinkhornResult& r)
      : a(a_), batch(batch_), n(c.n), m(c.m), cfg(cfg_), res(r),
        loga(logs(a_, size_t(batch_) * size_t(c.n))), active(size_t(batch_), 1) {}

  /// Error of the potentials f (batch x n) given the next f-update f_new, per problem (see
  /// sinkhorn.hpp); NaN when f_new is not finite where a > 0.
  std::vector<double> errors(const std::vector<double>& f, const std::vector<double>& f_new, double eps) const {
    std::vector<double> err(size_t(batch), 0.0);
    const bool bal = balanced(cfg);
    for (int b = 0; b < batch; ++b) {
      double e = 0.0, mass = 0.0;
      for (int i = 0; i < n; ++i) {
        const size_t k = size_t(b) * size_t(n) + size_t(i);
        if (a[k] == 0.0) continue;
        if (!std::isfinite(f_new[k]) || !std::isfinite(f[k])) { e = NAN; break; }
        if (bal) {
          e += std::fabs(a[k] - a[k] * std::exp((f[k] - f_new[k]) / eps));
          mass += a[k];
        } else {
          e = std::max(e, std::fabs(f_new[k] - f[k]) / eps);
        }
      }
      err[size_t(b)] = bal && std::isfinite(e) ? e / mass : e;
    }
    return err;
  }

  /// Records a check of the state (f, g); returns false when it is not finite (the caller
  /// rolls back). Problems under `tol` leave the active set.
  bool record(const std::vector<double>& err, double tol, const std::vector<double>& f,
              const std::vector<double>& g) {
    double worst = 0.0;
    for (int b = 0; b < batch; ++b) {
      if (!active[size_t(b)]) continue;
      if (!std::isfinite(err[size_t(b)])) return false;
      worst = std::max(worst, err[size_t(b)]);
    }
    for (double v : g)
      if (std::isnan(v) || v == INFINITY) return false;
    for (int b = 0; b < batch; ++b) {
      if (!active[size_t(b)]) continue;
      res.error[size_t(b)] = err[size_t(b)];
      if (err[size_t(b)] < tol) active[size_t(b)] = 0;
    }
    good_f = f;
    good_g = g;
    res.error_history.push_back(worst);
    if (cfg.on_check) cfg.on_check(res.iterations, worst, f, g);
    return true;
  }
  /// A stage starts from res's potentials, all problems active.
  void begin_stage() {
    std::fill(active.begin(), active.end(), 1);
    good_f = res.f;
    good_g = res.g;
  }
  bool all_done() const { return std::none_of(active.begin(), active.end(), [](unsigned char x) { return x; }); }
  void rollback(const char* what) {
    res.f = good_f;
    res.g = good_g;
    res.rolled_back = true;
    res.message = std::string(what) + " after " + std::to_string(res.iterations) +
                  " iterations; the potentials are those of the last finite check";
  }
};

void start(SinkhornResult& r, const CostInput& c, int batch, const SinkhornResult* warm) {
  r.batch = batch;
  r.n = c.n;
  r.m = c.m;
  if (warm) {
    MIGRA_THROW_IF_NOT_FMT(warm->batch == batch && warm->n == c.n && warm->m == c.m,
                           "OT: the warm start has shape %d x (%d, %d), the problem %d x (%d, %d)",
                           warm->batch, warm->n, warm->m, batch, c.n, c.m);
    r.f = warm->f;
    r.g = warm->g;
    // -inf (a zero weight) stays: as an input of the other half-step it contributes nothing
    for (double& v : r.f) v = std::isnan(v) || v == INFINITY ? 0.0 : v;
    for (double& v : r.g) v = std::isnan(v) || v == INFINITY ? 0.0 : v;
  } else {
    r.f.assign(size_t(batch) * size_t(c.n), 0.0);
    r.g.assign(size_t(batch) * size_t(c.m), 0.0);
  }
  r.error.assign(size_t(batch), INFINITY);
  r.problem_converged.assign(size_t(batch), 0);
}

void finish(SinkhornResult& r, const std::vector<unsigned char>& active, bool final_stage_done) {
  for (int b = 0; b < r.batch; ++b) r.problem_converged[size_t(b)] = final_stage_done && !active[size_t(b)];
  r.converged = std::all_of(r.problem_converged.begin(), r.problem_converged.end(), [](unsigned char x) { return x; });
}

/// Log-domain iterations at one eps from the potentials in res; returns false on a rollback.
bool log_stage(Backend& be, const detail::DeviceCost& dc, Solve& s, const double* b, double eps, double tol) {
  const int batch = s.batch, n = s.n, m = s.m;
  const SinkhornConfig& cfg = s.cfg;
  Buffer<double> f(be, s.res.f), f_new(be, s.res.f), g(be, s.res.g);
  const Buffer<double> loga(be, s.loga), logb(be, logs(b, size_t(batch) * size_t(m)));
  s.begin_stage();
  Buffer<unsigned char> active(be, s.active);
  SoftminArgs fa{n, m, batch, g.data(), loga.data(), eps, lambda_of(cfg.tau_a, eps), active.data(), f_new.data()};
  SoftminArgs ga{m, n, batch, f.data(), logb.data(), eps, lambda_of(cfg.tau_b, eps), active.data(), g.data()};
  const Exec ex = be.exec();
  for (int it = 1; it <= cfg.max_iter; ++it) {
    dc.visit([&](const auto& C) { softmin(ex, C, fa); });
    if (it % cfg.check_every == 0 || it == cfg.max_iter) {
      const std::vector<double> fh = f.to_host(), fnh = f_new.to_host(), gh = g.to_host();
      if (!s.record(s.errors(fh, fnh, eps), tol, fh, gh)) {
        s.rollback("a non-finite log-domain iterate");
        return false;
      }
      // Problems that just converged keep (f, g), the state whose error was measured.
      for (int k = 0; k < batch; ++k)
        if (!s.active[size_t(k)])
          be.copy_within(f_new.data() + size_t(k) * size_t(n), f.data() + size_t(k) * size_t(n), size_t(n) * sizeof(double));
      active.upload(s.active.data());
      if (s.all_done() || it == cfg.max_iter) break;
    }
    std::swap(f, f_new);
    fa.out = f_new.data();
    ga.h = f.data();
    dc.visit_t([&](const auto& C) { softmin(ex, C, ga); });
    ++s.res.iterations;
  }
  s.res.f = f.to_host();  // the state of the last check
  s.res.g = g.to_host();
  return true;
}

/// Scaling-form iterations at one eps; returns false on a rollback (res holds the last finite
/// potentials).
bool scaling_stage(Backend& be, const detail::DeviceCost& dc, Solve& s, const double* b, double eps, double tol) {
  const int batch = s.batch, n = s.n, m = s.m;
  const SinkhornConfig& cfg = s.cfg;
  const double la = lambda_of(cfg.tau_a, eps), lb = lambda_of(cfg.tau_b, eps);
  const Exec ex = be.exec();
  Buffer<double> K(be, size_t(n) * size_t(m));
  dc.visit([&](const auto& C) { kernel_fill(ex, C, eps, n, m, K.data()); });
  const auto exp_of = [eps](std::vector<double> p) {
    for (double& v : p) v = std::exp(v / eps);
    return p;
  };
  Buffer<double> u(be, exp_of(s.res.f)), v(be, exp_of(s.res.g)), Kv(be, size_t(batch) * size_t(n)),
      Ktu(be, size_t(batch) * size_t(m));
  const Buffer<double> wa(be, std::vector<double>(s.a, s.a + size_t(batch) * size_t(n))),
      wb(be, std::vector<double>(b, b + size_t(batch) * size_t(m)));
  s.begin_stage();
  Buffer<unsigned char> active(be, s.active);
  const auto potentials = [eps](const std::vector<double>& x) {
    std::vector<double> p(x.size());
    for (size_t k = 0; k < x.size(); ++k) p[k] = eps * std::log(x[k]);
    return p;
  };
  for (int it = 1; it <= cfg.max_iter; ++it) {
    kernel_apply(ex, K.data(), n, m, batch, v.data(), Kv.data());
    if (it % cfg.check_every == 0 || it == cfg.max_iter) {
      const std::vector<double> f = potentials(u.to_host()), g = potentials(v.to_host()), kv = Kv.to_host();
      std::vector<double> f_new(f.size());
      for (size_t k = 0; k < f.size(); ++k) f_new[k] = la * eps * (s.loga[k] - std::log(kv[k]));
      if (!s.record(s.errors(f, f_new, eps), tol, f, g)) {
        s.rollback("a non-finite scaling iterate (u or v out of range)");
        return false;
      }
      active.upload(s.active.data());
      if (s.all_done() || it == cfg.max_iter) break;
    }
    scaling_update(ex, batch, n, wa.data(), Kv.data(), la, active.data(), u.data());
    kernel_apply_t(ex, K.data(), n, m, batch, u.data(), Ktu.data());
    scaling_update(ex, batch, m, wb.data(), Ktu.data(), lb, active.data(), v.data());
    ++s.res.iterations;
  }
  s.res.f = potentials(u.to_host());
  s.res.g = potentials(v.to_host());
  return true;
}

using Stage = bool (*)(Backend&, const detail::DeviceCost&, Solve&, const double*, double, double);

/// Runs the eps stages with `stage`; returns false when a stage rolled back.
bool run_stages(Backend& be, const CostInput& cost, Solve& s, const double* b, Stage stage) {
  const detail::DeviceCost dc(be, cost);
  const std::vector<double> stages = eps_stages(cost, s.cfg);
  for (size_t k = 0; k < stages.size(); ++k) {
    const bool last = k + 1 == stages.size();
    if (!stage(be, dc, s, b, stages[k], last ? s.cfg.tol : std::max(s.cfg.tol, kStageTol))) return false;
  }
  finish(s.res, s.active, true);
  return true;
}

/// The scaling form stores K (n x m) besides the cost: does it fit the backend's budget?
bool scaling_fits(const Backend& be, const CostInput& cost) {
  return double(cost.n) * cost.m * sizeof(double) + detail::device_cost_bytes(cost) <= double(be.memory_budget());
}

/// The log-domain solve of checked input (the scaling form's rollback continues with it).
SinkhornResult run_log(Backend& be, const CostInput& cost, const double* a, const double* b, int batch,
                       const SinkhornConfig& cfg, const SinkhornResult* warm) {
  SinkhornResult res;
  start(res, cost, batch, warm);
  res.method = "log";
  Solve s(cost, a, batch, cfg, res);
  if (!run_stages(be, cost, s, b, log_stage)) finish(res, s.active, false);
  return res;
}

}  // namespace

double max_cost(const CostInput& c) {
  if (c.matrix) return *std::max_element(c.matrix, c.matrix + size_t(c.n) * size_t(c.m));
  if (c.metric == CostMetric::Haversine) return M_PI * kEarthRadiusKm;
  double d2 = 0.0;  // squared diagonal of the joint bounding box
  for (int k = 0; k < c.dim; ++k) {
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& [p, count] : {std::pair{c.x, c.n}, std::pair{c.y, c.m}})
      for (int i = 0; i < count; ++i) {
        lo = std::min(lo, p[size_t(i) * size_t(c.dim) + size_t(k)]);
        hi = std::max(hi, p[size_t(i) * size_t(c.dim) + size_t(k)]);
      }
    d2 += (hi - lo) * (hi - lo);
  }
  return c.metric == CostMetric::SqEuclidean ? d2 : std::sqrt(d2);
}

SinkhornResult sinkhorn_log(Backend& be, const CostInput& cost, const double* a, const double* b, int batch,
                            const SinkhornConfig& cfg, const SinkhornResult* warm) {
  check_input(cost, a, b, batch, cfg);
  return run_log(be, cost, a, b, batch, cfg, warm);
}

SinkhornResult sinkhorn_scaling(Backend& be, const CostInput& cost, const double* a, const double* b, int batch,
                                const SinkhornConfig& cfg, const SinkhornResult* warm) {
  check_input(cost, a, b, batch, cfg);
  MIGRA_THROW_IF_NOT_FMT(scaling_fits(be, cost),
                         "OT: the scaling form stores K (%d x %d doubles), more than the %s memory budget; "
                         "use the log-domain method", cost.n, cost.m, be.name().c_str());
  SinkhornResult res;
  start(res, cost, batch, warm);
  res.method = "scaling";
  Solve s(cost, a, batch, cfg, res);
  if (run_stages(be, cost, s, b, scaling_stage)) return res;
  // Continue in the log domain, at the target eps, from the last finite potentials.
  SinkhornConfig rest = cfg;
  rest.eps_scaling = 0.0;
  SinkhornResult tail = run_log(be, cost, a, b, batch, rest, &res);
  tail.iterations += res.iterations;
  tail.error_history.insert(tail.error_history.begin(), res.error_history.begin(), res.error_history.end());
  tail.method = "scaling+log";
  tail.rolled_back = true;
  tail.message = res.message;
  return tail;
}

SinkhornResult sinkhorn(Backend& be, const CostInput& cost, const double* a, const double* b, int batch,
                        const SinkhornConfig& cfg, const SinkhornResult* warm) {
  if (cfg.method == "log") return sinkhorn_log(be, cost, a, b, batch, cfg, warm);
  if (cfg.method == "scaling") return sinkhorn_scaling(be, cost, a, b, batch, cfg, warm);
  MIGRA_THROW_IF_NOT_FMT(cfg.method == "auto", "OT: unknown method '%s' (auto, log or scaling)", cfg.method.c_str());
  const bool in_range = cost.n > 0 && cost.m > 0 && max_cost(cost) / cfg.eps <= kScalingMaxRange;
  return scaling_fits(be, cost) && in_range ? sinkhorn_scaling(be, cost, a, b, batch, cfg, warm)
                          : sinkhorn_log(be, cost, a, b, batch, cfg, warm);
}

}  // namespace migra::ot
