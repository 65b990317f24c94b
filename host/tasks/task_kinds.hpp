#pragma once
/// The task kinds migra provides, one file each; torch_free_task_kinds() (task_kinds.cpp) and
/// builtin_task_kinds() (torch_task_kinds.cpp, which adds the LibTorch-based ones) list them.
#include "host/job/task_kind.hpp"

namespace migra::job {
/// Adds the kinds that do not need LibTorch, in the order `migra --help` lists them.
void add_torch_free_task_kinds(TaskRegistry& r);
}  // namespace migra::job

namespace migra::tasks {

/// The names of a name -> value table, for a parameter's choices.
template <class Map>
std::vector<std::string> keys(const Map& m) {
  std::vector<std::string> k;
  for (const auto& [name, _] : m) k.push_back(name);
  return k;
}

/// Checks shared by the spatial-interaction kinds (flows, ensemble): parameters that belong to
/// one model only ('L' to io, 'beta' not to radiation or io, 'radiation-literal' to radiation).
std::vector<std::string> check_model_parameters(const job::Params& p);

job::TaskKind flows_task_kind();
job::TaskKind ensemble_task_kind();
job::TaskKind ripley_task_kind();
job::TaskKind ot_task_kind();
job::TaskKind mfg_task_kind();
job::TaskKind settle_fit_task_kind();
job::TaskKind settle_spread_task_kind();
job::TaskKind settle_simulate_task_kind();
job::TaskKind settle_synth_task_kind();
job::TaskKind gnn_train_task_kind();
job::TaskKind gnn_synth_task_kind();
job::TaskKind gnn_explain_task_kind();
job::TaskKind gnn_scenario_task_kind();
job::TaskKind pinn_fit_task_kind();
job::TaskKind pinn_invariant_task_kind();
job::TaskKind pinn_synth_task_kind();
job::TaskKind pinn_explain_task_kind();
job::TaskKind pinn_scenario_task_kind();

}  // namespace migra::tasks
