// The SVG report charts: geometry read back from the drawing.
#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <vector>

#include "host/report/svg.hpp"

using namespace migra::report;

namespace {
std::vector<double> numbers_after(const std::string& svg, const std::string& attribute) {
  std::vector<double> v;
  const std::regex re(attribute + "=\"([-0-9.]+)\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator(); ++it) v.push_back(std::stod((*it)[1]));
  return v;
}
}  // namespace

TEST_CASE("svg_flow_map: places sized by area, arcs by the root of the flow, the two directions bowed apart", "[report]") {
  // Three places; flows 0 -> 1 (4) and 1 -> 0 (1) along the bottom edge of the map.
  const std::vector<double> x{0, 10, 0}, y{0, 0, 10}, size{4, 1, 0};
  const FlowLayer flows{"flows", "#123456", {0, 1}, {1, 0}, {4, 1}};
  const std::string svg = svg_flow_map(x, y, size, {flows}, "t");
  // Radii 1 + 5 sqrt(size / max): the largest place 6, a quarter of it 3.5, an empty one 1.
  CHECK(numbers_after(svg, "r") == std::vector<double>{6, 3.5, 1});
  // Widths 0.5 + 9.5 sqrt(value / max).
  CHECK(numbers_after(svg, "stroke-width") == std::vector<double>{10, 5.25});
  // Each arc's control point is off the chord, on its right: 0 -> 1 runs east, so its bow is
  // south (down the page, larger y); 1 -> 0 runs west and bows north.
  const std::regex arc("d=\"M([-0-9.]+),([-0-9.]+) Q([-0-9.]+),([-0-9.]+) ([-0-9.]+),([-0-9.]+)\"");
  std::vector<std::smatch> arcs;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), arc); it != std::sregex_iterator(); ++it) arcs.push_back(*it);
  REQUIRE(arcs.size() == 2);
  const double chord_y = std::stod(arcs[0][2]);
  CHECK(std::stod(arcs[0][6]) == chord_y);
  CHECK(std::stod(arcs[0][4]) > chord_y + 1);
  CHECK(std::stod(arcs[1][4]) < chord_y - 1);
  CHECK(std::stod(arcs[0][1]) < std::stod(arcs[0][5]));  // west to east on the page
  CHECK(svg.find("widest arc: 4") != std::string::npos);
  // No places: an empty map with its title, not a crash.
  CHECK(svg_flow_map({}, {}, {}, {}, "empty").find("empty") != std::string::npos);
}
