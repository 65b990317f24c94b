#include "host/report/svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace migra::report {
namespace {

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else o += c;
  }
  return o;
}

std::string num(const char* fmt, double v) {
  char b[64];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}

/// A tick label with as many significant digits as the spacing between ticks needs (at least
/// three): years stay 2010, 2012.4 rather than 2.01e+03.
std::string tick_label(double v, double lo, double hi, double spacing) {
  const double top = std::max(std::fabs(lo), std::fabs(hi));
  const int digits = spacing > 0 && top > 0 ? std::max(3, int(std::ceil(std::log10(top / spacing))) + 2) : 3;
  char b[64];
  std::snprintf(b, sizeof b, "%.*g", std::min(digits, 12), std::fabs(v) < 1e-12 * top ? 0.0 : v);
  return b;
}

std::string text(double x, double y, const std::string& s, const char* anchor = "middle", int size = 12,
                 const std::string& extra = "") {
  return "<text x=\"" + num("%.1f", x) + "\" y=\"" + num("%.1f", y) + "\" font-size=\"" + std::to_string(size) +
         "\" text-anchor=\"" + anchor + "\"" + extra + ">" + esc(s) + "</text>\n";
}

std::string header(int w, int h) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(w) + "\" height=\"" +
         std::to_string(h) + "\" viewBox=\"0 0 " + std::to_string(w) + " " + std::to_string(h) +
         "\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
}

/// Map coordinates onto a W × H drawing with one scale on both axes: the bounding box of the
/// points fills the width between margins M, or the height below a title band T.
struct MapFrame {
  double x0, x1, y0, y1, span, scale;
  int W, M, T;
  MapFrame(const std::vector<double>& px, const std::vector<double>& py, int W_, int H, int M_, int T_)
      : x0(*std::min_element(px.begin(), px.end())),
        x1(*std::max_element(px.begin(), px.end())),
        y0(*std::min_element(py.begin(), py.end())),
        y1(*std::max_element(py.begin(), py.end())),
        span(std::max({x1 - x0, y1 - y0, 1e-12})),
        scale(std::min(W_ - 2.0 * M_, H - T_ - M_ - 30.0) / span),
        W(W_), M(M_), T(T_) {}
  double X(double x) const { return M + (x - x0) * scale + 0.5 * ((W - 2.0 * M) - (x1 - x0) * scale); }
  double Y(double y) const { return T + 15 + (y1 - y) * scale; }
};

}  // namespace

std::string svg_scatter(const std::vector<std::pair<double, double>>& pts, const ScatterOptions& o) {
  const int W = 520, H = 480, L = 70, R = 20, T = 40, B = 60;
  const auto tr = [&](double v) { return o.log_axes ? std::log10(v) : v; };
  std::vector<std::pair<double, double>> p;
  for (const auto& [x, y] : pts)
    if (std::isfinite(x) && std::isfinite(y) && (!o.log_axes || (x > 0 && y > 0))) p.emplace_back(tr(x), tr(y));
  double lo = 0, hi = 1;
  if (!p.empty()) {
    lo = hi = p[0].first;
    for (const auto& [x, y] : p) lo = std::min({lo, x, y}), hi = std::max({hi, x, y});
  }
  if (o.log_axes) lo = std::floor(lo), hi = std::ceil(hi);
  if (hi <= lo) hi = lo + 1;
  const double pw = W - L - R, ph = H - T - B;
  const auto X = [&](double v) { return L + (v - lo) / (hi - lo) * pw; };
  const auto Y = [&](double v) { return T + ph - (v - lo) / (hi - lo) * ph; };
  std::string s = header(W, H);
  s += text(W / 2.0, 24, o.title, "middle", 15);
  s += "<rect x=\"" + std::to_string(L) + "\" y=\"" + std::to_string(T) + "\" width=\"" + num("%.0f", pw) +
       "\" height=\"" + num("%.0f", ph) + "\" fill=\"none\" stroke=\"#444\"/>\n";
  const int ticks = o.log_axes ? int(hi - lo) : 5;
  for (int k = 0; k <= ticks; ++k) {
    const double v = lo + (hi - lo) * k / ticks;
    const std::string label = o.log_axes ? "1e" + num("%.0f", v) : tick_label(v, lo, hi, (hi - lo) / ticks);
    s += text(X(v), T + ph + 18, label, "middle", 11);
    s += text(L - 6, Y(v) + 4, label, "end", 11);
    s += "<line x1=\"" + num("%.1f", X(v)) + "\" y1=\"" + num("%.1f", T + ph) + "\" x2=\"" + num("%.1f", X(v)) +
         "\" y2=\"" + num("%.1f", T + ph + 4) + "\" stroke=\"#444\"/>\n";
  }
  if (o.diagonal)
    s += "<line x1=\"" + num("%.1f", X(lo)) + "\" y1=\"" + num("%.1f", Y(lo)) + "\" x2=\"" + num("%.1f", X(hi)) +
         "\" y2=\"" + num("%.1f", Y(hi)) + "\" stroke=\"#c33\" stroke-dasharray=\"4 3\"/>\n";
  s += "<g fill=\"#2a6fb0\" fill-opacity=\"0.45\">\n";
  for (const auto& [x, y] : p) s += "<circle cx=\"" + num("%.1f", X(x)) + "\" cy=\"" + num("%.1f", Y(y)) + "\" r=\"2\"/>\n";
  s += "</g>\n";
  s += text(L + pw / 2, H - 18, o.x_label);
  s += text(18, T + ph / 2, o.y_label, "middle", 12, " transform=\"rotate(-90 18 " + num("%.1f", T + ph / 2) + ")\"");
  return s + "</svg>\n";
}

