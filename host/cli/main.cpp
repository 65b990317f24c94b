// migra: GPU-accelerated batch engine for spatial-interaction, migration and urban models.
#include <cstdio>
#include <string>
#include <vector>

#include "host/build_info.hpp"
#include "host/cli/commands.hpp"
#include "host/mpi/mpi_world.hpp"
#include "kernels/core/error.hpp"

namespace {
int run_cli(int argc, char** argv);
}

int main(int argc, char** argv) {
  migra::host::mpi_start(argc, argv);
  const int status = run_cli(argc, argv);
  migra::host::mpi_finish();
  return status;
}

namespace {

/// Errors print on rank 0 only under MPI (every rank validates the same job).
void print_error(const char* kind, const char* what) {
  const auto* world = migra::host::mpi_world();
  if (world && world->rank() != 0) return;
  std::fprintf(stderr, "migra: %s: %s\n", kind, what);
}

int run_cli(int argc, char** argv) {
  const std::vector<std::string> args(argv, argv + argc);
  CLI::App app{"migra " MIGRA_VERSION
               ": batch engine for spatial-interaction, migration and urban-dynamics models"};
  app.set_version_flag("--version", std::string("migra ") + MIGRA_VERSION + " (" + MIGRA_GIT_COMMIT + ")");
  app.require_subcommand(1);
  migra::host::register_run(app, args);
  migra::host::register_task_commands(app, args);
  migra::host::register_info(app);
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
  } catch (const migra::Error& e) {
    print_error("error", e.what());
    return 2;
  } catch (const std::exception& e) {
    print_error("internal error", e.what());
    return 3;
  }
  return 0;
}

}  // namespace
