#include "models/city_mfg/network.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <queue>
#include <sstream>

#include "kernels/core/error.hpp"

namespace migra::mfg {

double Network::total_length() const {
  double s = 0.0;
  for (const Edge& e : edges) s += e.length;
  return s;
}

Network parse_network(const std::string& text, const std::string& name) {
  Network net;
  std::map<std::string, int> index;
  std::istringstream in(text);
  std::string line;
  for (int ln = 1; std::getline(in, line); ++ln) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream ls(line);
    std::string kind;
    if (!(ls >> kind)) continue;
    const auto fail = [&](const std::string& what) {
      MIGRA_THROW_FMT("%s:%d: %s", name.c_str(), ln, what.c_str());
    };
    if (kind == "vertex") {
      std::string id;
      double x = 0.0, y = 0.0;
      if (!(ls >> id >> x >> y) || !std::isfinite(x) || !std::isfinite(y)) fail("expected 'vertex ID X Y'");
      if (index.count(id)) fail("vertex '" + id + "' is defined twice");
      index[id] = net.vertices();
      net.ids.push_back(id);
      net.x.push_back(x);
      net.y.push_back(y);
    } else if (kind == "edge") {
      std::string a, b;
      if (!(ls >> a >> b)) fail("expected 'edge ID_A ID_B [length=L] [h=H]'");
      for (const std::string& v : {a, b})
        if (!index.count(v)) fail("edge names vertex '" + v + "', which is not defined above");
      if (a == b) fail("edge from '" + a + "' to itself (loops are not supported)");
      Edge e{index[a], index[b], std::hypot(net.x[size_t(index[b])] - net.x[size_t(index[a])],
                                            net.y[size_t(index[b])] - net.y[size_t(index[a])]), -1.0};
      for (std::string opt; ls >> opt;) {
        const auto eq = opt.find('=');
        char* end = nullptr;
        const double v = eq == std::string::npos ? NAN : std::strtod(opt.c_str() + eq + 1, &end);
        if (eq == std::string::npos || *end != '\0' || !std::isfinite(v)) fail("bad option '" + opt + "' (length=L or h=H)");
        const std::string key = opt.substr(0, eq);
        if (key == "length") e.length = v;
        else if (key == "h") e.h = v;
        else fail("unknown option '" + key + "' (length or h)");
      }
      if (!(e.length > 0.0)) fail("edge length must be > 0");
      net.edges.push_back(e);
    } else {
      fail("unknown item '" + kind + "' (vertex or edge)");
    }
  }
  MIGRA_THROW_IF_NOT_FMT(!net.edges.empty(), "%s: no edges", name.c_str());
  net.incident.assign(size_t(net.vertices()), {});
  for (int j = 0; j < int(net.edges.size()); ++j) {
    net.incident[size_t(net.edges[size_t(j)].a)].push_back(j);
    net.incident[size_t(net.edges[size_t(j)].b)].push_back(j);
  }
  for (int v = 0; v < net.vertices(); ++v)
    MIGRA_THROW_IF_NOT_FMT(!net.incident[size_t(v)].empty(), "%s: vertex '%s' has no edge", name.c_str(),
                           net.ids[size_t(v)].c_str());
  return net;
}

Network read_network(const std::string& path) {
  std::ifstream in(path);
  MIGRA_THROW_IF_NOT_FMT(in.good(), "%s: cannot open the network file", path.c_str());
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_network(ss.str(), path);
}

Grid make_grid(const Network& net, double dx) {
  MIGRA_THROW_IF_NOT_FMT(dx > 0.0, "grid: dx must be > 0, got %g", dx);
  Grid g;
  g.net = &net;
  const int V = net.vertices();
  g.node_edge.assign(size_t(V), -1);
  g.node_y.assign(size_t(V), 0.0);
  g.px = net.x;
  g.py = net.y;
  g.measure.assign(size_t(V), 0.0);
  for (int j = 0; j < int(net.edges.size()); ++j) {
    const Edge& e = net.edges[size_t(j)];
    const int N = std::max(1, int(std::ceil(e.length / dx - 1e-9)));
    const double h = e.length / N;
    g.cells.push_back(N);
    g.dx.push_back(h);
    g.first_interior.push_back(g.nodes());
    g.measure[size_t(e.a)] += 0.5 * h;
    g.measure[size_t(e.b)] += 0.5 * h;
    for (int q = 1; q < N; ++q) {
      const double t = double(q) / N;
      g.node_edge.push_back(j);
      g.node_y.push_back(q * h);
      g.px.push_back((1 - t) * net.x[size_t(e.a)] + t * net.x[size_t(e.b)]);
      g.py.push_back((1 - t) * net.y[size_t(e.a)] + t * net.y[size_t(e.b)]);
      g.measure.push_back(h);
    }
  }
  return g;
}