std::string svg_curves(const std::vector<Series>& series, const CurveOptions& o) {
  const int W = 640, H = 440, L = 80, R = 150, T = 40, B = 55;
  const auto tx = [&](double v) { return o.log_x ? std::log10(v) : v; };
  const auto ty = [&](double v) { return o.log_y ? std::log10(v) : v; };
  const auto ok = [&](double x, double y) {
    return std::isfinite(x) && std::isfinite(y) && (!o.log_x || x > 0) && (!o.log_y || y > 0);
  };
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (const auto& s : series)
    for (size_t k = 0; k < s.x.size(); ++k)
      for (double y : {s.y[k], s.lo.empty() ? s.y[k] : s.lo[k], s.hi.empty() ? s.y[k] : s.hi[k]})
        if (ok(s.x[k], y)) {
          x0 = std::min(x0, tx(s.x[k])), x1 = std::max(x1, tx(s.x[k]));
          y0 = std::min(y0, ty(y)), y1 = std::max(y1, ty(y));
        }
  if (x0 > x1) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (o.log_x) x0 = std::floor(x0), x1 = std::ceil(x1);
  if (o.log_y) y0 = std::floor(y0), y1 = std::ceil(y1);
  if (x1 <= x0) x1 = x0 + 1;
  if (y1 <= y0) y1 = y0 + 1;
  const double pw = W - L - R, ph = H - T - B;
  const auto X = [&](double v) { return L + (tx(v) - x0) / (x1 - x0) * pw; };
  const auto Y = [&](double v) { return T + ph - (ty(v) - y0) / (y1 - y0) * ph; };
  std::string out = header(W, H);
  out += text(L + pw / 2, 24, o.title, "middle", 15);
  out += "<rect x=\"" + std::to_string(L) + "\" y=\"" + std::to_string(T) + "\" width=\"" + num("%.0f", pw) +
         "\" height=\"" + num("%.0f", ph) + "\" fill=\"none\" stroke=\"#444\"/>\n";
  const auto ticks = [&](double a, double b, bool log, bool horizontal) {
    const int k = log ? int(b - a) : 5;
    for (int t = 0; t <= k; ++t) {
      const double v = a + (b - a) * t / k;
      const std::string label = log ? "1e" + num("%.0f", v) : tick_label(v, a, b, (b - a) / k);
      if (horizontal) out += text(L + (v - a) / (b - a) * pw, T + ph + 18, label, "middle", 11);
      else out += text(L - 6, T + ph - (v - a) / (b - a) * ph + 4, label, "end", 11);
    }
  };
  ticks(x0, x1, o.log_x, true);
  ticks(y0, y1, o.log_y, false);
  int legend = 0;
  for (const auto& s : series) {
    if (!s.lo.empty()) {  // band: the polygon lo (left to right) then hi (right to left)
      std::string pts;
      for (size_t k = 0; k < s.x.size(); ++k)
        if (ok(s.x[k], s.lo[k])) pts += num("%.1f", X(s.x[k])) + "," + num("%.1f", Y(s.lo[k])) + " ";
      for (size_t k = s.x.size(); k-- > 0;)
        if (ok(s.x[k], s.hi[k])) pts += num("%.1f", X(s.x[k])) + "," + num("%.1f", Y(s.hi[k])) + " ";
      out += "<polygon points=\"" + pts + "\" fill=\"" + s.colour + "\" fill-opacity=\"0.2\" stroke=\"none\"/>\n";
    }
    std::string pts;
    for (size_t k = 0; k < s.x.size(); ++k)
      if (ok(s.x[k], s.y[k])) pts += num("%.1f", X(s.x[k])) + "," + num("%.1f", Y(s.y[k])) + " ";
    const std::string dash = s.dashed ? " stroke-dasharray=\"5 3\"" : "";
    out += "<polyline points=\"" + pts + "\" fill=\"none\" stroke=\"" + s.colour + "\" stroke-width=\"1.6\"" + dash + "/>\n";
    const double ly = T + 14 + 18 * legend++;
    out += "<line x1=\"" + num("%.0f", L + pw + 10) + "\" y1=\"" + num("%.0f", ly - 4) + "\" x2=\"" +
           num("%.0f", L + pw + 28) + "\" y2=\"" + num("%.0f", ly - 4) + "\" stroke=\"" + s.colour + "\" stroke-width=\"2\"" + dash + "/>\n";
    out += text(L + pw + 32, ly, s.name, "start", 11);
  }
  out += text(L + pw / 2, H - 16, o.x_label);
  out += text(18, T + ph / 2, o.y_label, "middle", 12, " transform=\"rotate(-90 18 " + num("%.1f", T + ph / 2) + ")\"");
  return out + "</svg>\n";
}

