#pragma once
/// Inputs of the pinn.* task kinds (paper 000): a nodes table `id,lat,lon,mean_age`, a balances
/// table `node,year,balance` (every node in every year, once), and an optional features table
/// `node,year,<feature columns>` (per capita values). Errors name the file, line and field.
#include <map>
#include <string>
#include <vector>

#include "models/pinn_migration/series.hpp"

namespace migra::tasks {

struct MigrationNodes {
  std::vector<std::string> ids;
  std::map<std::string, int> index;
  std::vector<double> lat, lon, mean_age;
};
MigrationNodes read_migration_nodes(const std::string& path);

/// The real nodes' balances in node-table order, with the external node appended.
pinn::Balances read_balances(const std::string& path, const MigrationNodes& nodes);

struct FeatureTable {
  std::vector<std::string> names;
  std::vector<double> years;   ///< increasing
  std::vector<double> X;       ///< nodes × years × features
  double at(int node, int year, int feature) const {
    return X[(size_t(node) * years.size() + size_t(year)) * names.size() + size_t(feature)];
  }
};
/// Every node of the table in every year of the file, once.
FeatureTable read_features(const std::string& path, const MigrationNodes& nodes);

/// λ on the collocation grid from a pinn.fit's series.csv: the nodes' rows in node-table order,
/// then the external node's; every node on the same grid.
struct LambdaSeries {
  std::vector<double> t, years;  ///< P
  std::vector<double> lambda;    ///< (nodes + 1) × P
};
LambdaSeries read_lambda_series(const std::string& path, const MigrationNodes& nodes);

}  // namespace migra::tasks
