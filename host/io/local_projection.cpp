#include "host/io/local_projection.hpp"

#include <algorithm>
#include <cstdio>

#include "kernels/geo/albers.hpp"

namespace migra::io {

std::string project_local_albers(std::vector<double>& x, std::vector<double>& y) {
  if (y.empty()) return "no points";
  const auto [lo, hi] = std::minmax_element(y.begin(), y.end());
  double lat1 = *lo + (*hi - *lo) / 6, lat2 = *hi - (*hi - *lo) / 6;
  if (lat2 - lat1 < 0.5) lat1 -= 0.5, lat2 += 0.5;  // a thin band: keep the cone well defined
  double lon0 = 0, lat0 = 0;
  for (size_t i = 0; i < x.size(); ++i) lon0 += x[i] / double(x.size()), lat0 += y[i] / double(y.size());
  const geo::Albers a = geo::Albers::make(6378.137, 1.0 / 298.257222101, lat1, lat2, lat0, lon0);
  for (size_t i = 0; i < x.size(); ++i) a.project(x[i], y[i], x[i], y[i]);
  char b[200];
  std::snprintf(b, sizeof b, "lon/lat projected by Albers equal-area (GRS80; parallels %.3f, %.3f; origin %.3f, %.3f), km",
                lat1, lat2, lat0, lon0);
  return b;
}

}  // namespace migra::io