std::string svg_points(const std::vector<PointGroup>& groups, const PointsOptions& o) {
  size_t longest = 0;  // named y ticks widen the left margin
  for (const auto& t : o.y_ticks) longest = std::max(longest, t.second.size());
  const int W = 640, H = 520, L = std::max(75, int(6.5 * double(longest)) + 14), R = 150, T = 40, B = 55;
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  const auto grow = [&](double x, double y) {
    if (std::isfinite(x) && std::isfinite(y)) x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
  };
  for (const auto& g : groups)
    for (size_t k = 0; k < g.x.size(); ++k) grow(g.x[k], g.y[k]);
  if (o.box) grow(o.box_x0, o.box_y0), grow(o.box_x1, o.box_y1);
  if (x0 > x1) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  const double mx = 0.05 * std::max(x1 - x0, 1e-12), my = 0.05 * std::max(y1 - y0, 1e-12);
  x0 -= mx, x1 += mx, y0 -= my, y1 += my;
  double pw = W - L - R, ph = H - T - B;
  if (o.equal_aspect) {  // shrink the longer side so both axes share one scale
    const double scale = std::min(pw / (x1 - x0), ph / (y1 - y0));
    pw = scale * (x1 - x0), ph = scale * (y1 - y0);
  }
  const auto X = [&](double v) { return L + (v - x0) / (x1 - x0) * pw; };
  const auto Y = [&](double v) { return T + ph - (v - y0) / (y1 - y0) * ph; };
  std::string out = header(W, H);
  out += text(L + pw / 2, 24, o.title, "middle", 15);
  out += "<rect x=\"" + std::to_string(L) + "\" y=\"" + std::to_string(T) + "\" width=\"" + num("%.0f", pw) +
         "\" height=\"" + num("%.0f", ph) + "\" fill=\"none\" stroke=\"#444\"/>\n";
  for (int t = 0; t <= 5; ++t) {
    const double vx = x0 + (x1 - x0) * t / 5, vy = y0 + (y1 - y0) * t / 5;
    out += text(X(vx), T + ph + 18, tick_label(vx, x0, x1, (x1 - x0) / 5), "middle", 11);
    if (o.y_ticks.empty()) out += text(L - 6, Y(vy) + 4, tick_label(vy, y0, y1, (y1 - y0) / 5), "end", 11);
  }
  for (const auto& [v, label] : o.y_ticks) out += text(L - 6, Y(v) + 4, label, "end", 11);
  if (o.box) {
    out += "<rect x=\"" + num("%.1f", X(o.box_x0)) + "\" y=\"" + num("%.1f", Y(o.box_y1)) + "\" width=\"" +
           num("%.1f", X(o.box_x1) - X(o.box_x0)) + "\" height=\"" + num("%.1f", Y(o.box_y0) - Y(o.box_y1)) +
           "\" fill=\"#888\" fill-opacity=\"0.08\" stroke=\"#888\" stroke-dasharray=\"5 3\"/>\n";
    out += text(X(o.box_x0) + 4, Y(o.box_y1) + 14, o.box_label, "start", 11, " fill=\"#666\"");
  }
  int legend = 0;
  for (const auto& g : groups) {
    out += "<g fill=\"" + g.colour + "\" fill-opacity=\"0.8\">\n";
    for (size_t k = 0; k < g.x.size(); ++k) {
      if (!std::isfinite(g.x[k]) || !std::isfinite(g.y[k])) continue;
      out += "<circle cx=\"" + num("%.1f", X(g.x[k])) + "\" cy=\"" + num("%.1f", Y(g.y[k])) + "\" r=\"" +
             num("%.1f", g.radius) + "\"/>\n";
      if (!g.labels.empty()) out += text(X(g.x[k]) + g.radius + 3, Y(g.y[k]) + 4, g.labels[k], "start", 11);
    }
    out += "</g>\n";
    const double ly = T + 14 + 18 * legend++;
    out += "<circle cx=\"" + num("%.0f", L + pw + 19) + "\" cy=\"" + num("%.0f", ly - 4) + "\" r=\"4\" fill=\"" +
           g.colour + "\"/>\n";
    out += text(L + pw + 30, ly, g.name, "start", 11);
  }
  out += text(L + pw / 2, T + ph + 40, o.x_label);
  out += text(18, T + ph / 2, o.y_label, "middle", 12, " transform=\"rotate(-90 18 " + num("%.1f", T + ph / 2) + ")\"");
  return out + "</svg>\n";
}

