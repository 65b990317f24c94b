#pragma once
/// `migra` is built without the LibTorch-based task kinds (PINN, GraphSAGE), so that the
/// commands that do not need LibTorch start without its ~0.5 s of static initialisation. What
/// it cannot answer itself it hands, unchanged, to `migra-torch` in the same directory.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "host/job/task_kind.hpp"

namespace migra::host {

/// Whether the command line `args` (argv, program name first) needs migra-torch: no command
/// (top-level help, --version), a command `app` lacks (pinn, gnn, info, a typo: the whole CLI
/// answers), or `run`/`validate` of a job file naming a kind outside `kinds`. A job file is
/// any later argument that is a readable TOML file with [tasks.*] tables; one that does not
/// parse stays here, and its errors are reported here.
bool needs_torch_binary(const CLI::App& app, const std::vector<std::string>& args, const job::TaskRegistry& kinds);

/// When needs_torch_binary() holds, replaces this process by
/// migra-torch beside it with the same arguments and environment (so before MPI starts: a rank
/// launched by mpirun or srun becomes a migra-torch rank). Does not return then; if migra-torch
/// cannot be started, prints why and exits with status 2.
void exec_torch_binary_if_needed(const CLI::App& app, const job::TaskRegistry& kinds, int argc, char** argv);

}  // namespace migra::host
