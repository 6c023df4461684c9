// veritape: command-line front end. See `veritape --help`.
#include <iostream>

#include "commands.hpp"

int main(int argc, char** argv) {
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return result;
}
