#pragma once
/// Albers equal-area conic projection on an ellipsoid (Snyder 1987, Map Projections: A Working
/// Manual, ch. 14), for turning lon/lat into planar coordinates whose areas are true, as paper
/// 004 §4.3 needs for the census counties (EPSG:5070 "CONUS Albers": NAD83/GRS80, standard
/// parallels 29.5 and 45.5 N, origin 23 N 96 W, no false easting/northing).
///
///   e^2 = f (2 - f);  q(phi) = (1 - e^2) [sin phi / (1 - e^2 sin^2 phi)
///                                  - 1/(2e) ln((1 - e sin phi) / (1 + e sin phi))]
///   m(phi) = cos phi / sqrt(1 - e^2 sin^2 phi)
///   n = (m1^2 - m2^2) / (q2 - q1),  C = m1^2 + n q1,  rho(phi) = a sqrt(C - n q(phi)) / n
///   x = rho sin(n (lambda - lambda0)),  y = rho(phi0) - rho cos(n (lambda - lambda0))
#include <cmath>

#include "kernels/core/hd.hpp"

namespace migra::geo {

struct Albers {
  double a, e2, n, C, rho0, lon0;  ///< lon0 in radians; a in the output unit

  MIGRA_HD static double q(double sin_phi, double e2) {
    const double e = sqrt(e2);
    return (1.0 - e2) * (sin_phi / (1.0 - e2 * sin_phi * sin_phi) -
                         0.5 / e * log((1.0 - e * sin_phi) / (1.0 + e * sin_phi)));
  }
  MIGRA_HD double rho(double phi) const { return a * sqrt(C - n * q(sin(phi), e2)) / n; }

  /// lon, lat in degrees -> x, y in the unit of `a`.
  MIGRA_HD void project(double lon_deg, double lat_deg, double& x, double& y) const {
    constexpr double d2r = 0.017453292519943295;
    const double r = rho(lat_deg * d2r), theta = n * (lon_deg * d2r - lon0);
    x = r * sin(theta);
    y = rho0 - r * cos(theta);
  }

  /// The projection for an ellipsoid (semi-major axis a, flattening f) and parallels in degrees.
  static Albers make(double a, double f, double lat1, double lat2, double lat0, double lon0) {
    constexpr double d2r = 0.017453292519943295;
    Albers p{};
    p.a = a;
    p.e2 = f * (2.0 - f);
    const auto m = [&](double phi) { return std::cos(phi) / std::sqrt(1.0 - p.e2 * std::sin(phi) * std::sin(phi)); };
    const double m1 = m(lat1 * d2r), m2 = m(lat2 * d2r);
    const double q1 = q(std::sin(lat1 * d2r), p.e2), q2 = q(std::sin(lat2 * d2r), p.e2);
    p.n = (m1 * m1 - m2 * m2) / (q2 - q1);
    p.C = m1 * m1 + p.n * q1;
    p.lon0 = lon0 * d2r;
    p.rho0 = p.rho(lat0 * d2r);
    return p;
  }

  /// EPSG:5070 (CONUS Albers, GRS80) in kilometres.
  static Albers conus_km() { return make(6378.137, 1.0 / 298.257222101, 29.5, 45.5, 23.0, -96.0); }
};

}  // namespace migra::geo
