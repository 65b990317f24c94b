#include "host/tasks/task_kinds.hpp"

namespace migra::job {

void add_torch_free_task_kinds(TaskRegistry& r) {
  r.add(tasks::flows_task_kind());
  r.add(tasks::ensemble_task_kind());
  r.add(tasks::ripley_task_kind());
  r.add(tasks::ot_task_kind());
  r.add(tasks::mfg_task_kind());
  r.add(tasks::settle_fit_task_kind());
  r.add(tasks::settle_spread_task_kind());
  r.add(tasks::settle_simulate_task_kind());
  r.add(tasks::settle_synth_task_kind());
}

const TaskRegistry& torch_free_task_kinds() {
  static const TaskRegistry registry = [] {
    TaskRegistry r;
    add_torch_free_task_kinds(r);
    return r;
  }();
  return registry;
}

}  // namespace migra::job

namespace migra::tasks {

std::vector<std::string> check_model_parameters(const job::Params& p) {
  std::vector<std::string> problems;
  const std::string model = p.value("model", "");
  if (p.contains("L") && model != "io") problems.push_back("'L' applies to model io only");
  if (p.contains("beta") && (model == "radiation" || model == "io"))
    problems.push_back("'beta' does not apply to model " + model + " (it has no deterrence function)");
  if (p.value("radiation-literal", false) && model != "radiation")
    problems.push_back("'radiation-literal' applies to model radiation only");
  return problems;
}

}  // namespace migra::tasks
