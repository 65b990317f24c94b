#pragma once
/// The MFG configuration file (TOML) of `migra mfg --config CFG.toml`: tables [mfg], [workers]
/// and [firms], every key optional (defaults: paper 001's Table 1 and spec §3.8). Unknown keys
/// and wrong types are errors naming the file, line and key.
///
///   [mfg]      T dt dx eps cost potential r eta rent-kernel (ball|gaussian) rent-smoothing tol max-iter theta
///              solver (picard|newton|arclength) krylov arclength-parameter (nu|C|b)
///              arclength-to arclength-step arclength-points
///              a-max n-alpha refine-controls control-temperature
///              ot separation overcrowding ot-tol ot-max-iter
///   [workers]  lambda nu h a b C branches overshoot (onward|all) diffusion (branches|implicit)   initial = { kind, base, amplitude, mode, phase, cx, cy, width }
///   [firms]    (the same)
#include <string>

#include "models/city_mfg/mfg.hpp"

namespace migra::tasks {

/// Defaults of Table 1 (workers: lambda 1, nu 0.4, a 0.5, b 4; firms: lambda 4, nu 0.2, a 0.1,
/// b 8; h = C = 1; eps 0.5; T 2; linear cost; r 0.1; eta 0.01) and §3.8 (dx 0.01, dt 0.05).
mfg::MfgConfig default_mfg_config();
/// Reads a config file over the defaults; throws migra::Error listing every problem.
mfg::MfgConfig read_mfg_config(const std::string& path);
mfg::MfgConfig parse_mfg_config(const std::string& text, const std::string& name);

}  // namespace migra::tasks
