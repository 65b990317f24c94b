#include "host/tasks/mfg_config.hpp"

#include <functional>
#include <map>
#include <toml++/toml.h>

#include "host/io/read_file.hpp"
#include "kernels/core/error.hpp"

namespace migra::tasks {
namespace {

struct Reader {
  std::string name;
  std::vector<std::string> problems;

  void problem(const toml::node& n, const std::string& what) {
    problems.push_back(name + ":" + std::to_string(n.source().begin.line) + ":" +
                       std::to_string(n.source().begin.column) + ": " + what);
  }
  void real(const toml::node& n, const std::string& key, double& out) {
    if (auto v = n.value<double>()) out = *v;
    else problem(n, "'" + key + "' must be a number");
  }
  void integer(const toml::node& n, const std::string& key, int& out) {
    if (auto v = n.value<std::int64_t>()) out = int(*v);
    else problem(n, "'" + key + "' must be an integer");
  }
  void text(const toml::node& n, const std::string& key, std::string& out) {
    if (auto v = n.value<std::string>()) out = *v;
    else problem(n, "'" + key + "' must be a string");
  }
  void flag(const toml::node& n, const std::string& key, bool& out) {
    if (auto v = n.value<bool>()) out = *v;
    else problem(n, "'" + key + "' must be true or false");
  }
  /// Applies each key of a table through its handler; an unknown key is a problem.
  void table(const toml::node& node, const std::string& what,
             const std::map<std::string, std::function<void(const toml::node&, const std::string&)>>& handlers) {
    const toml::table* t = node.as_table();
    if (!t) return problem(node, "'" + what + "' must be a table");
    for (auto&& [k, v] : *t) {
      const std::string key(k.str());
      const auto h = handlers.find(key);
      if (h == handlers.end()) {
        std::string known;
        for (const auto& [name, _] : handlers) known += (known.empty() ? "" : ", ") + name;
        problem(v, "unknown key '" + key + "' in [" + what + "] (known: " + known + ")");
      } else {
        h->second(v, key);
      }
    }
  }

