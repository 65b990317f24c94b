#pragma once
/// lon/lat (degrees) to planar km for one study area: an Albers equal-area projection (GRS80)
/// fitted to the points, with standard parallels at 1/6 and 5/6 of their latitude range
/// (Snyder's rule of thumb) and the origin at their mean. Distances and areas are then true to
/// well under 1 % across a city or a state.
#include <string>
#include <vector>

namespace migra::io {

/// Projects x = lon, y = lat in place; returns a one-line description for outputs.
std::string project_local_albers(std::vector<double>& x, std::vector<double>& y);

}  // namespace migra::io
