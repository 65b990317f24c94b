// `migra flows`: one static spatial-interaction model on a sites table, optionally fitted to and
// scored against observed flows; writes flows.npy, flows.csv, metrics.json and manifest.json.
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>

#include "host/cli/commands.hpp"
#include "host/io/atomic_file.hpp"
#include "host/io/npy.hpp"
#include "host/io/sites_io.hpp"
#include "host/manifest.hpp"
#include "host/progress.hpp"
#include "kernels/core/backend.hpp"
#include "kernels/core/error.hpp"
#include "models/sim_dynamics/static_flows.hpp"

namespace migra::host {
namespace {

struct FlowsOptions {
  std::string model, sites, observed, constraint = "production", deterrence = "exp",
                                      coords, device = "auto", out, progress = "auto";
  std::optional<double> beta, L;
  double gamma = 1.0, min_distance = 1.0, tol = 1e-12;
  int max_iter = 10000;
  bool self_flows = false, literal = false, csv = false, no_csv = false, quiet = false;
};

const std::map<std::string, sim::FlowModel> kModels = {
    {"gravity", sim::FlowModel::Gravity},
    {"radiation", sim::FlowModel::Radiation},
    {"io", sim::FlowModel::InterveningOpportunities},
    {"two-trip", sim::FlowModel::TwoTrip}};
const std::map<std::string, flows::Constraint> kConstraints = {
    {"none", flows::Constraint::None},
    {"production", flows::Constraint::Production},
    {"attraction", flows::Constraint::Attraction},
    {"doubly", flows::Constraint::Doubly}};
const std::map<std::string, flows::Deterrence> kDeterrence = {{"exp", flows::Deterrence::Exp},
                                                              {"power", flows::Deterrence::Power}};

constexpr int kCsvDefaultMaxSites = 5000;

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

nlohmann::json metrics_json(const sim::StaticFlowResult& r) {
  nlohmann::json j;
  const auto& m = *r.metrics;
  j["cpc"] = m.cpc;
  j["rmse"] = m.rmse;
  j["r2"] = m.r2;
  j["pearson"] = m.pearson;
  j["pairs"] = m.pairs;
  j["observed_total"] = m.observed_total;
  j["model_total"] = m.model_total;
  return j;
}

nlohmann::json parameters_json(const FlowsOptions& o, const sim::StaticFlowResult& r) {
  nlohmann::json p;
  p["model"] = o.model;
  if (o.model == "gravity") p["constraint"] = o.constraint;
  if (o.model == "gravity" || o.model == "two-trip") p["deterrence"] = o.deterrence;
  if (r.beta) p[o.deterrence == "power" ? "alpha" : "beta"] = *r.beta;
  if (o.model == "two-trip") p["gamma"] = o.gamma;
  if (r.L) p["L"] = *r.L;
  if (o.model == "gravity" && o.constraint == "none") p["K"] = r.K;
  if (o.model == "radiation") p["reading"] = o.literal ? "literal" : "standard";
  p["self_flows"] = o.self_flows || (o.model == "radiation" && o.literal);
  if (r.fit.fitted)
    p["fit"] = {{"parameter", r.fit.parameter}, {"value", r.fit.value},
                {"poisson_deviance", r.fit.deviance}, {"evaluations", r.fit.evaluations},
                {"at_bound", r.fit.at_bound}};
  if (o.model == "gravity" && o.constraint == "doubly")
    p["balancing"] = {{"iterations", r.balance.iterations},
                      {"margin_error", r.balance.margin_error},
                      {"converged", r.balance.converged},
                      {"tolerance", o.tol}};
  return p;
}

void run_flows(const FlowsOptions& o, const std::vector<std::string>& argv) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  // 1. Validate every input before anything is written.
  sim::StaticFlowConfig cfg;
  cfg.model = kModels.at(o.model);
  cfg.constraint = kConstraints.at(o.constraint);
  cfg.deterrence = kDeterrence.at(o.deterrence);
  cfg.beta = o.beta;
  cfg.gamma = o.gamma;
  cfg.L = o.L;
  cfg.self_flows = o.self_flows;
  cfg.radiation_literal = o.literal;
  cfg.min_distance = o.min_distance;
  cfg.balance = {o.tol, o.max_iter};
  MIGRA_THROW_IF_NOT_FMT(o.gamma >= 0, "--gamma must be >= 0, got %g", o.gamma);
  const ProgressMode pmode = o.quiet ? ProgressMode::None : parse_progress_mode(o.progress);
  const io::SiteTable sites = io::read_sites(o.sites, o.coords);
  std::optional<std::vector<sim::ObservedFlow>> observed;
  if (!o.observed.empty()) observed = io::read_flows(o.observed, sites);
  const int n = sites.sites.size();
  const bool write_csv = o.csv || (n <= kCsvDefaultMaxSites && !o.no_csv);
  BackendChoice choice = choose_backend(o.device);
  if (!choice.notice.empty()) std::fprintf(stderr, "migra: %s\n", choice.notice.c_str());
  Backend& backend = *choice.backend;
  const auto t_read = clock::now();

