#include "host/tasks/task_kinds.hpp"

namespace migra::job {

const TaskRegistry& builtin_task_kinds() {
  static const TaskRegistry registry = [] {
    TaskRegistry r;
    r.add(tasks::flows_task_kind());
    r.add(tasks::ensemble_task_kind());
    return r;
  }();
  return registry;
}

}  // namespace migra::job
