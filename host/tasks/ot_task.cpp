// Task kind `ot`: entropic optimal transport between two weighted sets (kernels/ot/sinkhorn.hpp)
// with a cost matrix (.npy) or points (CSV) and a metric. Writes the potentials f.npy, g.npy
// (f = eps log u, g = eps log v), the plan (plan.npy, or its k largest entries per row in
// plan_topk.csv when the dense plan is too large), metrics.json and convergence.svg.
// A killed run resumes from the potentials of its last checkpoint (a warm start).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <numeric>

#include "host/io/csv.hpp"
#include "host/io/npy.hpp"
#include "host/report/svg.hpp"
#include "host/tasks/task_kinds.hpp"
#include "kernels/core/error.hpp"
#include "kernels/ot/sinkhorn.hpp"
#include "models/city_mfg/network.hpp"

namespace migra::tasks {
namespace {

using job::ParamType;
using job::Params;

const std::map<std::string, ot::CostMetric> kMetrics = {{"sqeuclidean", ot::CostMetric::SqEuclidean},
                                                         {"euclidean", ot::CostMetric::Euclidean},
                                                         {"haversine", ot::CostMetric::Haversine}};
const char* kGraphMetric = "graph";  // shortest paths on a network between its vertices
constexpr double kDensePlanMaxEntries = 25e6;  // plan auto: dense up to 200 MB
constexpr double kDefaultEpsRelative = 0.01;    // eps = 1% of the largest cost

/// The values of `metric`: the point metrics and graph.
std::vector<std::string> metric_names() {
  std::vector<std::string> names = keys(kMetrics);
  names.push_back(kGraphMetric);
  return names;
}

/// A weight column of a CSV.
std::vector<double> read_weights(const std::string& path, const std::string& column) {
  const io::CsvTable t = io::CsvTable::read(path);
  const int c = t.column(column);
  std::vector<double> w;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const double v = t.number(r, c);
    MIGRA_THROW_IF_NOT_FMT(v >= 0.0, "%s: weight %g is negative", t.where(r, c).c_str(), v);
    w.push_back(v);
  }
  MIGRA_THROW_IF_NOT_FMT(!w.empty(), "%s: no weights", path.c_str());
  return w;
}

/// Points of a CSV, row-major: lon,lat for haversine; else x[,y[,z]].
std::vector<double> read_points(const std::string& path, ot::CostMetric metric, int& dim) {
  const io::CsvTable t = io::CsvTable::read(path);
  std::vector<int> cols;
  if (metric == ot::CostMetric::Haversine) {
    cols = {t.column("lon"), t.column("lat")};
  } else {
    cols.push_back(t.column("x"));
    for (const char* name : {"y", "z"})
      if (t.has_column(name)) cols.push_back(t.column(name));
  }
  dim = int(cols.size());
  std::vector<double> p;
  for (std::size_t r = 0; r < t.rows(); ++r)
    for (int c : cols) {
      const double v = t.number(r, c);
      if (metric == ot::CostMetric::Haversine && c == cols[1])
        MIGRA_THROW_IF_NOT_FMT(std::fabs(v) <= 90.0, "%s: latitude %g is outside [-90, 90]", t.where(r, c).c_str(), v);
      p.push_back(v);
    }
  return p;
}

/// The vertices a CSV's `vertex` column names (ids of the network file), one per weight.
std::vector<int> read_vertices(const std::string& path, const mfg::Network& net) {
  std::map<std::string, int> index;
  for (size_t v = 0; v < net.ids.size(); ++v) index[net.ids[v]] = int(v);
  const io::CsvTable t = io::CsvTable::read(path);
  const int c = t.column("vertex");
  std::vector<int> out;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const auto it = index.find(t.text(r, c));
    MIGRA_THROW_IF_NOT_FMT(it != index.end(), "%s: vertex '%s' is not in the network", t.where(r, c).c_str(),
                           t.text(r, c).c_str());
    out.push_back(it->second);
  }
  return out;
}

