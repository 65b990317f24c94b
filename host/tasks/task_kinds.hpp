#pragma once
/// The task kinds migra provides, one file each; builtin_task_kinds() lists them.
#include "host/job/task_kind.hpp"

namespace migra::tasks {

job::TaskKind flows_task_kind();
job::TaskKind ensemble_task_kind();

}  // namespace migra::tasks
