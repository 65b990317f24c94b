#include "host/tasks/task_kinds.hpp"

namespace migra::job {

const TaskRegistry& builtin_task_kinds() {
  static const TaskRegistry registry = [] {
    TaskRegistry r;
    add_torch_free_task_kinds(r);
    r.add(tasks::gnn_train_task_kind());
    r.add(tasks::gnn_synth_task_kind());
    r.add(tasks::gnn_explain_task_kind());
    r.add(tasks::gnn_scenario_task_kind());
    r.add(tasks::pinn_fit_task_kind());
    r.add(tasks::pinn_invariant_task_kind());
    r.add(tasks::pinn_synth_task_kind());
    r.add(tasks::pinn_explain_task_kind());
    r.add(tasks::pinn_scenario_task_kind());
    return r;
  }();
  return registry;
}

}  // namespace migra::job
