#include "models/city_mfg/mfg.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/core/error.hpp"
#include "kernels/ot/sinkhorn.hpp"
#include "models/bytes.hpp"
#include "models/city_mfg/picard_map.hpp"

namespace migra::mfg {
namespace {

constexpr double kWeightFloor = 1e-300;  // spec §3.6: empty nodes keep a finite potential
constexpr int kStallIterations = 5;

double commuting_cost(const std::string& kind, double d) {
  if (kind == "linear") return d;
  if (kind == "sqrt") return std::sqrt(d);
  if (kind == "quadratic") return d * d;
  MIGRA_THROW_FMT("mfg: unknown commuting cost '%s' (linear, sqrt or quadratic)", kind.c_str());
}

/// Arclength along the edges in file order (vertices: where they are first met).
std::vector<double> arclength(const Grid& g) {
  const Network& net = *g.net;
  std::vector<double> s(size_t(g.nodes()), -1.0);
  double offset = 0.0;
  for (int j = 0; j < int(net.edges.size()); ++j) {
    const Edge& e = net.edges[size_t(j)];
    for (int q = 0; q <= g.cells[size_t(j)]; ++q) {
      double& v = s[size_t(g.node(j, q))];
      if (v < 0.0) v = offset + q * g.dx[size_t(j)];
    }
    offset += e.length;
  }
  return s;
}

}  // namespace

MarketPotentials market_potentials(Backend& be, const Grid& g, const std::vector<double>& cost, const MfgConfig& cfg,
                                   const double* Mw, const double* Mf, int batch, double mass_w, double mass_f,
                                   const ot::SinkhornResult* warm) {
  const int N = g.nodes();
  MarketPotentials out;
  std::vector<double> a(size_t(batch) * size_t(N)), b(size_t(batch) * size_t(N));
  for (int n = 0; n < batch; ++n) {
    double sa = 0.0, sb = 0.0;
    for (int q = 0; q < N; ++q) {
      const size_t k = size_t(n) * size_t(N) + size_t(q);
      out.floor_hits += (Mw[k] / mass_w < kWeightFloor) + (Mf[k] / mass_f < kWeightFloor);
      sa += a[k] = std::max(Mw[k] / mass_w, kWeightFloor);
      sb += b[k] = std::max(Mf[k] / mass_f, kWeightFloor);
    }
    for (int q = 0; q < N; ++q) {  // exact unit mass after the floor
      a[size_t(n) * size_t(N) + size_t(q)] /= sa;
      b[size_t(n) * size_t(N) + size_t(q)] /= sb;
    }
  }
  ot::CostInput c;
  c.n = c.m = N;
  c.matrix = cost.data();
  c.symmetric = true;
  ot::SinkhornConfig sc;
  sc.eps = cfg.eps;
  sc.tol = cfg.ot_tol;
  sc.max_iter = cfg.ot_max_iter;
  out.sinkhorn = ot::sinkhorn(be, c, a.data(), b.data(), batch, sc, warm);
  const double length = g.net->total_length();
  out.w.resize(size_t(batch) * size_t(N));
  out.f.resize(size_t(batch) * size_t(N));
  for (int n = 0; n < batch; ++n) {
    double kappa = 0.0;
    for (int q = 0; q < N; ++q) {
      const size_t k = size_t(n) * size_t(N) + size_t(q);
      double fw = out.sinkhorn.f[k], ff = out.sinkhorn.g[k];
      if (cfg.potential == "B") {
        fw -= cfg.eps * std::log(g.measure[size_t(q)]);
        ff -= cfg.eps * std::log(g.measure[size_t(q)]);
      } else if (cfg.potential == "C") {
        fw -= cfg.eps * std::log(a[k]);
        ff -= cfg.eps * std::log(b[k]);
      }
      out.w[k] = fw;
      out.f[k] = ff;
      kappa += fw * g.measure[size_t(q)];
    }
    kappa /= length;
    for (int q = 0; q < N; ++q) {
      out.w[size_t(n) * size_t(N) + size_t(q)] -= kappa;
      out.f[size_t(n) * size_t(N) + size_t(q)] += kappa;
    }
  }
  return out;
}

std::vector<double> commuting_costs(const std::string& kind, const std::vector<double>& D) {
  std::vector<double> cost(D.size());
  for (size_t k = 0; k < D.size(); ++k) cost[k] = commuting_cost(kind, D[k]);
  return cost;
}

int MfgConfig::steps() const { return std::max(1, int(std::lround(T / dt))); }

std::vector<double> initial_density(const Grid& g, const InitialDensity& d) {
  const int N = g.nodes();
  std::vector<double> m(static_cast<size_t>(N), d.base);
  if (d.kind == "uniform") return m;
  if (d.kind == "cosine") {
    const std::vector<double> s = arclength(g);
    const double L = g.net->total_length();
    for (int q = 0; q < N; ++q)
      m[size_t(q)] = d.base * (1.0 + d.amplitude * std::cos(2.0 * M_PI * d.mode * s[size_t(q)] / L + d.phase));
    return m;
  }
  MIGRA_THROW_IF_NOT_FMT(d.kind == "gaussian", "mfg: unknown initial density '%s' (uniform, cosine or gaussian)",
                         d.kind.c_str());
  MIGRA_THROW_IF_NOT_FMT(d.width > 0.0, "mfg: a gaussian initial density needs width > 0");
  for (int q = 0; q < N; ++q) {
    const double dx = g.px[size_t(q)] - d.cx, dy = g.py[size_t(q)] - d.cy;
    m[size_t(q)] = d.base + d.amplitude * std::exp(-(dx * dx + dy * dy) / d.width);
  }
  return m;
}

Balls make_balls(const Grid& g, const std::vector<double>& D, double r, const std::string& kernel) {
  MIGRA_THROW_IF_NOT_FMT(kernel == "ball" || kernel == "gaussian", "rent kernel must be ball or gaussian, got '%s'",
                         kernel.c_str());
  const bool gaussian = kernel == "gaussian";
  const double reach = gaussian ? 4.0 * r : r;
  const int N = g.nodes();
  Balls b;
  b.start.push_back(0);
  for (int q = 0; q < N; ++q) {
    for (int s = 0; s < N; ++s) {
      const double d = D[size_t(q) * size_t(N) + size_t(s)];
      if (d >= reach) continue;
      b.node.push_back(s);
      b.weight.push_back(gaussian ? std::exp(-d * d / (2.0 * r * r)) : 1.0);
    }
    b.start.push_back(int(b.node.size()));
  }
  return b;
}

double positive_part(double x, double delta) {
  if (delta == 0.0) return std::max(x, 0.0);
  // delta log(1 + e^{x/delta}) = max(x, 0) + delta log1p(e^{-|x|/delta}), without overflow
  return std::max(x, 0.0) + delta * std::log1p(std::exp(-std::fabs(x) / delta));
}

void rents(const Grid& g, const Balls& balls, const MfgConfig& cfg, const double* Mw, const double* Mf, double* Fw,
           double* Ff) {
  const int N = g.nodes();
  const double delta = cfg.rent_smoothing;
  for (int q = 0; q < N; ++q) {
    double mw = 0.0, mf = 0.0, area = 0.0;
    for (int k = balls.start[size_t(q)]; k < balls.start[size_t(q) + 1]; ++k) {
      const int s = balls.node[size_t(k)];
      const double w = balls.weight[size_t(k)];
      mw += w * Mw[s];
      mf += w * Mf[s];
      area += w * g.measure[size_t(s)];
    }
    mw /= area;
    mf /= area;
    const double total = mw + mf;
    double fw = 0.0, ff = 0.0;
    if (cfg.separation) {
      fw += positive_part(cfg.workers.a - mw / (total + cfg.eta), delta);
      ff += positive_part(cfg.firms.a - mf / (total + cfg.eta), delta);
    }
    if (cfg.overcrowding) {
      fw += cfg.workers.C * positive_part(total - cfg.workers.b, delta);
      ff += cfg.firms.C * positive_part(total - cfg.firms.b, delta);
    }
    Fw[q] = fw;
    Ff[q] = ff;
  }
}

namespace {

constexpr double kStateVersion = 3;  // 3 added the arclength walk, 2 the sweep count; 1 and 2 are still read

std::string save_state(const MfgResult& r, const SolveState& st) {
  const std::vector<double> head = {kStateVersion, double(st.done), double(st.stage), double(st.since_stage),
                                    double(r.ot_iterations), double(r.floor_hits), double(st.warm.batch),
                                    double(st.warm.n), double(st.warm.m), double(r.sweeps)};
  std::string bytes;
  append_vector(bytes, head);
  for (const auto* v : {&r.Mw, &r.Mf, &r.residuals, &r.thetas, &st.warm.f, &st.warm.g}) append_vector(bytes, *v);
  std::vector<double> points;  // the walk's: 4 numbers per point
  for (const auto& b : r.branch) points.insert(points.end(), {b.scale, b.residual, double(b.corrector_steps), b.ds});
  append_vector(bytes, {st.xs, st.ds});
  for (const auto* v : std::initializer_list<const std::vector<double>*>{&st.zk, &st.t, &points, &r.branch_w, &r.branch_f})
    append_vector(bytes, *v);
  bytes += r.ot_method;
  return bytes;
}

void load_state(const std::string& bytes, MfgResult& r, SolveState& st) {
  std::vector<double> head, Mw, Mf;
  std::size_t at = read_vector(bytes, 0, head);
  MIGRA_THROW_IF_NOT_FMT((head.size() == 10 && (head[0] == kStateVersion || head[0] == 2)) ||
                             (head.size() == 9 && head[0] == 1),
                         "mfg checkpoint: unknown layout");
  for (auto* v : {&Mw, &Mf, &r.residuals, &r.thetas, &st.warm.f, &st.warm.g}) at = read_vector(bytes, at, *v);
  if (head[0] == kStateVersion) {
    std::vector<double> steps, points;
    at = read_vector(bytes, at, steps);
    MIGRA_THROW_IF_NOT_FMT(steps.size() == 2, "mfg checkpoint: unknown layout");
    st.xs = steps[0], st.ds = steps[1];
    for (auto* v : {&st.zk, &st.t, &points, &r.branch_w, &r.branch_f}) at = read_vector(bytes, at, *v);
    for (size_t k = 0; k + 3 < points.size(); k += 4)
      r.branch.push_back({points[k], points[k + 1], int(points[k + 2]), points[k + 3]});
  }
  MIGRA_THROW_IF_NOT_FMT(Mw.size() == r.Mw.size() && Mf.size() == r.Mf.size(), "mfg checkpoint: another grid");
  r.Mw = std::move(Mw);
  r.Mf = std::move(Mf);
  st.done = int(head[1]);
  st.stage = int(head[2]);
  st.since_stage = int(head[3]);
  r.ot_iterations = (long long)head[4];
  r.floor_hits = (long long)head[5];
  st.warm.batch = int(head[6]);
  st.warm.n = int(head[7]);
  st.warm.m = int(head[8]);
  r.sweeps = head.size() == 10 ? (long long)head[9] : st.done;
  r.ot_method = bytes.substr(at);
  r.iterations = r.resumed_at = st.done;
}

/// The damped Picard iteration M <- (1 - theta) M + theta G(M) (header), from r's masses.
void picard_solve(const PicardMap& G, const MfgConfig& cfg, MfgResult& r, SolveState& st,
                  const std::function<void(int, double)>& on_iteration,
                  const std::function<void(const MfgResult&, const SolveState&)>& save) {
  int &since_stage = st.since_stage, &stage = st.stage;
  double theta = cfg.theta;
  for (int s = st.done; s < cfg.max_iter; ++s) {
    r.controls_w = Controls{}, r.controls_f = Controls{};  // the last iteration's only: free them first
    Sweep sw = G(r.Mw.data(), r.Mf.data(), s > 0 ? &st.warm : nullptr);
    PicardMap::count(sw, r);
    if (cfg.ot_coupling) {
      r.floor_hits += sw.floor_hits;
      st.warm = std::move(sw.ot);
    }
    const double err = G.distance(sw.Mw.data(), sw.Mf.data(), r.Mw.data(), r.Mf.data());
    // damping: the configured theta, then half of it, then fictitious play 1/(s+1), each time
    // the residual has not dropped by 10% over kStallIterations iterations
    if (since_stage >= kStallIterations && stage < 2 &&
        err > 0.9 * r.residuals[r.residuals.size() - size_t(kStallIterations)]) {
      ++stage;
      since_stage = 0;
    }
    ++since_stage;
    theta = stage == 0 ? cfg.theta : stage == 1 ? 0.5 * cfg.theta : 1.0 / double(s + 1);
    for (size_t k = 0; k < r.Mw.size(); ++k) {
      r.Mw[k] = (1.0 - theta) * r.Mw[k] + theta * sw.Mw[k];
      r.Mf[k] = (1.0 - theta) * r.Mf[k] + theta * sw.Mf[k];
    }
    PicardMap::keep(sw, r);
    r.residuals.push_back(err);
    r.thetas.push_back(theta);
    r.iterations = s + 1;
    if (on_iteration) on_iteration(s, err);
    if (err < cfg.tol) {
      r.converged = true;
      break;
    }
    st.done = s + 1;
    if (st.done < cfg.max_iter) save(r, st);
  }
}

}  // namespace

MfgResult solve_mfg(Backend& be, const Grid& g, const std::vector<double>& D, const MfgConfig& cfg,
                    const std::function<void(int, double)>& on_iteration, const models::Checkpointing& ck,
                    const MfgGuess* guess) {
  MIGRA_THROW_IF_NOT_FMT(cfg.T > 0.0 && cfg.dt > 0.0 && cfg.eps > 0.0 && cfg.tol > 0.0 && cfg.max_iter >= 1,
                         "mfg: T, dt, eps, tol must be > 0 and max_iter >= 1");
  MIGRA_THROW_IF_NOT_FMT(cfg.potential == "A" || cfg.potential == "B" || cfg.potential == "C",
                         "mfg: potential must be A, B or C, got '%s'", cfg.potential.c_str());
  MIGRA_THROW_IF_NOT_FMT(cfg.solver == "picard" || cfg.solver == "newton" || cfg.solver == "arclength",
                         "mfg: solver must be picard, newton or arclength, got '%s'", cfg.solver.c_str());
  const PicardMap G(be, g, D, cfg);
  MfgResult r = G.start(guess);
  SolveState st;
  if (!ck.initial.empty()) load_state(ck.initial, r, st);
  const auto save = [&](const MfgResult& now, const SolveState& state) {
    if (ck.save && ck.every > 0 && state.done % ck.every == 0) ck.save([&] { return save_state(now, state); });
  };
  if (cfg.solver == "newton") newton_solve(G, cfg, r, st, on_iteration, save);
  else if (cfg.solver == "arclength") arclength_solve(G, cfg, r, st, on_iteration, save);
  else picard_solve(G, cfg, r, st, on_iteration, save);
  return r;
}

RegimeMetrics regime_metrics(const Grid& g, const double* Mw, const double* Mf, double mass_w, double mass_f) {
  const int N = g.nodes();
  const double L = g.net->total_length();
  RegimeMetrics m;
  for (int q = 0; q < N; ++q) {
    m.overlap += std::min(Mw[q] / mass_w, Mf[q] / mass_f);
    m.peak_w = std::max(m.peak_w, Mw[q] / g.measure[size_t(q)] / mass_w * L);
    m.peak_f = std::max(m.peak_f, Mf[q] / g.measure[size_t(q)] / mass_f * L);
  }
  // connected components of {m^ > 1.5 / |Gamma|} on the fine node graph (union-find)
  const std::vector<std::pair<int, int>> links = grid_links(g);
  const auto count = [&](const double* M, double mass) {
    std::vector<int> parent(static_cast<size_t>(N));
    std::iota(parent.begin(), parent.end(), 0);
    const auto find = [&](int x) {
      while (parent[size_t(x)] != x) x = parent[size_t(x)] = parent[size_t(parent[size_t(x)])];
      return x;
    };
    std::vector<char> high(static_cast<size_t>(N));
    for (int q = 0; q < N; ++q) high[size_t(q)] = M[q] / g.measure[size_t(q)] / mass > 1.5 / L;
    for (const auto& [u, v] : links)
      if (high[size_t(u)] && high[size_t(v)]) parent[size_t(find(u))] = find(v);
    int c = 0;
    for (int q = 0; q < N; ++q) c += high[size_t(q)] && find(q) == q;
    return c;
  };
  m.clusters_w = count(Mw, mass_w);
  m.clusters_f = count(Mf, mass_f);
  return m;
}

}  // namespace migra::mfg
