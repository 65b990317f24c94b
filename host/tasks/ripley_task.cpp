// Task kind `ripley`: Ripley's K of a point set in a rectangular window, with spatstat's
// normalisation and the isotropic, border and translation corrections; writes ripley.csv
// (r,K_iso,K_border,K_trans,L_iso), ripley.svg and summary.json.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "host/io/csv.hpp"
#include "host/report/svg.hpp"
#include "host/tasks/task_kinds.hpp"
#include "kernels/core/error.hpp"
#include "kernels/geo/albers.hpp"
#include "kernels/stats/ripley.hpp"

namespace migra::tasks {
namespace {

using job::ParamType;
using job::Params;

/// Comma-separated numbers of a parameter; an error names the parameter and the item.
std::vector<double> numbers(const std::string& text, const char* what) {
  std::vector<double> v;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) {
    char* end = nullptr;
    const double x = std::strtod(item.c_str(), &end);
    MIGRA_THROW_IF_NOT_FMT(end != item.c_str() && *end == '\0' && std::isfinite(x), "'%s': '%s' is not a number", what,
                           item.c_str());
    v.push_back(x);
  }
  return v;
}

/// x,y (planar) or lon,lat (degrees, projected to km by Albers equal-area CONUS) of a table.
void read_points(const io::CsvTable& t, const std::string& coords, std::vector<double>& x, std::vector<double>& y) {
  const bool lonlat = coords == "lonlat";
  const int cx = t.column(lonlat ? "lon" : "x"), cy = t.column(lonlat ? "lat" : "y");
  const geo::Albers albers = geo::Albers::conus_km();
  for (std::size_t r = 0; r < t.rows(); ++r) {
    double a = t.number(r, cx), b = t.number(r, cy);
    if (lonlat) {
      MIGRA_THROW_IF_NOT_FMT(std::fabs(b) < 90 && std::fabs(a) <= 360, "%s: (%g, %g) is not a lon/lat pair",
                             t.where(r, cy).c_str(), a, b);
      albers.project(a, b, a, b);
    }
    x.push_back(a), y.push_back(b);
  }
}

void run(job::TaskContext& ctx) {
  const Params& p = ctx.params();
  const io::CsvTable t = io::CsvTable::read(p["points"]);
  const std::string coords = p.value("coords", t.has_column("x") ? "xy" : "lonlat");
  std::vector<double> x, y;
  read_points(t, coords, x, y);
  MIGRA_THROW_IF_NOT_FMT(x.size() >= 2, "%s: Ripley's K needs at least 2 points", t.path().c_str());
  const std::string wspec = p["window"];
  std::unique_ptr<stats::Window> window;
  std::string window_text;
  std::vector<double> hx, hy;
  if (p.contains("polygon")) {
    read_points(io::CsvTable::read(p["polygon"]), coords, hx, hy);
    window_text = "polygon " + ctx.declared()["polygon"].get<std::string>();
  } else if (wspec == "hull") {
    stats::convex_hull(x, y, hx, hy);
    window_text = "convex hull (" + std::to_string(hx.size()) + " vertices)";
  }
  stats::Rect box{*std::min_element(x.begin(), x.end()), *std::min_element(y.begin(), y.end()),
                  *std::max_element(x.begin(), x.end()), *std::max_element(y.begin(), y.end())};
  if (!hx.empty()) {
    window = stats::make_polygon_window(hx, hy);
    box = {*std::min_element(hx.begin(), hx.end()), *std::min_element(hy.begin(), hy.end()),
           *std::max_element(hx.begin(), hx.end()), *std::max_element(hy.begin(), hy.end())};
  } else {
    if (wspec != "bbox") {
      const auto v = numbers(wspec, "window");
      MIGRA_THROW_IF_NOT_FMT(v.size() == 4, "'window' must be bbox, hull or x0,y0,x1,y1, got '%s'", wspec.c_str());
      box = {v[0], v[1], v[2], v[3]};
    }
    window = stats::make_rect_window(box);
    char b[160];
    std::snprintf(b, sizeof b, "[%g, %g] x [%g, %g]", box.x0, box.x1, box.y0, box.y1);
    window_text = b;
  }
  std::vector<double> radii;
  const double rmax = 0.25 * std::min(box.x1 - box.x0, box.y1 - box.y0);  // spatstat's default scale
  if (p.contains("radii")) radii = numbers(p["radii"], "radii");
  else
    for (int k = 0; k <= 100; ++k) radii.push_back(rmax * k / 100);
  const stats::RipleyK K = stats::ripley_k(x, y, *window, radii);

  std::string csv = "r,K_iso,K_border,K_trans,L_iso\n";
  std::vector<double> pi_r2;
  for (std::size_t k = 0; k < K.r.size(); ++k) {
    char line[256];
    std::snprintf(line, sizeof line, "%.17g,%.17g,%.17g,%.17g,%.17g\n", K.r[k], K.iso[k], K.border[k], K.trans[k],
                  std::sqrt(K.iso[k] / 3.141592653589793));
    csv += line;
    pi_r2.push_back(3.141592653589793 * K.r[k] * K.r[k]);
  }
  ctx.write_output("ripley.csv", csv);
  report::CurveOptions o;
  o.title = "Ripley's K (" + std::to_string(x.size()) + " points)";
  o.x_label = "r";
  o.y_label = "K(r)";
  const std::string svg = report::svg_curves({{"isotropic", "#2a6fb0", K.r, K.iso, {}, {}},
                                              {"border", "#3a3", K.r, K.border, {}, {}},
                                              {"translation", "#d80", K.r, K.trans, {}, {}},
                                              {"CSR: pi r^2", "#888", K.r, pi_r2, {}, {}}},
                                             o);
  ctx.write_output("ripley.svg", svg);
  const nlohmann::json s = {{"points", x.size()}, {"window", window_text}, {"area", window->area()},
                            {"coordinates", coords == "lonlat" ? "lon/lat projected by Albers equal-area CONUS (EPSG:5070), km"
                                                   : "x, y as given"},
                            {"radii", K.r.size()}, {"r_max", K.r.back()},
                            {"normalisation", "K = |W| / (n (n - 1)) sum e_ij 1{d_ij <= r}"}};
  ctx.write_output("summary.json", s.dump(2) + "\n");
  ctx.result = s;
  char line[160];
  std::snprintf(line, sizeof line, "%zu points in %s; K_iso(r_max = %g) / (pi r^2) = %.4f", x.size(),
                window_text.c_str(), K.r.back(), K.iso.back() / pi_r2.back());
  ctx.summary.push_back(line);
}

}  // namespace

job::TaskKind ripley_task_kind() {
  job::TaskKind k;
  k.name = "ripley";
  k.summary = "Ripley's K of a point set (isotropic, border and translation corrections; spatstat's "
              "normalisation) in a rectangle, the convex hull or a polygon";
  k.params = {
      {"points", ParamType::Path, "CSV with x,y (planar) or lon,lat (degrees) columns", nullptr, {}, true},
      {"coords", ParamType::String, "xy, or lonlat: projected to km by Albers equal-area CONUS (EPSG:5070) "
                                    "[default: from the header]", nullptr, {"xy", "lonlat"}},
      {"window", ParamType::String, "bbox (the points' bounding box), hull (their convex hull) or x0,y0,x1,y1", "bbox"},
      {"polygon", ParamType::Path, "Window polygon: CSV of vertices in order, in the points' coordinates (overrides window)"},
      {"radii", ParamType::String, "Comma-separated radii, ascending [default: 101 values up to a quarter of the shorter side]"},
  };
  k.outputs = [](const Params&) { return std::vector<std::string>{"ripley.csv", "ripley.svg", "summary.json"}; };
  k.run = run;
  return k;
}

}  // namespace migra::tasks
