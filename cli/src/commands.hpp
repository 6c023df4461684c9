#pragma once
// Each `veritape` subcommand registers itself on the CLI11 app and returns
// the exit code through `result`. Exit codes: 0 ok, 1 the check failed
// (invalid graph, failed contract), 2 bad usage or unreadable input.
#include <CLI/CLI.hpp>

#include <charconv>
#include <cstdint>
#include <string>

namespace vt::cli {

// Unsigned 64-bit options: CLI11 would wrap "-1" around to 2^64 - 1 and
// clamp a value past 2^64 - 1 to it.
inline CLI::Validator non_negative_integer() {
  return CLI::Validator(
      [](std::string& s) {
        std::uint64_t v = 0;
        const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || s.front() == '-' || r.ptr != s.data() + s.size())
          return std::string("must be a non-negative integer");
        if (r.ec == std::errc::result_out_of_range) return std::string("must be below 2^64");
        return std::string();
      },
      "UINT");
}

// The subcommands, for an unknown one's message.
inline constexpr const char* kCommands[] = {"verify", "fmt", "ops", "run", "audit", "train", "check", "prove"};

void add_verify_command(CLI::App& app, int& result);
void add_fmt_command(CLI::App& app, int& result);
void add_ops_command(CLI::App& app, int& result);
void add_audit_command(CLI::App& app, int& result);
void add_train_command(CLI::App& app, int& result);
void add_check_command(CLI::App& app, int& result);
void add_run_command(CLI::App& app, int& result);
void add_prove_command(CLI::App& app, int& result);

}  // namespace vt::cli
