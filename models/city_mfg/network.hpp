#pragma once
/// A metric graph and its discretisation (paper 001 spec §1.1, §3.1, §3.6).
///
/// Network file (text, one item per line, '#' starts a comment):
///     vertex ID X Y
///     edge ID_A ID_B [length=L] [h=H]
/// Edges are straight segments from A to B (the orientation of the local coordinate y: y = 0 at
/// A, y = length at B); length defaults to |B - A|; h, when given, overrides the housing cost
/// of both populations on that edge (Test 3's road classes).
///
/// Grid: edge j gets N_j = ceil(l_j / dx) cells of dx_j = l_j / N_j. Node indices: the |V|
/// vertices first (node v = vertex v), then each edge's interior nodes in edge order. Cell
/// measures: dx_j for an interior node, sum over incident edges of dx_j / 2 for a vertex, so
/// that sum |C_q| = |Gamma|.
#include <string>
#include <vector>

namespace migra::mfg {

struct Edge {
  int a = 0, b = 0;        ///< vertex indices: y = 0 at a, y = length at b
  double length = 0.0;
  double h = -1.0;         ///< housing-cost override (< 0: none)
};

struct Network {
  std::vector<std::string> ids;   ///< vertex names as in the file
  std::vector<double> x, y;       ///< vertex coordinates
  std::vector<Edge> edges;
  std::vector<std::vector<int>> incident;  ///< Inc_v: edges at vertex v, in file order
  int vertices() const { return int(x.size()); }
  double total_length() const;
};

/// Reads a network file; errors name the file and line.
Network read_network(const std::string& path);
/// The same from text (`name` is used in messages).
Network parse_network(const std::string& text, const std::string& name);

struct Grid {
  const Network* net = nullptr;
  std::vector<int> cells;          ///< N_j per edge
  std::vector<double> dx;          ///< dx_j per edge
  std::vector<int> first_interior; ///< node index of edge j's node q = 1
  std::vector<int> node_edge;      ///< per node: its edge (-1 for a vertex)
  std::vector<double> node_y;      ///< per node: local coordinate on its edge (0 for a vertex)
  std::vector<double> px, py;      ///< per node: position in the plane
  std::vector<double> measure;     ///< |C_q|
  int nodes() const { return int(measure.size()); }
  /// Node of edge j at grid index q in [0, N_j] (q = 0: vertex a, q = N_j: vertex b).
  int node(int j, int q) const {
    const Edge& e = net->edges[size_t(j)];
    if (q == 0) return e.a;
    if (q == cells[size_t(j)]) return e.b;
    return first_interior[size_t(j)] + q - 1;
  }
};

Grid make_grid(const Network& net, double dx);

/// Shortest-path lengths along the edges from each vertex in `from` to every vertex (|from| x V,
/// row-major; +inf where none): Dijkstra from each source with a binary heap, O(|from| E log V).
std::vector<double> vertex_distances(const Network& net, const std::vector<int>& from);

/// Geodesic distances d_Gamma between all nodes (N x N, row-major): vertex_distances from every
/// vertex, then for nodes on edges (a, b) at s and (c, d) at t the minimum of
/// the four vertex routes, and |s - t| on a shared edge.
std::vector<double> node_distances(const Grid& g);

/// Node pairs joined by one grid cell (each once, p < q): the fine node graph.
std::vector<std::pair<int, int>> grid_links(const Grid& g);

}  // namespace migra::mfg
