#pragma once
/// main() of both executables: builds the CLI over a set of task kinds, starts MPI when
/// launched under mpirun/srun, parses and runs the chosen command, and maps errors to exit
/// statuses (2: bad input, 3: internal error).
#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "host/job/task_kind.hpp"

namespace migra::host {

struct MainSetup {
  const job::TaskRegistry* kinds;  ///< one subcommand each, and what job files may name
  /// Given (migra-torch): LibTorch's runtime description, and `migra info` is registered.
  std::function<std::string()> torch_description;
  /// Given (migra): called before MPI starts, with the app built over `kinds`; may exec the
  /// other binary and not return.
  std::function<void(const CLI::App&, const job::TaskRegistry&, int, char**)> hand_off;
};

int migra_main(int argc, char** argv, const MainSetup& setup);

}  // namespace migra::host