  // 2. Run, streaming row blocks into the outputs (temporary names until committed).
  ensure_directory(o.out);
  io::NpyWriter npy(o.out + "/flows.npy", n, n);
  std::unique_ptr<io::AtomicFile> csv;
  if (write_csv) {
    csv = std::make_unique<io::AtomicFile>(o.out + "/flows.csv");
    csv->write("origin,destination,flow\n");
  }
  Progress progress("flows", pmode);
  const auto sink = [&](int r0, int r1, const double* rows) {
    npy.append_rows(rows, r1 - r0);
    if (!csv) return;
    std::string buf;
    char line[64];
    for (int i = r0; i < r1; ++i)
      for (int j = 0; j < n; ++j) {
        const double v = rows[size_t(i - r0) * size_t(n) + size_t(j)];
        if (v == 0.0) continue;
        std::snprintf(line, sizeof line, ",%.17g\n", v);
        buf += sites.ids[size_t(i)] + "," + sites.ids[size_t(j)] + line;
      }
    csv->write(buf);
  };
  const sim::StaticFlowResult res =
      sim::run_static_flows(backend, sites.sites, cfg, observed ? &*observed : nullptr, sink,
                            [&](double f) { progress.update(f); });
  progress.finish();
  const auto t_run = clock::now();

  // 3. Commit the outputs, then the manifest that lists their checksums.
  nlohmann::json outputs;
  outputs["flows.npy"] = {{"sha256", npy.commit()}, {"shape", {n, n}}, {"dtype", "float64"}};
  if (csv) outputs["flows.csv"] = {{"sha256", csv->commit()}};
  nlohmann::json params = parameters_json(o, res);
  if (res.metrics) {
    nlohmann::json mj = {{"parameters", params}, {"metrics", metrics_json(res)},
                         {"sites", o.sites}, {"observed", o.observed}};
    outputs["metrics.json"] = {{"sha256", io::write_file_atomic(o.out + "/metrics.json", mj.dump(2) + "\n")}};
  }
  const auto t_end = clock::now();
  nlohmann::json man = manifest_header(argv);
  man["task"] = {{"kind", "flows"}, {"sites", o.sites}, {"n_sites", n},
                 {"observed", o.observed}, {"parameters", params}};
  man["device"] = {{"name", backend.name()}, {"description", backend.description()},
                   {"requested", o.device}};
  if (!choice.notice.empty()) man["device"]["notice"] = choice.notice;
  const auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  man["timings_s"] = {{"read", secs(t0, t_read)}, {"compute_and_write", secs(t_read, t_run)},
                      {"total", secs(t0, t_end)}};
  man["row_blocks"] = res.row_blocks;
  man["outputs"] = outputs;
  io::write_file_atomic(o.out + "/manifest.json", man.dump(2) + "\n");

