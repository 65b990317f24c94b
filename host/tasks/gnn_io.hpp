#pragma once
/// Inputs and the model file of the gnn.* task kinds (paper 002). Nodes: CSV `id`, `lon,lat`
/// (degrees, projected to a local Albers plane) or `x,y` (km), and feature columns. Flows: CSV
/// `origin,destination,flow` (self-flows dropped, duplicates added, records under min-flow
/// dropped). Errors name the file, line and field.
///
/// The model file (model.bin) is one line of JSON — everything needed to rebuild the graph and
/// the frozen feature normalisation — then the LibTorch ensemble's bytes, so gnn.explain and
/// gnn.scenario take the training's nodes, flows and model and nothing else.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/graphsage_flows/graph.hpp"

namespace migra::tasks {

struct GnnNodes {
  std::vector<std::string> ids;
  std::map<std::string, int> index;
  std::vector<double> x, y, X;  ///< X: n×d raw features
  std::vector<std::string> features;
  std::string coordinates;
  int n() const { return int(ids.size()); }
  int d() const { return int(features.size()); }
};

/// features: the comma-separated feature columns.
GnnNodes read_gnn_nodes(const std::string& path, const std::string& features);

/// The records of a flows table; `self` counts the dropped self-flows.
std::vector<gnn::Record> read_gnn_records(const std::string& path, const GnnNodes& nodes, double min_flow, long long& self);

/// How the graph was built (what the model file keeps beside the normaliser).
struct GraphOptions {
  gnn::WeightNorm weights = gnn::WeightNorm::Row;
  gnn::EdgeSet edges = gnn::EdgeSet::Observed;
  double min_flow = 0;
};

struct GnnModel {
  std::vector<std::string> features;
  gnn::Standardizer standardizer;
  GraphOptions graph;
  nlohmann::json training;  ///< the training's configuration, for the record
  std::string net;          ///< the ensemble (models' bytes)
};

std::string model_file_bytes(const GnnModel& m);
GnnModel read_model_file(const std::string& path);

/// The graph and the nodes of a trained model's data (the training's split, seed 0).
struct GnnData {
  GnnNodes nodes;
  gnn::FlowGraph graph;
  long long self_flows = 0;
};
GnnData read_gnn_data(const std::string& nodes, const std::string& flows, const std::string& features, const GraphOptions& o);
/// The graph a trained model was trained on: its features and graph options.
GnnData read_gnn_data(const std::string& nodes, const std::string& flows, const GnnModel& model);

/// Node ids of a one-column CSV (header `id` or `node`; an optional `group` column) as indices.
struct NodeGroups {
  std::vector<std::string> names;         ///< group names in first-seen order ("subset" without a group column)
  std::vector<std::vector<int>> members;  ///< node indices per group
};
NodeGroups read_node_groups(const std::string& path, const GnnNodes& nodes);

}  // namespace migra::tasks
