#include "host/io/sites_io.hpp"

#include "host/io/csv.hpp"
#include "kernels/core/error.hpp"

namespace migra::io {

SiteTable read_sites(const std::string& path, const std::string& coords) {
  const CsvTable t = CsvTable::read(path);
  std::string mode = coords;
  if (mode.empty()) mode = (t.has_column("lon") || t.has_column("lat")) ? "lonlat" : "xy";
  MIGRA_THROW_IF_NOT_FMT(mode == "lonlat" || mode == "xy",
                         "unknown coordinates '%s' (expected lonlat or xy)", mode.c_str());
  const bool lonlat = mode == "lonlat";
  const int c_id = t.column("id"), c_pop = t.column("population");
  const int c_x = t.column(lonlat ? "lon" : "x"), c_y = t.column(lonlat ? "lat" : "y");
  SiteTable s;
  s.sites.metric = lonlat ? flows::Metric::Haversine : flows::Metric::Euclidean;
  for (size_t r = 0; r < t.rows(); ++r) {
    const std::string& id = t.text(r, c_id);
    MIGRA_THROW_IF_NOT_FMT(!id.empty(), "%s: empty id", t.where(r, c_id).c_str());
    const auto [it, fresh] = s.index.emplace(id, int(r));
    MIGRA_THROW_IF_NOT_FMT(fresh, "%s: duplicate id '%s' (first on line %d)",
                           t.where(r, c_id).c_str(), id.c_str(), t.line(size_t(it->second)));
    const double pop = t.number(r, c_pop);
    MIGRA_THROW_IF_NOT_FMT(pop >= 0, "%s: negative population %g", t.where(r, c_pop).c_str(), pop);
    const double x = t.number(r, c_x), y = t.number(r, c_y);
    if (lonlat) {
      MIGRA_THROW_IF_NOT_FMT(x >= -180 && x <= 360, "%s: longitude %g out of range",
                             t.where(r, c_x).c_str(), x);
      MIGRA_THROW_IF_NOT_FMT(y >= -90 && y <= 90, "%s: latitude %g out of range",
                             t.where(r, c_y).c_str(), y);
    }
    s.ids.push_back(id);
    s.sites.population.push_back(pop);
    s.sites.x.push_back(x);
    s.sites.y.push_back(y);
  }
  MIGRA_THROW_IF_NOT_FMT(s.ids.size() >= 2, "%s: %zu site(s); at least 2 are needed", path.c_str(),
                         s.ids.size());
  return s;
}

std::vector<sim::ObservedFlow> read_flows(const std::string& path, const SiteTable& sites) {
  const CsvTable t = CsvTable::read(path);
  const int c_o = t.column("origin"), c_d = t.column("destination"), c_f = t.column("flow");
  std::vector<sim::ObservedFlow> flows;
  flows.reserve(t.rows());
  for (size_t r = 0; r < t.rows(); ++r) {
    sim::ObservedFlow f;
    for (auto [col, dst] : {std::pair{c_o, &f.origin}, std::pair{c_d, &f.destination}}) {
      const auto it = sites.index.find(t.text(r, col));
      MIGRA_THROW_IF_NOT_FMT(it != sites.index.end(), "%s: unknown site id '%s'",
                             t.where(r, col).c_str(), t.text(r, col).c_str());
      *dst = it->second;
    }
    f.flow = t.number(r, c_f);
    MIGRA_THROW_IF_NOT_FMT(f.flow >= 0, "%s: negative flow %g", t.where(r, c_f).c_str(), f.flow);
    flows.push_back(f);
  }
  return flows;
}

}  // namespace migra::io
