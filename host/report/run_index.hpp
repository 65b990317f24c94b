#pragma once
/// index.md of a run directory: what the job was, where it ran, a table of its tasks, a CPC
/// chart when several tasks were scored, and per task its summary, outputs (linked, with
/// sizes) and figures (every .svg it wrote, embedded). Written from manifest.json.
#include <nlohmann/json.hpp>
#include <string>

namespace migra::report {

/// Writes RUN_DIR/index.md (and cpc.svg when there is something to compare).
void write_run_index(const std::string& run_dir, const nlohmann::json& manifest);

}  // namespace migra::report
