#pragma once
/// The checkpointing of a models/ fit (PINN epochs, GraphSAGE steps) inside a task: it resumes
/// from the task's checkpoint, the fit offers its state every `every` iterations, and a state
/// reaches disk at most every checkpoint_every_s() seconds.
#include <chrono>
#include <memory>
#include <string>

#include "host/job/task_kind.hpp"
#include "models/checkpointing.hpp"

namespace migra::tasks {

inline models::Checkpointing fit_checkpointing(job::TaskContext& ctx, int every) {
  models::Checkpointing ck;
  ck.initial = ctx.load_checkpoint();
  if (!ck.initial.empty()) ctx.log("resuming from a checkpoint");
  ck.every = every;
  auto last_save = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  ck.save = [&ctx, last_save](const models::StateBytes& state) {
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - *last_save).count() < ctx.checkpoint_every_s()) return;
    ctx.save_checkpoint(state());
    *last_save = now;
  };
  return ck;
}

}  // namespace migra::tasks
