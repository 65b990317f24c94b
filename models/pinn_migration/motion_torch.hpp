#pragma once
/// The batched RK4 path of integrate_motion on a LibTorch device (motion.hpp's MotionOptions::
/// device). λ of system k between grid points is the cubic Hermite of its values and PCHIP
/// slopes, evaluated for all B·N series at once. Returns B × N × times (times start at 0).
#include <string>
#include <vector>

#include "models/pinn_migration/pinn.hpp"

namespace migra::pinn {

std::vector<double> integrate_motion_torch(const Coefficients& c, const std::vector<double>& a, const std::vector<double>& grid,
                                           const std::vector<double>& lambda, const std::vector<double>& slopes, int B,
                                           const std::vector<double>& times, double dt, const std::string& device);

}  // namespace migra::pinn
