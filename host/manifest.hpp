#pragma once
/// manifest.json of a run directory: the command, migra's version and build, the device
/// used, timings, and the SHA-256 and size of every output.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace migra::host {

/// The fields every manifest starts with.
nlohmann::json manifest_header(const std::vector<std::string>& argv);

/// UTC now as ISO 8601.
std::string utc_timestamp();

/// Creates `dir` and its parents if missing; throws migra::Error naming it otherwise.
void ensure_directory(const std::string& dir);

}  // namespace migra::host
