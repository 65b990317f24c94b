#include "host/cli/torch_binary.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <toml++/toml.h>

#include "host/cli/commands.hpp"

namespace migra::host {
namespace {

/// Whether `path` is a job file that names a task kind outside `kinds`.
bool job_names_other_kinds(const std::string& path, const job::TaskRegistry& kinds) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  try {
    const toml::table job = toml::parse_file(path);
    const toml::table* tasks = job["tasks"].as_table();
    if (!tasks) return false;
    for (const auto& [name, task] : *tasks) {
      const toml::table* t = task.as_table();
      const auto kind = t ? (*t)["kind"].value<std::string>() : std::nullopt;
      if (kind && !kinds.find(*kind)) return true;
    }
  } catch (const toml::parse_error&) {
  }
  return false;
}

}  // namespace

bool needs_torch_binary(const CLI::App& app, const std::vector<std::string>& args, const job::TaskRegistry& kinds) {
  const std::size_t at = command_position(args);
  if (at == args.size()) return true;
  const std::string& command = args[at];
  const auto here = app.get_subcommands([&](const CLI::App* c) { return c->get_name() == command; });
  if (here.empty()) return true;
  if (command != "run" && command != "validate") return false;
  for (std::size_t i = at + 1; i < args.size(); ++i)
    if (job_names_other_kinds(args[i], kinds)) return true;
  return false;
}

void exec_torch_binary_if_needed(const CLI::App& app, const job::TaskRegistry& kinds, int argc, char** argv) {
  if (!needs_torch_binary(app, std::vector<std::string>(argv, argv + argc), kinds)) return;
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::string torch = (ec ? std::filesystem::path(argv[0]) : self).parent_path() / "migra-torch";
  execv(torch.c_str(), argv);
  std::fprintf(stderr, "migra: error: this command needs migra-torch (the LibTorch build of migra), "
                       "which could not be started from %s: %s\n", torch.c_str(), std::strerror(errno));
  std::exit(2);
}

}  // namespace migra::host