  // 4. Summary.
  if (o.quiet) return;
  std::printf("migra flows: %s on %d sites (%s) [%s]\n", o.model.c_str(), n, o.sites.c_str(),
              backend.name().c_str());
  if (res.fit.fitted)
    std::printf("  fitted %s = %.6g (Poisson deviance %.6g, %d evaluations%s)\n",
                res.fit.parameter.c_str(), res.fit.value, res.fit.deviance, res.fit.evaluations,
                res.fit.at_bound ? ", AT THE SEARCH BOUND" : "");
  else if (res.beta)
    std::printf("  %s = %.6g\n", o.deterrence == "power" ? "alpha" : "beta", *res.beta);
  if (o.model == "gravity" && o.constraint == "doubly")
    std::printf("  balancing: %d iterations, margin error %.3g%s\n", res.balance.iterations,
                res.balance.margin_error, res.balance.converged ? "" : " (NOT CONVERGED)");
  if (res.metrics)
    std::printf("  CPC %.4f  RMSE %s  R2 %.4f  Pearson %.4f  over %zu pairs\n", res.metrics->cpc,
                fmt("%.6g", res.metrics->rmse).c_str(), res.metrics->r2, res.metrics->pearson,
                res.metrics->pairs);
  std::printf("  total flow %.6g; wrote %s/{flows.npy%s%s, manifest.json} in %.2f s\n",
              res.total_flow, o.out.c_str(), csv ? ", flows.csv" : "",
              res.metrics ? ", metrics.json" : "", secs(t0, t_end));
}

}  // namespace

void register_flows(CLI::App& app, const std::vector<std::string>& argv) {
  auto o = std::make_shared<FlowsOptions>();
  CLI::App* c = app.add_subcommand(
      "flows", "Flow matrix of a spatial interaction model (gravity, radiation, intervening "
               "opportunities, Two-Trip) on a sites table; fitted to observed flows if given");
  const auto keys = [](const auto& m) {
    std::vector<std::string> k;
    for (const auto& [name, _] : m) k.push_back(name);
    return k;
  };
  c->add_option("--model", o->model, "Model")->required()->check(CLI::IsMember(keys(kModels)));
  c->add_option("--sites", o->sites, "Sites CSV: id,population and lon,lat or x,y")->required();
  c->add_option("--observed", o->observed,
                "Observed flows CSV: origin,destination,flow (fits the parameter, scores CPC)");
  c->add_option("--constraint", o->constraint, "Gravity constraint")
      ->check(CLI::IsMember(keys(kConstraints)))->capture_default_str();
  c->add_option("--deterrence", o->deterrence, "Deterrence f(d): exp = e^(-beta d), power = d^-alpha")
      ->check(CLI::IsMember(keys(kDeterrence)))->capture_default_str();
  c->add_option("--beta", o->beta,
                "Deterrence parameter (beta, or alpha for power); fitted if --observed and unset");
  c->add_option("--gamma", o->gamma, "Two-Trip range parameter gamma")->capture_default_str();
  c->add_option("--L", o->L, "Intervening-opportunities parameter L (per unit population)");
  c->add_option("--coords", o->coords, "Coordinates: lonlat (haversine km) or xy (Euclidean); "
                                       "default from the header")
      ->check(CLI::IsMember({"lonlat", "xy"}));
  c->add_flag("--self-flows", o->self_flows, "Include i -> i flows (produced and scored)");
  c->add_flag("--radiation-literal", o->literal,
              "Radiation: paper 004's literal reading (origin in s_ij, T_ii = O_i/2)");
  c->add_option("--min-distance", o->min_distance, "Power law: f = max(d, d_min)^-alpha")
      ->capture_default_str();
  c->add_option("--tol", o->tol, "Doubly constrained: margin tolerance")->capture_default_str();
  c->add_option("--max-iter", o->max_iter, "Doubly constrained: iteration cap")->capture_default_str();
  c->add_option("--device", o->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  c->add_option("--out", o->out, "Output directory")->required();
  c->add_flag("--csv", o->csv, "Write flows.csv even when N > 5000");
  c->add_flag("--no-csv", o->no_csv, "Do not write flows.csv");
  c->add_option("--progress", o->progress, "auto, bar, json or none")->capture_default_str();
  c->add_flag("-q,--quiet", o->quiet, "No progress and no summary");
  c->callback([o, argv] { run_flows(*o, argv); });
}

}  // namespace migra::host