std::string svg_bars(const std::vector<std::string>& labels, const std::vector<double>& values,
                     const std::string& title, const std::string& value_label) {
  const int bar = 24, gap = 8, L = 200, R = 80, T = 40, B = 30, W = 640;
  const int H = T + B + int(labels.size()) * (bar + gap);
  double lo = 0, hi = 0;
  for (double v : values) lo = std::min(lo, v), hi = std::max(hi, v);
  if (hi - lo <= 0) hi = lo + 1;
  const double pw = W - L - R, x0 = L + -lo / (hi - lo) * pw;  // x0: the zero line
  std::string s = header(W, H);
  s += text(W / 2.0, 24, title, "middle", 15);
  for (size_t k = 0; k < labels.size(); ++k) {
    const double y = T + double(k) * (bar + gap), w = std::fabs(values[k]) / (hi - lo) * pw;
    const double left = values[k] < 0 ? x0 - w : x0;
    s += text(L - 8, y + bar * 0.7, labels[k], "end", 12);
    s += "<rect x=\"" + num("%.1f", left) + "\" y=\"" + num("%.1f", y) + "\" width=\"" + num("%.1f", w) +
         "\" height=\"" + std::to_string(bar) + "\" fill=\"" + (values[k] < 0 ? "#d62" : "#2a6fb0") + "\"/>\n";
    s += text(std::max(x0, left + w) + 6, y + bar * 0.7, num("%.4g", values[k]), "start", 12);
  }
  s += text(L + pw / 2, H - 8, value_label);
  return s + "</svg>\n";
}

std::string svg_network(const std::vector<double>& px, const std::vector<double>& py,
                        const std::vector<std::vector<int>>& edges, const std::vector<NetworkLayer>& layers,
                        const std::string& title) {
  const int W = 640, H = 560, M = 70;
  const MapFrame f(px, py, W, H, M, 50);
  double vmax = 0.0;
  for (const auto& l : layers)
    for (double v : l.value) vmax = std::max(vmax, v);
  const double ribbon = vmax > 0.0 ? 0.12 * f.span / vmax : 0.0;  // the largest value: 12% of the drawing
  std::string s = header(W, H);
  s += text(W / 2.0, 24, title, "middle", 15);
  for (const auto& e : edges) {
    s += "<polyline fill=\"none\" stroke=\"#999\" stroke-width=\"1.5\" points=\"";
    for (int q : e) s += num("%.1f", f.X(px[size_t(q)])) + "," + num("%.1f", f.Y(py[size_t(q)])) + " ";
    s += "\"/>\n";
  }
  for (const auto& l : layers)
    for (const auto& e : edges) {
      const double dx = px[size_t(e.back())] - px[size_t(e.front())], dy = py[size_t(e.back())] - py[size_t(e.front())];
      const double len = std::max(std::hypot(dx, dy), 1e-300), nx = -dy / len, ny = dx / len;  // left normal
      std::string pts;
      for (int q : e) pts += num("%.1f", f.X(px[size_t(q)])) + "," + num("%.1f", f.Y(py[size_t(q)])) + " ";
      for (auto it = e.rbegin(); it != e.rend(); ++it) {
        const double v = l.value[size_t(*it)] * ribbon;
        pts += num("%.1f", f.X(px[size_t(*it)] + v * nx)) + "," + num("%.1f", f.Y(py[size_t(*it)] + v * ny)) + " ";
      }
      s += "<polygon fill=\"" + l.colour + "\" fill-opacity=\"0.35\" stroke=\"" + l.colour + "\" stroke-width=\"1\" points=\"" +
           pts + "\"/>\n";
    }
  for (size_t k = 0; k < layers.size(); ++k) {
    const double lx = M + 160.0 * k, ly = H - 25.0;
    s += "<rect x=\"" + num("%.1f", lx) + "\" y=\"" + num("%.1f", ly - 10) + "\" width=\"14\" height=\"10\" fill=\"" +
         layers[k].colour + "\" fill-opacity=\"0.6\"/>\n";
    s += text(lx + 20, ly, layers[k].name, "start", 12);
  }
  s += text(W - 10.0, H - 25.0, "ribbon height: max = " + num("%.3g", vmax), "end", 11);
  return s + "</svg>\n";
}