std::vector<double> vertex_distances(const Network& net, const std::vector<int>& from) {
  const int V = net.vertices();
  std::vector<std::vector<std::pair<int, double>>> adj(static_cast<size_t>(V));  // (neighbour, length)
  for (const Edge& e : net.edges) {
    adj[size_t(e.a)].emplace_back(e.b, e.length);
    adj[size_t(e.b)].emplace_back(e.a, e.length);
  }
  std::vector<double> D(from.size() * size_t(V), INFINITY);
  using Entry = std::pair<double, int>;  // (distance, vertex), smallest first
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
  for (size_t r = 0; r < from.size(); ++r) {
    MIGRA_ASSERT(from[r] >= 0 && from[r] < V);
    double* d = D.data() + r * size_t(V);
    d[from[r]] = 0.0;
    heap.emplace(0.0, from[r]);
    while (!heap.empty()) {
      const auto [du, u] = heap.top();
      heap.pop();
      if (du > d[u]) continue;  // a stale entry
      for (const auto& [v, len] : adj[size_t(u)])
        if (du + len < d[v]) heap.emplace(d[v] = du + len, v);
    }
  }
  return D;
}

std::vector<double> node_distances(const Grid& g) {
  const Network& net = *g.net;
  const int V = net.vertices(), N = g.nodes();
  std::vector<int> all(static_cast<size_t>(V));
  for (int v = 0; v < V; ++v) all[size_t(v)] = v;
  const std::vector<double> DV = vertex_distances(net, all);
  // to_vertex[p * V + u]: distance from node p to vertex u
  std::vector<double> to_vertex(size_t(N) * size_t(V));
  for (int p = 0; p < N; ++p)
    for (int u = 0; u < V; ++u) {
      double d;
      if (g.node_edge[size_t(p)] < 0) {
        d = DV[size_t(p) * size_t(V) + size_t(u)];
      } else {
        const Edge& e = net.edges[size_t(g.node_edge[size_t(p)])];
        const double s = g.node_y[size_t(p)];
        d = std::min(s + DV[size_t(e.a) * size_t(V) + size_t(u)], e.length - s + DV[size_t(e.b) * size_t(V) + size_t(u)]);
      }
      to_vertex[size_t(p) * size_t(V) + size_t(u)] = d;
    }
  std::vector<double> D(size_t(N) * size_t(N));
  for (int p = 0; p < N; ++p)
    for (int q = 0; q < N; ++q) {
      double d;
      const int eq = g.node_edge[size_t(q)];
      if (eq < 0) {
        d = to_vertex[size_t(p) * size_t(V) + size_t(q)];
      } else {
        const Edge& e = net.edges[size_t(eq)];
        const double t = g.node_y[size_t(q)];
        d = std::min(to_vertex[size_t(p) * size_t(V) + size_t(e.a)] + t,
                     to_vertex[size_t(p) * size_t(V) + size_t(e.b)] + e.length - t);
        if (g.node_edge[size_t(p)] == eq) d = std::min(d, std::fabs(g.node_y[size_t(p)] - t));
      }
      D[size_t(p) * size_t(N) + size_t(q)] = d;
    }
  return D;
}

std::vector<std::pair<int, int>> grid_links(const Grid& g) {
  std::vector<std::pair<int, int>> links;
  for (int j = 0; j < int(g.cells.size()); ++j)
    for (int q = 0; q < g.cells[size_t(j)]; ++q) {
      const int u = g.node(j, q), v = g.node(j, q + 1);
      links.emplace_back(std::min(u, v), std::max(u, v));
    }
  return links;
}

}  // namespace migra::mfg
