#include "host/job/params.hpp"

#include <cmath>

namespace migra::job {

const char* type_name(ParamType t) {
  switch (t) {
    case ParamType::String: return "a string";
    case ParamType::Path: return "a file path (string)";
    case ParamType::Real: return "a number";
    case ParamType::Int: return "an integer";
    case ParamType::Bool: return "true or false";
  }
  return "?";
}

std::optional<OutputRef> parse_output_ref(const std::string& value) {
  if (value.size() < 2 || value[0] != '@') return std::nullopt;
  const auto slash = value.find('/');
  if (slash == std::string::npos) return OutputRef{value.substr(1), ""};
  return OutputRef{value.substr(1, slash - 1), value.substr(slash + 1)};
}

std::string check_value(const ParamSpec& spec, const nlohmann::json& v) {
  const auto wrong = [&] { return "'" + spec.name + "' must be " + type_name(spec.type) + ", got " + v.dump(); };
  switch (spec.type) {
    case ParamType::String:
    case ParamType::Path:
      if (!v.is_string()) return wrong();
      if (spec.type == ParamType::Path && v.get<std::string>().empty()) return "'" + spec.name + "' is an empty path";
      if (!spec.choices.empty()) {
        for (const auto& c : spec.choices)
          if (c == v.get<std::string>()) return "";
        std::string list;
        for (const auto& c : spec.choices) list += (list.empty() ? "" : ", ") + c;
        return "'" + spec.name + "' must be one of " + list + ", got " + v.dump();
      }
      return "";
    case ParamType::Real:
    case ParamType::Int: {
      if (spec.type == ParamType::Int ? !v.is_number_integer() : !v.is_number()) return wrong();
      const double x = v.get<double>();
      if (!std::isfinite(x)) return "'" + spec.name + "' must be finite, got " + v.dump();
      if (spec.min && x < *spec.min)
        return "'" + spec.name + "' must be >= " + nlohmann::json(*spec.min).dump() + ", got " + v.dump();
      return "";
    }
    case ParamType::Bool:
      return v.is_boolean() ? "" : wrong();
  }
  return "";
}

std::vector<std::string> fill_defaults(const ParamSchema& schema, Params& params) {
  std::vector<std::string> missing;
  for (const auto& s : schema) {
    if (params.contains(s.name)) continue;
    if (s.required)
      missing.push_back("missing required parameter '" + s.name + "'");
    else if (!s.default_value.is_null())
      params[s.name] = s.default_value;
  }
  return missing;
}

const ParamSpec* find_param(const ParamSchema& schema, const std::string& name) {
  for (const auto& s : schema)
    if (s.name == name) return &s;
  return nullptr;
}

std::string canonical_key(std::string key) {
  for (char& c : key)
    if (c == '_') c = '-';
  return key;
}

}  // namespace migra::job
