#pragma once
// Networks and coarse configurations of paper 001's tests, shared by the CPU tests
// (test_city_mfg.cpp) and the CUDA ones (tests/cuda/test_cuda_mfg.cpp).
#include <cmath>

#include "models/city_mfg/mfg.hpp"

namespace migra::mfg::testing {

inline const char* kTriangle =
    "vertex v1 0 0\nvertex v2 1 0\nvertex v3 0.5 0.8660254037844386\nedge v1 v2\nedge v2 v3\nedge v3 v1\n";
inline const char* kTheta =
    "vertex v1 0 0\nvertex v2 1 0\nvertex v3 0.5 0.5\nvertex v4 0.5 -0.5\n"
    "edge v1 v2\nedge v1 v3\nedge v3 v2\nedge v1 v4\nedge v4 v2\n";

/// The checkpoint tests' problem: the theta graph on a coarse grid (dx = dt = 0.1, T = 1),
/// potential C, workers with a bump on the central arc.
inline MfgConfig coarse_theta_config() {
  MfgConfig cfg;
  cfg.dx = 0.1;
  cfg.dt = 0.1;
  cfg.T = 1.0;
  cfg.potential = "C";
  cfg.workers.initial = {"gaussian", 1.0, 2.0, 2.0, 0.0, 0.5, 0.0, 0.02};
  cfg.firms.initial = {"uniform", 1.0};
  return cfg;
}

/// The same with Test 2's settings (data/mfg/test2-linear.toml: relaxed controls at 1e-3,
/// C = 10, 5, implicit diffusion), where Picard converges to 1e-10.
inline MfgConfig coarse_test2_config() {
  MfgConfig cfg = coarse_theta_config();
  cfg.controls.temperature = 1e-3;
  cfg.workers.C = 10, cfg.firms.C = 5;
  cfg.workers.sl.diffusion = cfg.firms.sl.diffusion = "implicit";
  cfg.tol = 1e-10;
  cfg.max_iter = 300;
  return cfg;
}

/// Test 1a (Table 1, mode-2 seed) on a coarse triangle: potential C, relaxed controls at 1e-2,
/// implicit diffusion, viscosities nu / 16 (Picard converges there), smoothed rents.
inline MfgConfig coarse_test1a_config() {
  MfgConfig cfg;
  cfg.dx = 0.05, cfg.dt = 0.1, cfg.T = 2.0;
  cfg.potential = "C";
  cfg.controls.temperature = 1e-2;
  cfg.rent_smoothing = 1e-2;
  cfg.workers.sl = {1.0, 0.4 / 16, 1.0};
  cfg.firms.sl = {4.0, 0.2 / 16, 1.0};
  cfg.workers.sl.diffusion = cfg.firms.sl.diffusion = "implicit";
  cfg.workers.a = 0.5, cfg.workers.b = 4.0, cfg.workers.C = 1.0;
  cfg.firms.a = 0.1, cfg.firms.b = 8.0, cfg.firms.C = 1.0;
  cfg.workers.initial = {"cosine", 1.2, 0.1, 2.0, 0.0};
  cfg.firms.initial = {"cosine", 0.8, 0.1, 2.0, M_PI / 2};
  cfg.tol = 1e-6;
  cfg.max_iter = 300;
  return cfg;
}

/// The same at Table 1's viscosities and T = 1, where Picard converges tightly (tol 1e-9).
inline MfgConfig coarse_table1_config() {
  MfgConfig cfg = coarse_test1a_config();
  cfg.T = 1.0;
  cfg.workers.sl.nu = 0.4, cfg.firms.sl.nu = 0.2;
  cfg.tol = 1e-9;
  return cfg;
}

}  // namespace migra::mfg::testing
