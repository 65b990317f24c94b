#pragma once
/// Observation windows for point-pattern statistics (Ripley's K): what an edge correction needs
/// to know about the region W the points were observed in.
///   RectWindow     [x0, x1] x [y0, y1], every quantity in closed form
///   PolygonWindow  a simple polygon (e.g. a convex hull, or a country outline); the circle's
///                  arcs inside W from the circle-edge intersections; |W ∩ (W + v)| for convex
///                  polygons, tabulated on a grid of displacements (bilinear between nodes)
#include <memory>
#include <vector>

namespace migra::stats {

class Window {
 public:
  virtual ~Window() = default;
  virtual double area() const = 0;
  virtual bool contains(double x, double y) const = 0;
  /// The fraction of the circle of radius r about (x, y) inside W, by arc length.
  virtual double circle_fraction_inside(double x, double y, double r) const = 0;
  /// The distance from (x, y) to the boundary of W.
  virtual double boundary_distance(double x, double y) const = 0;
  /// |W ∩ (W + (dx, dy))|, or a negative number when not available (non-convex polygons).
  virtual double overlap_area(double dx, double dy) const = 0;
  /// Prepares overlap_area for displacements up to r_max; returns the largest radius this
  /// window supports for K (a rectangle: half its shorter side).
  virtual double prepare(double r_max) = 0;
  /// R_W(r): the fraction of a disc of radius r inside W, averaged over centres uniform in W
  /// (paper 004 App. B), = (1 / (|W| pi r^2)) * integral over |v| <= r of |W ∩ (W + v)|.
  /// Rectangle w x h: 1 - 4 r (w + h) / (3 pi w h) + r^2 / (2 pi w h)  (r <= min(w, h)).
  /// Convex polygon: the integral by polar quadrature of the exact overlap. Non-convex: NaN.
  virtual double mean_disc_fraction(double r) const = 0;
};

struct Rect {
  double x0, y0, x1, y1;
  double area() const { return (x1 - x0) * (y1 - y0); }
};

/// The fraction of the circle of radius r about (px, py) that lies inside `w` (by arc length).
double circle_fraction_inside(double px, double py, double r, const Rect& w);

std::unique_ptr<Window> make_rect_window(const Rect& r);
/// Vertices in order (either orientation), not repeated at the end; at least 3.
std::unique_ptr<Window> make_polygon_window(const std::vector<double>& x, const std::vector<double>& y);
/// The convex hull of the points, counter-clockwise (Andrew's monotone chain), as x and y.
void convex_hull(const std::vector<double>& x, const std::vector<double>& y, std::vector<double>& hx,
                 std::vector<double>& hy);

}  // namespace migra::stats
