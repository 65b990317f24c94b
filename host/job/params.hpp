#pragma once
/// Task parameters, declared once per task kind and used twice: as the TOML keys of a job
/// file and as the options of the CLI subcommand (`min-distance` is `--min-distance` on the
/// command line and `min-distance = 1.0` in a job; `min_distance` is accepted as well).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace migra::job {

enum class ParamType {
  String,  ///< free text, or one of `choices`
  Path,    ///< an input file: a path (relative to the job file) or "@task/file", another
           ///< task's output, which makes this task depend on that one
  Real,
  Int,
  Bool     ///< a flag on the command line
};

struct ParamSpec {
  std::string name;
  ParamType type;
  std::string help;
  nlohmann::json default_value;       ///< null: none (the parameter is optional or required)
  std::vector<std::string> choices;   ///< allowed values of a String
  bool required = false;
  std::optional<double> min;          ///< inclusive lower bound of a Real or Int
};

using ParamSchema = std::vector<ParamSpec>;

/// Validated values keyed by ParamSpec::name, defaults filled in; absent optional ones absent.
using Params = nlohmann::json;

const char* type_name(ParamType t);

/// A task's reference to another's output: "@gravity/flows.csv" -> {"gravity", "flows.csv"}.
struct OutputRef {
  std::string task, file;
};
std::optional<OutputRef> parse_output_ref(const std::string& value);

/// Checks one value (already converted to JSON) against its spec; returns the message of the
/// first problem, or an empty string.
std::string check_value(const ParamSpec& spec, const nlohmann::json& value);

/// Adds the defaults of absent parameters; returns a message per missing required one.
std::vector<std::string> fill_defaults(const ParamSchema& schema, Params& params);

const ParamSpec* find_param(const ParamSchema& schema, const std::string& name);

/// `min_distance` -> `min-distance`: TOML users may write either.
std::string canonical_key(std::string key);

}  // namespace migra::job