std::string svg_flow_map(const std::vector<double>& px, const std::vector<double>& py, const std::vector<double>& size,
                         const std::vector<FlowLayer>& layers, const std::string& title) {
  const int W = 640, H = 600, M = 50;
  if (px.empty()) return header(W, H) + text(W / 2.0, 24, title, "middle", 15) + "</svg>\n";
  const MapFrame f(px, py, W, H, M, 50);
  double vmax = 0.0, smax = 0.0;
  for (const auto& l : layers)
    for (double v : l.value) vmax = std::max(vmax, v);
  for (double v : size) smax = std::max(smax, v);
  std::string s = header(W, H);
  s += text(W / 2.0, 24, title, "middle", 15);
  for (size_t i = 0; i < px.size(); ++i) {  // the largest place: radius 6
    const double r = smax > 0 && i < size.size() ? 1 + 5 * std::sqrt(std::max(0.0, size[i]) / smax) : 2;
    s += "<circle cx=\"" + num("%.1f", f.X(px[i])) + "\" cy=\"" + num("%.1f", f.Y(py[i])) + "\" r=\"" + num("%.1f", r) +
         "\" fill=\"#555\" fill-opacity=\"0.5\"/>\n";
  }
  for (const auto& l : layers)
    for (size_t k = 0; k < l.value.size(); ++k) {
      const double ax = f.X(px[size_t(l.origin[k])]), ay = f.Y(py[size_t(l.origin[k])]);
      const double bx = f.X(px[size_t(l.destination[k])]), by = f.Y(py[size_t(l.destination[k])]);
      // Control point: the chord's midpoint moved 15 % of its length to the right of the direction of travel
      // (screen y points down, so the right normal of (dx, dy) is (-dy, dx)).
      const double cx = 0.5 * (ax + bx) - 0.15 * (by - ay), cy = 0.5 * (ay + by) + 0.15 * (bx - ax);
      const double width = vmax > 0 ? 0.5 + 9.5 * std::sqrt(l.value[k] / vmax) : 1;  // the largest flow: 10 px
      s += "<path d=\"M" + num("%.1f", ax) + "," + num("%.1f", ay) + " Q" + num("%.1f", cx) + "," + num("%.1f", cy) + " " +
           num("%.1f", bx) + "," + num("%.1f", by) + "\" fill=\"none\" stroke=\"" + l.colour + "\" stroke-opacity=\"0.55\" stroke-width=\"" +
           num("%.2f", width) + "\" stroke-linecap=\"round\"/>\n";
    }
  for (size_t k = 0; k < layers.size(); ++k) {
    const double lx = M + 170.0 * double(k), ly = H - 25.0;
    s += "<rect x=\"" + num("%.1f", lx) + "\" y=\"" + num("%.1f", ly - 8) + "\" width=\"16\" height=\"6\" fill=\"" +
         layers[k].colour + "\"/>\n";
    s += text(lx + 22, ly, layers[k].name, "start", 12);
  }
  s += text(W - 10.0, H - 25.0, "widest arc: " + num("%.4g", vmax), "end", 11);
  return s + "</svg>\n";
}

}  // namespace migra::report
