#pragma once
/// Paper 002's sector groups (spec §1.3 and §5.2): the 19 yearbook sections F01..F19 split into
/// agriculture (never perturbed in the paper), industry, consumer, producer and public
/// services. The paper's scenarios double one group in a region: S1-Ind `industry`, S2-Com
/// `consumer`, S3-Prod `producer`, S4-Pub `public`.
#include <string>
#include <vector>

namespace migra::gnn {

struct SectorGroup {
  std::string name;
  std::vector<std::string> features;
};

inline const std::vector<SectorGroup>& sector_groups() {
  static const std::vector<SectorGroup> groups = {
      {"agriculture", {"F01"}},
      {"industry", {"F02", "F03", "F04", "F05"}},
      {"consumer", {"F06", "F08", "F11", "F15", "F18"}},
      {"producer", {"F07", "F09", "F10", "F12", "F13"}},
      {"public", {"F14", "F16", "F17", "F19"}},
  };
  return groups;
}

/// The features of the group called `name`, or none.
inline std::vector<std::string> sector_group(const std::string& name) {
  for (const auto& g : sector_groups())
    if (g.name == name) return g.features;
  return {};
}

}  // namespace migra::gnn
