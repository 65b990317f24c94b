#pragma once
/// Inputs of the settle.* task kinds: a units table `id,population,area_km2` with `lon,lat`
/// (degrees) or `x,y` (km), and an optional `region` column (one city per region, fitted
/// separately: spec §1.1); a flows table `origin,destination,flow`. lon/lat are projected by
/// io::project_local_albers.
#include <string>
#include <unordered_map>
#include <vector>

#include "models/settlement/city.hpp"

namespace migra::tasks {

struct UnitsTable {
  std::vector<std::string> ids, region;  ///< region "" when the table has no region column
  settle::City city;                     ///< x, y in km
  std::unordered_map<std::string, int> index;
  std::string coordinates;               ///< how x, y were obtained, for metrics.json
};

UnitsTable read_units(const std::string& path);

/// One region's units that pass the density filter (spec §1.4 step 2), and its flow matrix.
struct Region {
  std::string name;
  std::vector<int> rows;          ///< rows of the units table, in file order
  std::vector<std::string> ids;
  settle::City city;
  std::vector<double> T;          ///< N×N, origin-major, diagonal zero
  std::vector<double> stayers;    ///< the self-flows T_ii (not fitted; for origin populations)
  std::vector<std::string> dropped;  ///< ids below the density cut-off
};

struct FlowStats {
  long long records = 0, self = 0, cross_region = 0, filtered = 0;
  double kept_total = 0;
};

/// Regions in order of first appearance, filtered at min_density persons/km².
std::vector<Region> regions_of(const UnitsTable& u, double min_density);

/// Adds the flows file into the regions' matrices (duplicate pairs add up). Flows naming an
/// unknown id are an error; self-flows go to `stayers`; flows between regions and flows
/// touching a filtered unit are counted and left out.
FlowStats read_region_flows(const std::string& path, const UnitsTable& u, std::vector<Region>& regions);

}  // namespace migra::tasks
