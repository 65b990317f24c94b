// `migra <kind> ...`: every task kind as a subcommand whose options are the kind's parameters.
#include <memory>
#include <sstream>

#include "host/cli/commands.hpp"
#include "host/job/job_spec.hpp"
#include "kernels/core/error.hpp"

namespace migra::host {
namespace {

std::string help_of(const job::ParamSpec& p) {
  std::string h = p.help;
  if (!p.default_value.is_null() && p.type != job::ParamType::Bool)
    h += " [default: " + (p.default_value.is_string() ? p.default_value.get<std::string>() : p.default_value.dump()) + "]";
  return h;
}

struct CommandState {
  std::map<std::string, std::string> text;
  std::map<std::string, bool> flags;
  std::map<std::string, CLI::Option*> options;
  std::string device = "auto";
  std::uint64_t seed = 0;
  RunFlags run;
};

/// The raw JSON value of each option the user gave, converted by the parameter's type.
job::Params raw_params(const job::TaskKind& kind, const CommandState& st) {
  job::Params raw = job::Params::object();
  for (const auto& p : kind.params) {
    if (st.options.at(p.name)->count() == 0) continue;
    if (p.type == job::ParamType::Bool) { raw[p.name] = st.flags.at(p.name); continue; }
    const std::string& v = st.text.at(p.name);
    if (p.type == job::ParamType::Real) raw[p.name] = std::stod(v);  // CLI::Number checked it
    else if (p.type == job::ParamType::Int) raw[p.name] = std::stoll(v);
    else raw[p.name] = v;
  }
  return raw;
}

/// A kind named "group.verb" becomes `migra group verb`: the group's subcommand is made on
/// first use and requires one verb.
CLI::App* command_for(CLI::App& app, const job::TaskKind& kind) {
  const auto dot = kind.name.find('.');
  if (dot == std::string::npos) return app.add_subcommand(kind.name, kind.summary);
  const std::string group = kind.name.substr(0, dot);
  const auto found = app.get_subcommands([&](CLI::App* a) { return a->get_name() == group; });
  CLI::App* g = found.empty() ? app.add_subcommand(group, "The " + group + ".* task kinds (see their --help)") : found[0];
  g->require_subcommand(1);
  return g->add_subcommand(kind.name.substr(dot + 1), kind.summary);
}

void add_kind(CLI::App& app, const job::TaskKind& kind, const std::vector<std::string>& argv) {
  auto st = std::make_shared<CommandState>();
  CLI::App* c = command_for(app, kind);
  for (const auto& p : kind.params) {
    const std::string flag = "--" + p.name;
    CLI::Option* o;
    if (p.type == job::ParamType::Bool) {
      o = c->add_flag(flag, st->flags[p.name], help_of(p));
    } else {
      o = c->add_option(flag, st->text[p.name], help_of(p));
      if (!p.choices.empty()) o->check(CLI::IsMember(p.choices));
      if (p.type == job::ParamType::Real) o->check(CLI::Number)->type_name("NUMBER");
      if (p.type == job::ParamType::Int) o->check(CLI::TypeValidator<long long>("INTEGER"))->type_name("INT");
      if (p.type == job::ParamType::Path) o->type_name("FILE");
      if (p.required) o->required();
    }
    st->options[p.name] = o;
  }
  c->add_option("--device", st->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  if (kind.uses_seed) c->add_option("--seed", st->seed, "Random seed")->capture_default_str();
  add_run_flags(c, st->run, false);
  const job::TaskKind* k = &kind;
  c->callback([st, k, argv] {
    execute_job([&] { return job::make_cli_job(*k, raw_params(*k, *st), st->device, st->seed); },
                run_options(st->run, true, argv));
  });
}

}  // namespace

void register_task_commands(CLI::App& app, const std::vector<std::string>& argv, const job::TaskRegistry& kinds) {
  for (const auto& kind : kinds.kinds()) add_kind(app, kind, argv);
}

}  // namespace migra::host
