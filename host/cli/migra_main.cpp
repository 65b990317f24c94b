// The migra command line, shared by the two executables (`migra` and `migra-torch`).
#include "host/cli/migra_main.hpp"

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "host/build_info.hpp"
#include "host/cli/commands.hpp"
#include "host/mpi/mpi_world.hpp"
#include "kernels/core/error.hpp"

namespace migra::host {
namespace {

/// Errors print on rank 0 only under MPI (every rank validates the same job).
void print_error(const char* kind, const char* what) {
  const auto* world = mpi_world();
  if (world && world->rank() != 0) return;
  std::fprintf(stderr, "migra: %s: %s\n", kind, what);
}

/// CLI11 answers an unknown command with "A subcommand is required"; this names it and the
/// commands there are. Null when the first word is a command (or there is none).
std::optional<std::string> unknown_command(const CLI::App& app, const std::vector<std::string>& args) {
  const std::size_t at = command_position(args);
  if (at == args.size()) return std::nullopt;
  std::string names;
  for (const CLI::App* c : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (c->get_name() == args[at]) return std::nullopt;
    names += (names.empty() ? "" : ", ") + c->get_name();
  }
  return "unknown command '" + args[at] + "' (the commands are " + names + "; migra --help says more)";
}

int parse_and_run(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  } catch (const Error& e) {
    print_error("error", e.what());
    return 2;
  } catch (const std::exception& e) {
    print_error("internal error", e.what());
    return 3;
  }
  return 0;
}

}  // namespace

int migra_main(int argc, char** argv, const MainSetup& setup) {
  const std::vector<std::string> args(argv, argv + argc);
  CLI::App app{"migra " MIGRA_VERSION
               ": batch engine for spatial-interaction, migration and urban-dynamics models"};
  app.set_version_flag("--version", std::string("migra ") + MIGRA_VERSION + " (" + MIGRA_GIT_COMMIT + ")");
  app.require_subcommand(1);
  register_run(app, args, *setup.kinds);
  register_task_commands(app, args, *setup.kinds);
  if (setup.torch_description) register_info(app, setup.torch_description);
  if (setup.hand_off) setup.hand_off(app, *setup.kinds, argc, argv);  // may not return
  if (const auto unknown = unknown_command(app, args)) {
    print_error("error", unknown->c_str());
    return 2;
  }
  mpi_start(argc, argv);
  const int status = parse_and_run(app, argc, argv);
  mpi_finish();
  return status;
}

}  // namespace migra::host
