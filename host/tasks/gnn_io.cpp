#include "host/tasks/gnn_io.hpp"

#include <sstream>

#include "host/io/csv.hpp"
#include "host/io/local_projection.hpp"
#include "host/io/read_file.hpp"
#include "kernels/core/error.hpp"

namespace migra::tasks {

GnnNodes read_gnn_nodes(const std::string& path, const std::string& features) {
  const io::CsvTable t = io::CsvTable::read(path);
  const bool lonlat = t.has_column("lon") || t.has_column("lat");
  const int c_id = t.column("id"), c_x = t.column(lonlat ? "lon" : "x"), c_y = t.column(lonlat ? "lat" : "y");
  GnnNodes n;
  std::stringstream ss(features);
  std::vector<int> cols;
  for (std::string f; std::getline(ss, f, ',');) n.features.push_back(f), cols.push_back(t.column(f));
  MIGRA_THROW_IF_NOT_FMT(!cols.empty(), "'features': no feature column named");
  for (size_t r = 0; r < t.rows(); ++r) {
    const std::string& id = t.text(r, c_id);
    MIGRA_THROW_IF_NOT_FMT(n.index.emplace(id, int(r)).second, "%s: duplicate id '%s'", t.where(r, c_id).c_str(), id.c_str());
    n.ids.push_back(id);
    n.x.push_back(t.number(r, c_x)), n.y.push_back(t.number(r, c_y));
    for (int c : cols) n.X.push_back(t.number(r, c));
  }
  n.coordinates = lonlat ? io::project_local_albers(n.x, n.y) : "x, y as given (km)";
  return n;
}

std::vector<gnn::Record> read_gnn_records(const std::string& path, const GnnNodes& nodes, double min_flow, long long& self) {
  const io::CsvTable t = io::CsvTable::read(path);
  const int c_o = t.column("origin"), c_d = t.column("destination"), c_f = t.column("flow");
  std::map<std::pair<int, int>, double> sum;
  self = 0;
  for (size_t r = 0; r < t.rows(); ++r) {
    int ends[2];
    for (int k = 0; k < 2; ++k) {
      const int c = k == 0 ? c_o : c_d;
      const auto it = nodes.index.find(t.text(r, c));
      MIGRA_THROW_IF_NOT_FMT(it != nodes.index.end(), "%s: unknown node id '%s'", t.where(r, c).c_str(), t.text(r, c).c_str());
      ends[k] = it->second;
    }
    const double f = t.number(r, c_f);
    MIGRA_THROW_IF_NOT_FMT(f >= 0, "%s: negative flow %g", t.where(r, c_f).c_str(), f);
    if (ends[0] == ends[1]) { ++self; continue; }
    sum[{ends[0], ends[1]}] += f;
  }
  std::vector<gnn::Record> recs;
  for (const auto& [k, f] : sum)
    if (f >= min_flow && f > 0) recs.push_back({k.first, k.second, f});
  return recs;
}

std::string model_file_bytes(const GnnModel& m) {
  const nlohmann::json head = {
      {"format", "migra-gnn-model/1"}, {"features", m.features}, {"mu", m.standardizer.mu},
      {"sigma", m.standardizer.sigma}, {"log1p", m.standardizer.log1p},
      {"weights", m.graph.weights == gnn::WeightNorm::GlobalMax ? "global-max" : "row"},
      {"edges", m.graph.edges == gnn::EdgeSet::Complete ? "complete" : "observed"}, {"min_flow", m.graph.min_flow},
      {"training", m.training}};
  return head.dump() + "\n" + m.net;
}

GnnModel read_model_file(const std::string& path) {
  const std::string bytes = io::read_file(path);
  const size_t eol = bytes.find('\n');
  nlohmann::json head;
  try {
    head = nlohmann::json::parse(bytes.substr(0, eol));
  } catch (const nlohmann::json::exception&) {
  }
  MIGRA_THROW_IF_NOT_FMT(eol != std::string::npos && head.is_object() && head.value("format", "") == "migra-gnn-model/1",
                         "%s: not a migra GraphSAGE model (the model.bin of a gnn.train)", path.c_str());
  GnnModel m;
  try {
    m.features = head.at("features").get<std::vector<std::string>>();
    m.standardizer.mu = head.at("mu").get<std::vector<double>>();
    m.standardizer.sigma = head.at("sigma").get<std::vector<double>>();
    m.standardizer.log1p = head.at("log1p").get<bool>();
    m.graph.weights = head.at("weights") == "global-max" ? gnn::WeightNorm::GlobalMax : gnn::WeightNorm::Row;
    m.graph.edges = head.at("edges") == "complete" ? gnn::EdgeSet::Complete : gnn::EdgeSet::Observed;
    m.graph.min_flow = head.at("min_flow").get<double>();
    m.training = head.value("training", nlohmann::json::object());
  } catch (const nlohmann::json::exception& e) {
    MIGRA_THROW_FMT("%s: model header: %s", path.c_str(), e.what());
  }
  m.net = bytes.substr(eol + 1);
  return m;
}

GnnData read_gnn_data(const std::string& nodes, const std::string& flows, const std::string& features, const GraphOptions& o) {
  GnnData d{read_gnn_nodes(nodes, features), {}, 0};
  std::vector<gnn::Record> recs = read_gnn_records(flows, d.nodes, o.min_flow, d.self_flows);
  d.graph = gnn::build_graph(d.nodes.x, d.nodes.y, std::move(recs), o.weights, o.edges, 0);
  return d;
}

GnnData read_gnn_data(const std::string& nodes, const std::string& flows, const GnnModel& model) {
  std::string features;
  for (const std::string& f : model.features) features += (features.empty() ? "" : ",") + f;
  return read_gnn_data(nodes, flows, features, model.graph);
}

NodeGroups read_node_groups(const std::string& path, const GnnNodes& nodes) {
  const io::CsvTable t = io::CsvTable::read(path);
  const int c_id = t.has_column("id") ? t.column("id") : t.column("node");
  const int c_g = t.has_column("group") ? t.column("group") : -1;
  NodeGroups g;
  std::map<std::string, size_t> at;
  for (size_t r = 0; r < t.rows(); ++r) {
    const auto it = nodes.index.find(t.text(r, c_id));
    MIGRA_THROW_IF_NOT_FMT(it != nodes.index.end(), "%s: unknown node id '%s'", t.where(r, c_id).c_str(), t.text(r, c_id).c_str());
    const std::string name = c_g >= 0 ? t.text(r, c_g) : "subset";
    if (!at.count(name)) at[name] = g.names.size(), g.names.push_back(name), g.members.emplace_back();
    g.members[at[name]].push_back(it->second);
  }
  MIGRA_THROW_IF_NOT_FMT(!g.names.empty(), "%s: no node listed", path.c_str());
  return g;
}

}  // namespace migra::tasks