/// C_ij = the shortest-path length from x's vertex i to y's vertex j along the network's edges,
/// stored (n x m doubles, which must fit the backend's budget): one Dijkstra per distinct
/// source vertex.
std::vector<double> graph_costs(const std::string& network, const std::vector<int>& from,
                                const std::vector<int>& to, const mfg::Network& net, std::size_t budget) {
  const double bytes = double(from.size()) * double(to.size()) * sizeof(double);
  MIGRA_THROW_IF_NOT_FMT(bytes <= double(budget),
                         "graph costs are stored: %zu x %zu doubles (%.3g GB) exceed the memory budget (%.3g GB)",
                         from.size(), to.size(), bytes / 1e9, double(budget) / 1e9);
  std::vector<int> sources(from);
  std::sort(sources.begin(), sources.end());
  sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
  const std::vector<double> D = mfg::vertex_distances(net, sources);
  const size_t V = size_t(net.vertices());
  std::vector<double> C(from.size() * to.size());
  for (size_t i = 0; i < from.size(); ++i) {
    const size_t row = size_t(std::lower_bound(sources.begin(), sources.end(), from[i]) - sources.begin());
    for (size_t j = 0; j < to.size(); ++j) {
      const double d = D[row * V + size_t(to[j])];
      MIGRA_THROW_IF_NOT_FMT(std::isfinite(d), "%s: no path from vertex '%s' to vertex '%s'", network.c_str(),
                             net.ids[size_t(from[i])].c_str(), net.ids[size_t(to[j])].c_str());
      C[i * to.size() + j] = d;
    }
  }
  return C;
}

/// Potentials at a check, as a checkpoint: "n m" then the raw doubles of f and g.
std::string encode(const std::vector<double>& f, const std::vector<double>& g) {
  std::string s = std::to_string(f.size()) + " " + std::to_string(g.size()) + "\n";
  s.append(reinterpret_cast<const char*>(f.data()), f.size() * sizeof(double));
  s.append(reinterpret_cast<const char*>(g.data()), g.size() * sizeof(double));
  return s;
}
bool decode(const std::string& s, int n, int m, ot::SinkhornResult& warm) {
  std::size_t nf = 0, ng = 0;
  const std::size_t eol = s.find('\n');
  if (eol == std::string::npos || std::sscanf(s.c_str(), "%zu %zu", &nf, &ng) != 2 || nf != size_t(n) ||
      ng != size_t(m) || s.size() != eol + 1 + (nf + ng) * sizeof(double))
    return false;
  warm.batch = 1, warm.n = n, warm.m = m;
  warm.f.resize(nf);
  warm.g.resize(ng);
  std::memcpy(warm.f.data(), s.data() + eol + 1, nf * sizeof(double));
  std::memcpy(warm.g.data(), s.data() + eol + 1 + nf * sizeof(double), ng * sizeof(double));
  return true;
}

std::string plan_mode(const Params& p, double entries) {
  const std::string mode = p["plan"];
  if (mode != "auto") return mode;
  return entries <= kDensePlanMaxEntries ? "dense" : "topk";
}

/// The k largest entries of each row of the plan: source,target,mass (0-based indices).
std::string topk_rows(int r0, int r1, int m, int k, const double* rows) {
  std::string out;
  std::vector<int> idx(static_cast<size_t>(m));
  char line[96];
  for (int i = r0; i < r1; ++i) {
    const double* row = rows + size_t(i - r0) * size_t(m);
    std::iota(idx.begin(), idx.end(), 0);
    const int kk = std::min(k, m);
    std::partial_sort(idx.begin(), idx.begin() + kk, idx.end(), [&](int a, int b) {
      return row[a] > row[b] || (row[a] == row[b] && a < b);
    });
    for (int t = 0; t < kk && row[idx[size_t(t)]] > 0.0; ++t) {
      std::snprintf(line, sizeof line, "%d,%d,%.17g\n", i, idx[size_t(t)], row[idx[size_t(t)]]);
      out += line;
    }
  }
  return out;
}

