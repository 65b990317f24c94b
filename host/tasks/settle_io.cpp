#include "host/tasks/settle_io.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "host/io/csv.hpp"
#include "host/io/local_projection.hpp"
#include "host/io/sites_io.hpp"
#include "kernels/core/error.hpp"

namespace migra::tasks {

UnitsTable read_units(const std::string& path) {
  const io::CsvTable t = io::CsvTable::read(path);
  const bool lonlat = t.has_column("lon") || t.has_column("lat");
  const int c_id = t.column("id"), c_pop = t.column("population"), c_area = t.column("area_km2");
  const int c_x = t.column(lonlat ? "lon" : "x"), c_y = t.column(lonlat ? "lat" : "y");
  const int c_region = t.has_column("region") ? t.column("region") : -1;
  UnitsTable u;
  for (size_t r = 0; r < t.rows(); ++r) {
    const std::string& id = t.text(r, c_id);
    MIGRA_THROW_IF_NOT_FMT(!id.empty(), "%s: empty id", t.where(r, c_id).c_str());
    const auto [it, fresh] = u.index.emplace(id, int(r));
    MIGRA_THROW_IF_NOT_FMT(fresh, "%s: duplicate id '%s' (first on line %d)", t.where(r, c_id).c_str(), id.c_str(),
                           t.line(size_t(it->second)));
    const double pop = t.number(r, c_pop), area = t.number(r, c_area), x = t.number(r, c_x), y = t.number(r, c_y);
    MIGRA_THROW_IF_NOT_FMT(pop >= 0, "%s: negative population %g", t.where(r, c_pop).c_str(), pop);
    MIGRA_THROW_IF_NOT_FMT(area > 0, "%s: area %g km² (must be positive)", t.where(r, c_area).c_str(), area);
    if (lonlat) {
      MIGRA_THROW_IF_NOT_FMT(x >= -180 && x <= 360, "%s: longitude %g out of range", t.where(r, c_x).c_str(), x);
      MIGRA_THROW_IF_NOT_FMT(y > -90 && y < 90, "%s: latitude %g out of range", t.where(r, c_y).c_str(), y);
    }
    u.ids.push_back(id);
    u.region.push_back(c_region >= 0 ? t.text(r, c_region) : "");
    u.city.population.push_back(pop), u.city.area.push_back(area), u.city.x.push_back(x), u.city.y.push_back(y);
  }
  MIGRA_THROW_IF_NOT_FMT(u.ids.size() >= 2, "%s: %zu unit(s); at least 2 are needed", path.c_str(), u.ids.size());
  u.coordinates = "x, y as given (km)";
  if (lonlat) u.coordinates = io::project_local_albers(u.city.x, u.city.y);
  return u;
}

std::vector<Region> regions_of(const UnitsTable& u, double min_density) {
  std::vector<Region> regions;
  for (size_t r = 0; r < u.ids.size(); ++r) {
    auto it = std::find_if(regions.begin(), regions.end(), [&](const Region& g) { return g.name == u.region[r]; });
    if (it == regions.end()) it = regions.insert(regions.end(), Region{u.region[r], {}, {}, {}, {}, {}});
    if (u.city.density(int(r)) >= min_density) it->rows.push_back(int(r)), it->ids.push_back(u.ids[r]);
    else it->dropped.push_back(u.ids[r]);
  }
  for (Region& g : regions) {
    g.city = settle::subset(u.city, g.rows);
    g.T.assign(g.rows.size() * g.rows.size(), 0.0);
    g.stayers.assign(g.rows.size(), 0.0);
  }
  return regions;
}

FlowStats read_region_flows(const std::string& path, const UnitsTable& u, std::vector<Region>& regions) {
  io::SiteTable sites;
  sites.ids = u.ids;
  sites.index = u.index;
  const std::vector<sim::ObservedFlow> flows = io::read_flows(path, sites);
  // Where each table row sits: (region, position within it), or position −1 when filtered.
  std::vector<std::pair<int, int>> at(u.ids.size(), {-1, -1});
  for (size_t g = 0; g < regions.size(); ++g) {
    for (size_t k = 0; k < regions[g].rows.size(); ++k) at[size_t(regions[g].rows[k])] = {int(g), int(k)};
    for (const std::string& id : regions[g].dropped) at[size_t(u.index.at(id))] = {int(g), -1};
  }
  FlowStats s;
  for (const auto& f : flows) {
    ++s.records;
    const auto [go, io] = at[size_t(f.origin)];
    const auto [gd, id] = at[size_t(f.destination)];
    if (go != gd) { ++s.cross_region; continue; }
    if (io < 0 || id < 0) { ++s.filtered; continue; }
    Region& g = regions[size_t(go)];
    if (f.origin == f.destination) {
      ++s.self;
      g.stayers[size_t(io)] += f.flow;
      continue;
    }
    g.T[size_t(io) * g.rows.size() + size_t(id)] += f.flow;
    s.kept_total += f.flow;
  }
  return s;
}

}  // namespace migra::tasks
