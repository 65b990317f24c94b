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

/// One bar per label, values >= 0, labelled with the value.
std::string svg_bars(const std::vector<std::string>& labels, const std::vector<double>& values,
                     const std::string& title, const std::string& value_label);

}  // namespace migra::report