void run(job::TaskContext& ctx) {
  const Params& p = ctx.params();
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<double> a = read_weights(p["a"], p["weight-column"]), b = read_weights(p["b"], p["weight-column"]);
  const double mass_a = std::accumulate(a.begin(), a.end(), 0.0), mass_b = std::accumulate(b.begin(), b.end(), 0.0);
  if (!p["keep-mass"].get<bool>()) {  // probability measures
    for (double& v : a) v /= mass_a;
    for (double& v : b) v /= mass_b;
  }
  ot::CostInput cost;
  const bool graph = p["metric"] == kGraphMetric;
  const ot::CostMetric metric = graph ? ot::CostMetric::SqEuclidean : kMetrics.at(p["metric"]);
  io::NpyMatrix C;
  std::vector<double> x, y, G;
  if (graph) {
    const mfg::Network net = mfg::read_network(p["network"]);
    const std::vector<int> from = read_vertices(p["x"], net), to = read_vertices(p["y"], net);
    MIGRA_THROW_IF_NOT_FMT(from.size() == a.size() && to.size() == b.size(),
                           "vertices and weights differ in number: x has %zu, a %zu; y has %zu, b %zu", from.size(),
                           a.size(), to.size(), b.size());
    G = graph_costs(p["network"], from, to, net, ctx.backend().memory_budget());
    cost.matrix = G.data();
  } else if (p.contains("cost")) {
    C = io::read_npy_matrix(p["cost"]);
    MIGRA_THROW_IF_NOT_FMT(C.rows == std::int64_t(a.size()) && C.cols == std::int64_t(b.size()),
                           "%s: the cost is %lld x %lld, the weights have %zu (a) and %zu (b) entries",
                           std::string(p["cost"]).c_str(), (long long)C.rows, (long long)C.cols, a.size(), b.size());
    cost.matrix = C.data.data();
  } else {
    int dx = 0, dy = 0;
    x = read_points(p["x"], metric, dx);
    y = read_points(p["y"], metric, dy);
    MIGRA_THROW_IF_NOT_FMT(x.size() / size_t(dx) == a.size() && y.size() / size_t(dy) == b.size(),
                           "points and weights differ in number: x has %zu, a %zu; y has %zu, b %zu",
                           x.size() / size_t(dx), a.size(), y.size() / size_t(dy), b.size());
    MIGRA_THROW_IF_NOT_FMT(dx == dy, "x has %d coordinates per point, y %d", dx, dy);
    cost.x = x.data();
    cost.y = y.data();
    cost.dim = dx;
    cost.metric = metric;
  }
  cost.n = int(a.size());
  cost.m = int(b.size());

  ot::SinkhornConfig cfg;
  const double c_max = ot::max_cost(cost);
  cfg.eps = p.contains("eps") ? p["eps"].get<double>() : p.value("eps-relative", kDefaultEpsRelative) * c_max;
  if (p.contains("unbalanced")) cfg.tau_a = cfg.tau_b = p["unbalanced"].get<double>();
  cfg.method = p["method"];
  cfg.max_iter = p["max-iter"];
  cfg.tol = p["tol"];
  cfg.check_every = p["check-every"];
  cfg.eps_scaling = p["eps-scaling"];
  double first_error = -1.0;
  auto last_save = std::chrono::steady_clock::now();
  cfg.on_check = [&](int, double err, const std::vector<double>& f, const std::vector<double>& g) {
    if (first_error < 0.0) first_error = std::max(err, cfg.tol * 10);
    // progress on a log scale between the first error and tol
    ctx.progress(std::clamp(std::log(first_error / err) / std::log(first_error / cfg.tol), 0.0, 0.99));
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - last_save).count() >= ctx.checkpoint_every_s()) {
      ctx.save_checkpoint(encode(f, g));
      last_save = now;
    }
  };
  ot::SinkhornResult warm;
  const bool resumed = decode(ctx.load_checkpoint(), cost.n, cost.m, warm);
  if (resumed) ctx.log("resuming from the potentials of the last checkpoint");

  Backend& be = ctx.backend();
  const ot::SinkhornResult res = ot::sinkhorn(be, cost, a.data(), b.data(), 1, cfg, resumed ? &warm : nullptr);
  const ot::OtReport rep = ot::ot_report(be, cost, a.data(), b.data(), cfg, res)[0];

  ctx.add_output("f.npy", io::write_npy_vector(ctx.output_path("f.npy"), res.f));
  ctx.add_output("g.npy", io::write_npy_vector(ctx.output_path("g.npy"), res.g));
  const std::string mode = plan_mode(p, double(cost.n) * cost.m);
  const int block_rows = int(std::max<std::int64_t>(1, std::min<std::int64_t>(cost.n, (1 << 24) / cost.m)));
  if (mode == "dense") {
    io::NpyWriter npy(ctx.output_path("plan.npy"), cost.n, cost.m);
    ot::transport_plan(be, cost, res, cfg.eps, 0, block_rows, [&](int r0, int r1, const double* rows) { npy.append_rows(rows, r1 - r0); });
    ctx.add_output("plan.npy", npy.commit());
  } else if (mode == "topk") {
    io::AtomicFile csv(ctx.output_path("plan_topk.csv"));
    csv.write("source,target,mass\n");
    const int k = p["top-k"];
    ot::transport_plan(be, cost, res, cfg.eps, 0, block_rows,
                       [&](int r0, int r1, const double* rows) { csv.write(topk_rows(r0, r1, cost.m, k, rows)); });
    ctx.add_output("plan_topk.csv", csv.commit());
  }

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json m = {
      {"n", cost.n}, {"m", cost.m}, {"eps", cfg.eps}, {"max_cost", c_max},
      {"cost", rep.transport_cost}, {"entropic_cost", rep.primal}, {"dual", rep.dual}, {"gap", rep.gap},
      {"mass", rep.mass}, {"entropy", rep.entropy},
      {"marginal_error", std::max(rep.marginal_error_a, rep.marginal_error_b)},
      {"marginal_error_a", rep.marginal_error_a}, {"marginal_error_b", rep.marginal_error_b},
      {"input_mass_a", mass_a}, {"input_mass_b", mass_b}, {"normalised", !p["keep-mass"].get<bool>()},
      {"iterations", res.iterations}, {"converged", res.converged}, {"error", res.error[0]}, {"tol", cfg.tol},
      {"method", res.method}, {"rolled_back", res.rolled_back}, {"plan", mode}, {"resumed", resumed},
      {"device", be.name()}, {"seconds", seconds}};
  if (res.rolled_back) m["rollback"] = res.message;
  if (std::isfinite(cfg.tau_a)) m["tau"] = cfg.tau_a;
  m["cost_source"] = p.contains("cost") ? "matrix " + ctx.declared()["cost"].get<std::string>()
                     : graph           ? "shortest paths on " + ctx.declared()["network"].get<std::string>()
                                       : "points, " + std::string(p["metric"]);
  ctx.write_output("metrics.json", m.dump(2) + "\n");

  std::vector<double> it;
  for (size_t k = 0; k < res.error_history.size(); ++k) it.push_back(double(k + 1) * cfg.check_every);
  report::CurveOptions o;
  char title[128];
  std::snprintf(title, sizeof title, "Sinkhorn convergence (%s, eps = %.4g)", res.method.c_str(), cfg.eps);
  o.title = title;
  o.x_label = "iteration";
  o.y_label = std::isfinite(cfg.tau_a) ? "max |f change| / eps" : "marginal error (L1, relative)";
  o.log_y = true;
  ctx.write_output("convergence.svg", report::svg_curves({{"error", "#2a6fb0", it, res.error_history, {}, {}}}, o));
  ctx.result = m;
  char line[256];
  std::snprintf(line, sizeof line, "%d x %d, eps %.4g (%s): cost %.10g, %d iterations, marginal error %.2e%s",
                cost.n, cost.m, cfg.eps, res.method.c_str(), rep.transport_cost, res.iterations,
                double(m["marginal_error"]), res.converged ? "" : "  NOT CONVERGED");
  ctx.summary.push_back(line);
  if (res.rolled_back) ctx.summary.push_back(res.message);
  ctx.drop_checkpoint();
}

