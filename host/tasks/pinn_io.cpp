#include "host/tasks/pinn_io.hpp"

#include <cmath>
#include <set>

#include "host/io/csv.hpp"
#include "kernels/core/error.hpp"

namespace migra::tasks {
namespace {

int node_of(const io::CsvTable& t, size_t r, int col, const MigrationNodes& nodes) {
  const auto it = nodes.index.find(t.text(r, col));
  MIGRA_THROW_IF_NOT_FMT(it != nodes.index.end(), "%s: unknown node '%s' (not in the nodes table)", t.where(r, col).c_str(),
                         t.text(r, col).c_str());
  return it->second;
}

double year_of(const io::CsvTable& t, size_t r, int col) {
  const double y = t.number(r, col);
  MIGRA_THROW_IF_NOT_FMT(y == std::floor(y), "%s: year %g is not a whole number", t.where(r, col).c_str(), y);
  return y;
}

/// Years of a node × year table, and that each (node, year) appears exactly once.
std::vector<double> complete_years(const io::CsvTable& t, int c_node, int c_year, const MigrationNodes& nodes,
                                   std::map<std::pair<int, double>, size_t>& row_of) {
  std::set<double> years;
  for (size_t r = 0; r < t.rows(); ++r) {
    const int u = node_of(t, r, c_node, nodes);
    const double y = year_of(t, r, c_year);
    years.insert(y);
    const auto [it, fresh] = row_of.emplace(std::make_pair(u, y), r);
    MIGRA_THROW_IF_NOT_FMT(fresh, "%s: node '%s' in year %g again (first at line %d)", t.where(r, c_node).c_str(),
                           nodes.ids[size_t(u)].c_str(), y, t.line(it->second));
  }
  for (size_t u = 0; u < nodes.ids.size(); ++u)
    for (double y : years)
      MIGRA_THROW_IF_NOT_FMT(row_of.count({int(u), y}), "%s: node '%s' has no row for year %g", t.path().c_str(),
                             nodes.ids[u].c_str(), y);
  return {years.begin(), years.end()};
}

}  // namespace

MigrationNodes read_migration_nodes(const std::string& path) {
  const io::CsvTable t = io::CsvTable::read(path);
  const int c_id = t.column("id"), c_lat = t.column("lat"), c_lon = t.column("lon"), c_age = t.column("mean_age");
  MigrationNodes n;
  for (size_t r = 0; r < t.rows(); ++r) {
    const std::string& id = t.text(r, c_id);
    MIGRA_THROW_IF_NOT_FMT(!id.empty() && id != "external", "%s: id '%s' is reserved or empty", t.where(r, c_id).c_str(), id.c_str());
    MIGRA_THROW_IF_NOT_FMT(n.index.emplace(id, int(r)).second, "%s: duplicate id '%s'", t.where(r, c_id).c_str(), id.c_str());
    const double lat = t.number(r, c_lat), lon = t.number(r, c_lon), age = t.number(r, c_age);
    MIGRA_THROW_IF_NOT_FMT(std::fabs(lat) <= 90, "%s: latitude %g outside [-90, 90]", t.where(r, c_lat).c_str(), lat);
    MIGRA_THROW_IF_NOT_FMT(std::fabs(lon) <= 180, "%s: longitude %g outside [-180, 180]", t.where(r, c_lon).c_str(), lon);
    MIGRA_THROW_IF_NOT_FMT(age > 0, "%s: mean age %g must be positive", t.where(r, c_age).c_str(), age);
    n.ids.push_back(id), n.lat.push_back(lat), n.lon.push_back(lon), n.mean_age.push_back(age);
  }
  MIGRA_THROW_IF_NOT_FMT(n.ids.size() >= 2, "%s: at least two nodes are needed", path.c_str());
  return n;
}

pinn::Balances read_balances(const std::string& path, const MigrationNodes& nodes) {
  const io::CsvTable t = io::CsvTable::read(path);
  const int c_node = t.column("node"), c_year = t.column("year"), c_bal = t.column("balance");
  std::map<std::pair<int, double>, size_t> row_of;
  const std::vector<double> years = complete_years(t, c_node, c_year, nodes, row_of);
  MIGRA_THROW_IF_NOT_FMT(years.size() >= 3, "%s: %zu year(s); the fit needs at least three", path.c_str(), years.size());
  std::vector<double> R;
  for (size_t u = 0; u < nodes.ids.size(); ++u)
    for (double y : years) R.push_back(t.number(row_of.at({int(u), y}), c_bal));
  return pinn::with_external_node(nodes.ids, years, std::move(R));
}

FeatureTable read_features(const std::string& path, const MigrationNodes& nodes) {
  const io::CsvTable t = io::CsvTable::read(path);
  const int c_node = t.column("node"), c_year = t.column("year");
  FeatureTable f;
  std::vector<int> cols;
  for (int c = 0; c < int(t.columns().size()); ++c)  // every other column is a feature
    if (c != c_node && c != c_year) f.names.push_back(t.columns()[size_t(c)]), cols.push_back(c);
  MIGRA_THROW_IF_NOT_FMT(!cols.empty(), "%s: no feature columns besides node and year", path.c_str());
  std::map<std::pair<int, double>, size_t> row_of;
  f.years = complete_years(t, c_node, c_year, nodes, row_of);
  for (size_t u = 0; u < nodes.ids.size(); ++u)
    for (double y : f.years)
      for (int c : cols) f.X.push_back(t.number(row_of.at({int(u), y}), c));
  return f;
}

LambdaSeries read_lambda_series(const std::string& path, const MigrationNodes& nodes) {
  const io::CsvTable t = io::CsvTable::read(path);
  const int c_node = t.column("node"), c_t = t.column("t"), c_year = t.column("year"), c_lam = t.column("lambda");
  const size_t m = nodes.ids.size();
  std::vector<std::vector<double>> lam(m + 1), times(m + 1), years(m + 1);
  for (size_t r = 0; r < t.rows(); ++r) {
    const std::string& id = t.text(r, c_node);
    const int u = id == "external" ? int(m) : node_of(t, r, c_node, nodes);
    lam[size_t(u)].push_back(t.number(r, c_lam));
    times[size_t(u)].push_back(t.number(r, c_t)), years[size_t(u)].push_back(t.number(r, c_year));
  }
  LambdaSeries s;
  s.t = times[0], s.years = years[0];
  MIGRA_THROW_IF_NOT_FMT(s.t.size() >= 2, "%s: no λ series for node '%s'", path.c_str(), nodes.ids[0].c_str());
  for (size_t u = 0; u <= m; ++u) {
    MIGRA_THROW_IF_NOT_FMT(times[u] == s.t, "%s: node '%s' is not on the same grid as '%s'", path.c_str(),
                           u == m ? "external" : nodes.ids[u].c_str(), nodes.ids[0].c_str());
    s.lambda.insert(s.lambda.end(), lam[u].begin(), lam[u].end());
  }
  return s;
}

}  // namespace migra::tasks
