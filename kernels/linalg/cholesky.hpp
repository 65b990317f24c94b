#pragma once
/// Dense symmetric positive-definite solves by Cholesky factorisation, A = L Lᵀ, for the
/// normal equations of small least-squares problems (a few hundred unknowns: the Gauss–Newton
/// systems of models/settlement). Row-oriented: L_ij = (A_ij − Σ_{k<j} L_ik L_jk) / L_jj, each
/// inner sum a contiguous dot product of two rows (Golub & Van Loan, Matrix Computations §4.2).
#include <vector>

namespace migra::linalg {

/// Factorises the n×n row-major matrix `a` in place (its lower triangle becomes L; the upper
/// triangle is not read). Returns false, leaving `a` partly overwritten, when a pivot is not
/// positive, i.e. A is not (numerically) positive definite.
bool cholesky_factor(std::vector<double>& a, int n);

/// Solves L Lᵀ x = b in place for a factor from cholesky_factor.
void cholesky_solve(const std::vector<double>& l, int n, std::vector<double>& b);

}  // namespace migra::linalg