std::vector<std::string> check(const Params& p) {
  std::vector<std::string> problems;
  const bool matrix = p.contains("cost"), points = p.contains("x") || p.contains("y");
  if (matrix == points) problems.push_back("give either 'cost' (a matrix) or both 'x' and 'y' (points)");
  if (points && !(p.contains("x") && p.contains("y"))) problems.push_back("points need both 'x' and 'y'");
  if (p.contains("eps") && p.contains("eps-relative"))
    problems.push_back("give 'eps' or 'eps-relative', not both");
  if (p.value("eps-scaling", 0.0) >= 1.0) problems.push_back("'eps-scaling' must be below 1 (0: off)");
  const bool graph = p.value("metric", std::string()) == kGraphMetric;
  if (graph && !p.contains("network")) problems.push_back("metric 'graph' needs 'network' (the network file)");
  if (!graph && p.contains("network")) problems.push_back("'network' applies to metric 'graph' only");
  return problems;
}

}  // namespace

job::TaskKind ot_task_kind() {
  job::TaskKind k;
  k.name = "ot";
  k.summary = "Entropic optimal transport (log-domain Sinkhorn; balanced or KL-relaxed) between two weighted "
              "sets, with a cost matrix or points and a metric";
  k.gpu_capable = true;
  k.params = {
      {"a", ParamType::Path, "Source weights: CSV with a 'weight' column", nullptr, {}, true},
      {"b", ParamType::Path, "Target weights: CSV with a 'weight' column", nullptr, {}, true},
      {"weight-column", ParamType::String, "Name of the weight column of a and b", "weight"},
      {"keep-mass", ParamType::Bool, "Keep the weights' totals (default: both scaled to mass 1; balanced OT needs equal totals)", false},
      {"cost", ParamType::Path, "Cost matrix, .npy float64/float32, len(a) x len(b)"},
      {"x", ParamType::Path, "Source points: CSV with x[,y[,z]] (lon,lat for haversine; vertex for graph), one row per weight"},
      {"y", ParamType::Path, "Target points, as x"},
      {"metric", ParamType::String, "Cost of points: |x-y|^2, |x-y|, great-circle km, or shortest-path length on --network",
       "sqeuclidean", metric_names()},
      {"network", ParamType::Path, "metric graph: the network file (vertex ID X Y / edge A B [length=L] lines)"},
      {"eps", ParamType::Real, "Entropic regularisation, in cost units [default: eps-relative x max cost]", nullptr, {}, false, 1e-300},
      {"eps-relative", ParamType::Real, "eps as a fraction of the largest cost, instead of eps [default: 0.01]", nullptr, {}, false, 1e-300},
      {"unbalanced", ParamType::Real, "KL relaxation tau of both marginals (unbalanced OT); unset: balanced", nullptr, {}, false, 1e-300},
      {"method", ParamType::String, "auto (scaling form when safe, else log domain), log or scaling", "auto", {"auto", "log", "scaling"}},
      {"max-iter", ParamType::Int, "Iteration cap (per eps stage)", 10000, {}, false, 1.0},
      {"tol", ParamType::Real, "Stop when the marginal error (L1, relative) is below this", 1e-9, {}, false, 1e-300},
      {"check-every", ParamType::Int, "Check convergence every k iterations", 10, {}, false, 1.0},
      {"eps-scaling", ParamType::Real, "q in (0, 1): solve at eps_k = max(eps, c_max q^k) first (warm starts); 0: off", 0.0, {}, false, 0.0},
      {"plan", ParamType::String, "Write the plan: dense (plan.npy), topk (plan_topk.csv), none, or auto (dense up to 25M entries)", "auto", {"auto", "dense", "topk", "none"}},
      {"top-k", ParamType::Int, "Entries per row in plan_topk.csv", 10, {}, false, 1.0},
  };
  k.outputs = [](const Params&) {
    return std::vector<std::string>{"f.npy", "g.npy", "plan.npy", "plan_topk.csv", "metrics.json", "convergence.svg"};
  };
  k.check = check;
  k.run = run;
  return k;
}

}  // namespace migra::tasks
