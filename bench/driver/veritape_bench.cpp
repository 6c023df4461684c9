// veritape-bench: runs every benchmark program beside it (bin/bench_*), each
// on one thread, and merges their results into one JSON object with the
// ratios against the peers measured in the same run:
//   <P>.eager_speedup_vs_libtorch     libtorch (eager) / our eager Session: like for like
//   <P>.compiled_speedup_vs_libtorch  libtorch (eager) / our compiled program
//                                     (P = mlp_bB, cnn, attn; chain.eager_speedup_vs_libtorch)
//   <P>.compiled_over_eager           our compiled program / our eager Session
//   mlp_bB.compiled_over_raw_blas, mlp_bB.compiled_over_limit
// Peers that were not built (no libtorch-dev) give null keys and a note.
//   build/bin/veritape-bench [--json]
#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The benchmark programs in this program's own folder, sorted by name.
std::vector<fs::path> benchmark_programs() {
  const fs::path self = fs::read_symlink("/proc/self/exe");
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(self.parent_path()))
    if (entry.is_regular_file() && entry.path().filename().string().starts_with("bench_")) found.push_back(entry.path());
  std::sort(found.begin(), found.end());
  return found;
}

// Runs `program --json` and parses what it prints; throws naming the program.
json run_benchmark(const fs::path& program) {
  const std::string command = "'" + program.string() + "' --json";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("cannot start " + program.string());
  std::string text;
  char buffer[4096];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe.get())) text.append(buffer, n);
  const int status = pclose(pipe.release());
  if (status != 0) throw std::runtime_error(program.filename().string() + " failed (status " + std::to_string(status) + ")");
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw std::runtime_error(program.filename().string() + " printed no JSON object: " + e.what());
  }
}

double number(const json& j, const std::string& key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

// Ratios against the peers, and null for peers that did not run.
void add_ratios(json& merged) {
  const bool have_torch = merged.contains("mlp_b1.libtorch_ms");
  if (!have_torch) merged["libtorch.note"] = "libtorch-dev was not installed at build time: libtorch peers skipped";
  for (const char* key : {"mlp_b1.libtorch_ms", "mlp_b16.libtorch_ms", "mlp_b128.libtorch_ms", "chain.libtorch_us_per_step",
                          "cnn.libtorch_ms", "attn.libtorch_ms"})
    if (!merged.contains(key)) merged[key] = nullptr;
  for (const std::string p : {"mlp_b1", "mlp_b16", "mlp_b128"}) {
    const double ours = number(merged, p + ".compiled_ms"), raw = number(merged, p + ".raw_blas_ms"),
                 limit = number(merged, p + ".limit_ms");
    if (ours > 0 && raw > 0) merged[p + ".compiled_over_raw_blas"] = ours / raw;
    if (ours > 0 && limit > 0) merged[p + ".compiled_over_limit"] = ours / limit;
  }
  for (const std::string p : {"mlp_b1", "mlp_b16", "mlp_b128", "cnn", "attn"}) {
    const double compiled = number(merged, p + ".compiled_ms"), eager = number(merged, p + ".eager_ms"),
                 torch = number(merged, p + ".libtorch_ms");
    if (eager > 0 && torch > 0) merged[p + ".eager_speedup_vs_libtorch"] = torch / eager;
    if (compiled > 0 && torch > 0) merged[p + ".compiled_speedup_vs_libtorch"] = torch / compiled;
    if (compiled > 0 && eager > 0) merged[p + ".compiled_over_eager"] = compiled / eager;
  }
  const double chain = number(merged, "chain.us_per_step"), chain_torch = number(merged, "chain.libtorch_us_per_step");
  if (chain > 0 && chain_torch > 0) merged["chain.eager_speedup_vs_libtorch"] = chain_torch / chain;
}

}  // namespace

int main(int argc, char** argv) {
  const bool as_json = argc > 1 && std::strcmp(argv[1], "--json") == 0;
  if (argc > 2 || (argc == 2 && !as_json)) {
    std::fprintf(stderr, "usage: veritape-bench [--json]\n");
    return 2;
  }
  // Every peer on one thread, ours included (the programs read these too).
  setenv("OPENBLAS_NUM_THREADS", "1", 1);
  setenv("OMP_NUM_THREADS", "1", 1);
  try {
    const auto programs = benchmark_programs();
    if (programs.empty()) throw std::runtime_error("no bench_* programs beside veritape-bench; build the bench targets");
    json merged = json::object();
    for (const auto& program : programs) {
      if (!as_json) fmt::print(stderr, "running {}\n", program.filename().string());
      merged.update(run_benchmark(program));
    }
    add_ratios(merged);
    if (as_json) {
      fmt::print("{}\n", merged.dump(2));
    } else {
      for (const auto& [key, value] : merged.items()) fmt::print("{:<40} {}\n", key, value.dump());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "veritape-bench: %s\n", e.what());
    return 1;
  }
}
