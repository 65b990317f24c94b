#pragma once
/// How a long fit (PINN epochs, GraphSAGE steps) checkpoints: `initial` (bytes from an earlier
/// save, or empty) is resumed from; `save` gets the whole training state every `every`
/// iterations (model, optimiser, history), so a killed fit continues to the same result. The
/// caller decides how often a save reaches disk.
#include <functional>
#include <string>

namespace migra::models {

struct Checkpointing {
  std::string initial;
  int every = 0;
  std::function<void(const std::string&)> save;
};

}  // namespace migra::models
