#pragma once
// Each `veritape` subcommand registers itself on the CLI11 app and returns
// the exit code through `result`. Exit codes: 0 ok, 1 the check failed
// (invalid graph, failed contract), 2 bad usage or unreadable input.
#include <CLI/CLI.hpp>

namespace vt::cli {

// Unsigned options: CLI11 would wrap "-1" around to 2^64 - 1.
inline CLI::Validator non_negative_integer() {
  return CLI::Validator(
      [](std::string& s) { return s.empty() || s.front() == '-' ? std::string("must be a non-negative integer") : std::string(); },
      "UINT");
}

void add_verify_command(CLI::App& app, int& result);
void add_fmt_command(CLI::App& app, int& result);
void add_ops_command(CLI::App& app, int& result);
void add_audit_command(CLI::App& app, int& result);
void add_train_command(CLI::App& app, int& result);
void add_check_command(CLI::App& app, int& result);
void add_run_command(CLI::App& app, int& result);

}  // namespace vt::cli
