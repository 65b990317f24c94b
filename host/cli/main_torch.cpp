// migra-torch: the whole migra CLI, LibTorch-based models (papers 000 and 002) included.
// `migra` execs it for the commands that need them; it can also be called directly.
#include "host/cli/migra_main.hpp"
#include "models/torch_runtime.hpp"

int main(int argc, char** argv) {
  return migra::host::migra_main(argc, argv, {&migra::job::builtin_task_kinds(), migra::models::torch_description, {}});
}
