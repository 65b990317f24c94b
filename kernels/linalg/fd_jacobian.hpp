#pragma once
/// The Jacobian of a fixed-point residual as a matrix-free product, for Newton–Krylov solves
/// (gmres.hpp): with F(y) = g(y) - y[0, m), m = g(y)'s size, a forward difference along v,
///   J v ~ (g(y + h v / |v|) - g(y)) |v| / h - v[0, m),    h = 1e-7 max(1, |y|),
/// costs one evaluation of g per product. y may hold more unknowns than g returns (an
/// arclength walk's parameter): those act only through g, and J v's entries from m on are 0
/// for the caller's border rows. J 0 = 0 without evaluating g.
#include <functional>
#include <vector>

#include "kernels/linalg/gmres.hpp"

namespace migra::linalg {

/// g(y, gy): writes g at y into gy.
using Map = std::function<void(const std::vector<double>& y, std::vector<double>& gy)>;

/// The product v -> J v at y, where gy = g(y); holds references to g, y and gy.
LinearOperator fd_jacobian(const Map& g, const std::vector<double>& y, const std::vector<double>& gy);

}  // namespace migra::linalg
