#pragma once
/// Small self-contained SVG charts for run reports (no plotting library on a GPU node):
/// a scatter plot with optional log axes and a y = x line, and a horizontal bar chart.
#include <string>
#include <utility>
#include <vector>

namespace migra::report {

struct ScatterOptions {
  std::string title, x_label, y_label;
  bool log_axes = true;   ///< points with a non-positive coordinate are left out
  bool diagonal = true;   ///< draw y = x
};

std::string svg_scatter(const std::vector<std::pair<double, double>>& points, const ScatterOptions& o);

/// Curves with optional shaded bands (lo..hi) on shared axes, each axis linear or log.
struct Series {
  std::string name, colour;
  std::vector<double> x, y, lo, hi;  ///< lo, hi empty: no band
  bool dashed = false;                ///< e.g. observed data beside a fitted curve
};
struct CurveOptions {
  std::string title, x_label, y_label;
  bool log_x = false, log_y = false;
};
std::string svg_curves(const std::vector<Series>& series, const CurveOptions& o);

/// Groups of points on independent linear axes (maps, parameter diagrams): each group has a
/// colour and a legend entry, points may carry labels; an optional dashed rectangle marks a
/// reference box. equal_aspect keeps one unit the same length on both axes (maps).
struct PointGroup {
  std::string name, colour;
  std::vector<double> x, y;
  std::vector<std::string> labels;  ///< empty, or one per point
  double radius = 3;
};
struct PointsOptions {
  std::string title, x_label, y_label;
  bool equal_aspect = false;
  bool box = false;
  double box_x0 = 0, box_x1 = 0, box_y0 = 0, box_y1 = 0;
  std::string box_label;
  std::vector<std::pair<double, std::string>> y_ticks;  ///< named y positions instead of numbers (categories)
};
std::string svg_points(const std::vector<PointGroup>& groups, const PointsOptions& o);

/// One bar per label, labelled with the value; negative values are red bars left of the zero line.
std::string svg_bars(const std::vector<std::string>& labels, const std::vector<double>& values,
                     const std::string& title, const std::string& value_label);

/// Values along a network drawn as ribbons: each edge (a polyline of node indices, in order) is
/// a grey segment, and each layer's values at its nodes are offset to the left of the edge's
/// direction, filled semi-transparent (paper 001's figures of densities on the network).
struct NetworkLayer {
  std::string name, colour;
  std::vector<double> value;  ///< per node, >= 0
};
std::string svg_network(const std::vector<double>& px, const std::vector<double>& py,
                        const std::vector<std::vector<int>>& edges, const std::vector<NetworkLayer>& layers,
                        const std::string& title);

/// Flows between places on a map (paper 002's maps of the largest flows): places as dots whose
/// area follows `size`, and for each layer every flow as an arc from origin to destination,
/// bowed to its right so that the two directions of a pair stay apart, its width growing with
/// the square root of the value (flows span decades), on one scale for all layers (layers drawn
/// in order, the first underneath).
struct FlowLayer {
  std::string name, colour;
  std::vector<int> origin, destination;
  std::vector<double> value;  ///< per flow, >= 0
};
std::string svg_flow_map(const std::vector<double>& px, const std::vector<double>& py, const std::vector<double>& size,
                         const std::vector<FlowLayer>& layers, const std::string& title);

}  // namespace migra::report
