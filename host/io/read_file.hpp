#pragma once
/// Whole input files: bytes, or parsed JSON (another task's metrics, coefficients, models).
/// Errors name the file and throw migra::Error.
#include <string>

#include <nlohmann/json.hpp>

namespace migra::io {

/// The file's bytes; "PATH: cannot be read (reason)" otherwise.
std::string read_file(const std::string& path);

/// The file as JSON; "PATH: not valid JSON (parser message)" otherwise.
nlohmann::json read_json_file(const std::string& path);

}  // namespace migra::io
