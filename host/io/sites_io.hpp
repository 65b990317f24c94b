#pragma once
/// Reading the model inputs: a sites table (id, population, lon/lat or x/y) and an observed
/// flows table (origin, destination, flow). Site order is file order. Every bad value is
/// reported with its file, line and field.
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/sim_dynamics/static_flows.hpp"

namespace migra::io {

struct SiteTable {
  std::vector<std::string> ids;
  sim::Sites sites;
  std::unordered_map<std::string, int> index;  ///< id -> row
};

/// coords: "lonlat", "xy", or "" to take whichever pair of columns the header has.
SiteTable read_sites(const std::string& path, const std::string& coords = "");

/// Flows naming ids of `sites`; a flow naming an unknown id is an error.
std::vector<sim::ObservedFlow> read_flows(const std::string& path, const SiteTable& sites);

}  // namespace migra::io
