#pragma once
/// How a long fit (PINN epochs, GraphSAGE steps, MFG iterations) checkpoints: `initial` (bytes
/// from an earlier save, or empty) is resumed from; `save` is offered the whole training state
/// (model, optimiser, history) every `every` iterations, so a killed fit continues to the same
/// result. The caller decides how often a save reaches disk, and the state is offered as a
/// maker of its bytes, called only for a save that is due: serialising a model and its
/// optimiser is not free (for a PINN fit logging every epoch it was a fifth of each epoch).
#include <functional>
#include <string>

namespace migra::models {

using StateBytes = std::function<std::string()>;

struct Checkpointing {
  std::string initial;
  int every = 0;
  std::function<void(const StateBytes&)> save;
};

}  // namespace migra::models
