// migra: GPU-accelerated batch engine for spatial-interaction, migration and urban models.
// This executable does not load LibTorch; what needs it runs in migra-torch (torch_binary.hpp).
#include "host/cli/migra_main.hpp"
#include "host/cli/torch_binary.hpp"

int main(int argc, char** argv) {
  return migra::host::migra_main(argc, argv, {&migra::job::torch_free_task_kinds(), {},
                                              migra::host::exec_torch_binary_if_needed});
}
