#pragma once
/// The data model of paper 000 (spec §1.2–1.3, §2.3): annual migration balances of N nodes,
/// the last an imaginary external node that closes the system, their preprocessing into the
/// PINN's units and back, and the fixed quantities of the equation of motion.
#include <string>
#include <vector>

namespace migra::pinn {

/// Balances in people, N × T row-major: R[u*T + t] for node u in years[t]. The last node is
/// the external one, R_ext(t) = -Σ_{u real} R_u(t), so every column sums to 0.
struct Balances {
  std::vector<std::string> ids;  ///< N, the last "external"
  std::vector<double> years;     ///< T, increasing
  std::vector<double> R;
  int nodes() const { return int(ids.size()); }
  int years_count() const { return int(years.size()); }
};

/// Appends the external node to the real nodes' balances (spec §1.2, computed on raw counts).
Balances with_external_node(std::vector<std::string> ids, std::vector<double> years, std::vector<double> R_real);

/// The PINN's units (spec §1.3): per node R~_u(t) = (R_u(t) - R_u(t_0)) / s_u with
/// s_u = max_t |R_u(t) - R_u(t_0)| (1 when 0; one s for all nodes under global_scale), and
/// t~ = (year - y_0)/(y_T - y_0).
struct Scaled {
  std::vector<double> R;      ///< N × T
  std::vector<double> shift;  ///< R_u(t_0)
  std::vector<double> scale;  ///< s_u
  std::vector<double> t;      ///< T normalised times in [0, 1]
  double y0 = 0, yT = 1;
  /// Back to people: s_u r + R_u(t_0).
  double people(int u, double r) const { return scale[size_t(u)] * r + shift[size_t(u)]; }
  double time(double year) const { return (year - y0) / (yT - y0); }
  double year(double tn) const { return y0 + tn * (yT - y0); }
};
Scaled preprocess(const Balances& b, bool global_scale = false);

/// The age term g(x) = a/x + b with g(18) = 1, g(80) = 0 (spec §2.3: a = a_m a_M/(a_M - a_m),
/// b = -a_m/(a_M - a_m)), clipped to [0, 1].
double age_term(double mean_age);
/// Per node: g of each real node's mean age, and their mean for the external node (spec §2.3).
std::vector<double> age_vector(const std::vector<double>& mean_age_real);

/// Great-circle distance in km on a sphere of radius 6371 km (spec §2.3).
double haversine_km(double lat1, double lon1, double lat2, double lon2);
/// D (N × N): haversine distances between the N-1 real nodes over their largest; 1 between
/// the external node and every other node, 0 on the diagonal.
std::vector<double> distance_matrix(const std::vector<double>& lat, const std::vector<double>& lon);
/// Haversine km between the real nodes (N-1 × N-1), for the transfer operator.
std::vector<double> distance_km(const std::vector<double>& lat, const std::vector<double>& lon);

/// F (N × N): Pearson correlation of the nodes' series, diagonal 1, 0 off the diagonal for a
/// series with no variance (spec §2.3).
std::vector<double> correlation_matrix(const std::vector<double>& R, int n, int T);

}  // namespace migra::pinn
