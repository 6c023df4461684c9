// veritape: command-line front end. See `veritape --help`.
#include <algorithm>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>

#include "commands.hpp"

int main(int argc, char** argv) {
  // CLI11 answers an unknown first word with "A subcommand is required": name it instead.
  if (argc > 1 && argv[1][0] != '-' && std::find_if(std::begin(vt::cli::kCommands), std::end(vt::cli::kCommands), [&](const char* c) {
                                         return std::string_view(c) == argv[1];
                                       }) == std::end(vt::cli::kCommands)) {
    std::string known;
    for (const char* c : vt::cli::kCommands) known += (known.empty() ? "" : ", ") + std::string(c);
    std::cerr << "veritape: unknown command '" << argv[1] << "' (commands: " << known << "; see --help)\n";
    return 2;
  }
  CLI::App app{"veritape: reverse-mode autodiff checked against an exact reference"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("veritape 0.1.0"));
  int result = 0;
  vt::cli::add_verify_command(app, result);
  vt::cli::add_fmt_command(app, result);
  vt::cli::add_ops_command(app, result);
  vt::cli::add_run_command(app, result);
  vt::cli::add_audit_command(app, result);
  vt::cli::add_train_command(app, result);
  vt::cli::add_check_command(app, result);
  vt::cli::add_prove_command(app, result);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return result;
}