  void population(const toml::node& node, const std::string& what, mfg::PopulationConfig& p) {
    table(node, what,
          {{"lambda", [&](auto& n, auto& k) { real(n, k, p.sl.lambda); }},
           {"nu", [&](auto& n, auto& k) { real(n, k, p.sl.nu); }},
           {"h", [&](auto& n, auto& k) { real(n, k, p.sl.h); }},
           {"branches", [&](auto& n, auto& k) { integer(n, k, p.sl.branches); }},
           {"overshoot", [&](auto& n, auto& k) { text(n, k, p.sl.overshoot); }},
           {"diffusion", [&](auto& n, auto& k) { text(n, k, p.sl.diffusion); }},
           {"a", [&](auto& n, auto& k) { real(n, k, p.a); }},
           {"b", [&](auto& n, auto& k) { real(n, k, p.b); }},
           {"C", [&](auto& n, auto& k) { real(n, k, p.C); }},
           {"initial", [&](auto& n, auto&) {
              mfg::InitialDensity& d = p.initial;
              table(n, what + ".initial",
                    {{"kind", [&](auto& m, auto& k) { text(m, k, d.kind); }},
                     {"base", [&](auto& m, auto& k) { real(m, k, d.base); }},
                     {"amplitude", [&](auto& m, auto& k) { real(m, k, d.amplitude); }},
                     {"mode", [&](auto& m, auto& k) { real(m, k, d.mode); }},
                     {"phase", [&](auto& m, auto& k) { real(m, k, d.phase); }},
                     {"cx", [&](auto& m, auto& k) { real(m, k, d.cx); }},
                     {"cy", [&](auto& m, auto& k) { real(m, k, d.cy); }},
                     {"width", [&](auto& m, auto& k) { real(m, k, d.width); }}});
            }}});
    if (p.sl.lambda <= 0.0 || p.sl.nu <= 0.0) problems.push_back(name + ": [" + what + "] lambda and nu must be > 0");
    if (p.sl.branches != 2 && p.sl.branches != 3) problems.push_back(name + ": [" + what + "] branches must be 2 or 3");
    if (p.sl.diffusion != "branches" && p.sl.diffusion != "implicit")
      problems.push_back(name + ": [" + what + "] diffusion must be \"branches\" or \"implicit\", got '" + p.sl.diffusion + "'");
    if (p.sl.overshoot != "all" && p.sl.overshoot != "onward")
      problems.push_back(name + ": [" + what + "] overshoot must be \"all\" or \"onward\", got '" + p.sl.overshoot + "'");
  }
};

}  // namespace

mfg::MfgConfig default_mfg_config() {
  mfg::MfgConfig c;
  c.workers.sl = {1.0, 0.4, 1.0};
  c.workers.a = 0.5, c.workers.b = 4.0, c.workers.C = 1.0;
  c.firms.sl = {4.0, 0.2, 1.0};
  c.firms.a = 0.1, c.firms.b = 8.0, c.firms.C = 1.0;
  return c;
}

mfg::MfgConfig parse_mfg_config(const std::string& text, const std::string& name) {
  mfg::MfgConfig c = default_mfg_config();
  Reader r{name, {}};
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    MIGRA_THROW_FMT("%s:%d:%d: TOML syntax: %s", name.c_str(), int(e.source().begin.line), int(e.source().begin.column),
                    std::string(e.description()).c_str());
  }
  for (auto&& [k, v] : root) {
    const std::string key(k.str());
    if (key == "workers") {
      r.population(v, "workers", c.workers);
    } else if (key == "firms") {
      r.population(v, "firms", c.firms);
    } else if (key == "mfg") {
      r.table(v, "mfg",
              {{"T", [&](auto& n, auto& k) { r.real(n, k, c.T); }},
               {"dt", [&](auto& n, auto& k) { r.real(n, k, c.dt); }},
               {"dx", [&](auto& n, auto& k) { r.real(n, k, c.dx); }},
               {"eps", [&](auto& n, auto& k) { r.real(n, k, c.eps); }},
               {"cost", [&](auto& n, auto& k) { r.text(n, k, c.cost); }},
               {"potential", [&](auto& n, auto& k) { r.text(n, k, c.potential); }},
               {"r", [&](auto& n, auto& k) { r.real(n, k, c.r); }},
               {"eta", [&](auto& n, auto& k) { r.real(n, k, c.eta); }},
               {"rent-kernel", [&](auto& n, auto& k) { r.text(n, k, c.rent_kernel); }},
               {"rent-smoothing", [&](auto& n, auto& k) { r.real(n, k, c.rent_smoothing); }},
               {"tol", [&](auto& n, auto& k) { r.real(n, k, c.tol); }},
               {"max-iter", [&](auto& n, auto& k) { r.integer(n, k, c.max_iter); }},
               {"theta", [&](auto& n, auto& k) { r.real(n, k, c.theta); }},
               {"solver", [&](auto& n, auto& k) { r.text(n, k, c.solver); }},
               {"krylov", [&](auto& n, auto& k) { r.integer(n, k, c.krylov); }},
               {"arclength-parameter", [&](auto& n, auto& k) { r.text(n, k, c.arclength_parameter); }},
               {"arclength-to", [&](auto& n, auto& k) { r.real(n, k, c.arclength_to); }},
               {"arclength-step", [&](auto& n, auto& k) { r.real(n, k, c.arclength_step); }},
               {"arclength-points", [&](auto& n, auto& k) { r.integer(n, k, c.arclength_points); }},
               {"a-max", [&](auto& n, auto& k) { r.real(n, k, c.controls.a_max); }},
               {"n-alpha", [&](auto& n, auto& k) { r.integer(n, k, c.controls.n); }},
               {"refine-controls", [&](auto& n, auto& k) { r.flag(n, k, c.controls.refine); }},
               {"control-temperature", [&](auto& n, auto& k) { r.real(n, k, c.controls.temperature); }},
               {"ot", [&](auto& n, auto& k) { r.flag(n, k, c.ot_coupling); }},
               {"separation", [&](auto& n, auto& k) { r.flag(n, k, c.separation); }},
               {"overcrowding", [&](auto& n, auto& k) { r.flag(n, k, c.overcrowding); }},
               {"ot-tol", [&](auto& n, auto& k) { r.real(n, k, c.ot_tol); }},
               {"ot-max-iter", [&](auto& n, auto& k) { r.integer(n, k, c.ot_max_iter); }}});
    } else {
      r.problem(v, "unknown table '" + key + "' (mfg, workers or firms)");
    }
  }
  if (c.cost != "linear" && c.cost != "sqrt" && c.cost != "quadratic")
    r.problems.push_back(name + ": [mfg] cost must be linear, sqrt or quadratic, got '" + c.cost + "'");
  if (c.potential != "A" && c.potential != "B" && c.potential != "C")
    r.problems.push_back(name + ": [mfg] potential must be A, B or C, got '" + c.potential + "'");
  if (c.solver != "picard" && c.solver != "newton" && c.solver != "arclength")
    r.problems.push_back(name + ": [mfg] solver must be picard, newton or arclength, got '" + c.solver + "'");
  if (c.arclength_parameter != "nu" && c.arclength_parameter != "C" && c.arclength_parameter != "b")
    r.problems.push_back(name + ": [mfg] arclength-parameter must be nu, C or b, got '" + c.arclength_parameter + "'");
  if (!(c.arclength_to > 0.0 && c.arclength_step > 0.0 && c.arclength_points >= 1))
    r.problems.push_back(name + ": [mfg] arclength-to and arclength-step must be > 0, arclength-points >= 1");
  if (c.krylov < 1) r.problems.push_back(name + ": [mfg] krylov must be >= 1");
  if (!(c.rent_smoothing >= 0.0)) r.problems.push_back(name + ": [mfg] rent-smoothing must be >= 0");
  if (c.rent_kernel != "ball" && c.rent_kernel != "gaussian")
    r.problems.push_back(name + ": [mfg] rent-kernel must be ball or gaussian, got '" + c.rent_kernel + "'");
  if (!(c.T > 0 && c.dt > 0 && c.dx > 0 && c.eps > 0 && c.tol > 0 && c.max_iter >= 1 && c.theta > 0 && c.theta <= 1))
    r.problems.push_back(name + ": [mfg] T, dt, dx, eps, tol must be > 0, max-iter >= 1, theta in (0, 1]");
  if (c.controls.n < 1 || c.controls.n % 2 == 0 || !(c.controls.a_max > 0))
    r.problems.push_back(name + ": [mfg] n-alpha must be odd and a-max > 0");
  if (!r.problems.empty()) {
    std::string all;
    for (const auto& p : r.problems) all += (all.empty() ? "" : "\n") + p;
    throw Error(all);
  }
  return c;
}

mfg::MfgConfig read_mfg_config(const std::string& path) {
  return parse_mfg_config(io::read_file(path), path);
}

}  // namespace migra::tasks
