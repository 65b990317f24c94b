#pragma once
/// The `migra` subcommands. Each registers its options on the app and runs when chosen;
/// errors are thrown as migra::Error and turned into exit status 2 by main().
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace migra::host {

void register_flows(CLI::App& app, const std::vector<std::string>& argv);
void register_info(CLI::App& app);

}  // namespace migra::host
