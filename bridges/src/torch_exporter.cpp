#include "vt/bridge/torch_exporter.hpp"

#include <cstdlib>
#include <stdexcept>

#include "vt/bridge/subprocess.hpp"

namespace vt::bridge {

TorchExporter default_torch_exporter() {
  TorchExporter e;
  const char* python = std::getenv("VERITAPE_PYTHON");
  e.python = python && *python ? python : VT_TORCH_PYTHON;
  const char* dir = std::getenv("VERITAPE_TORCH_BRIDGE");
  e.package_dir = dir && *dir ? dir : VT_TORCH_BRIDGE_DIR;
  if (const char* t = std::getenv("VERITAPE_TORCH_TIMEOUT"); t && *t) {
    char* end = nullptr;
    const double seconds = std::strtod(t, &end);
    if (end == t || *end != '\0' || !(seconds > 0) || seconds > 86400)
      throw std::invalid_argument(std::string("VERITAPE_TORCH_TIMEOUT=") + t + ": expected seconds in (0, 86400]");
    e.timeout = std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
  }
  return e;
}

std::vector<std::pair<std::string, std::string>> bridge_environment(const TorchExporter& how) {
  const char* old = std::getenv("PYTHONPATH");
  return {{"PYTHONPATH", how.package_dir + (old && *old ? ":" + std::string(old) : "")}, {"PYTHONDONTWRITEBYTECODE", "1"}};
}

void export_torch_model(const TorchExporter& exporter, const std::string& model_py, const std::string& out_dir) {
  const ProcessResult r = run_process({exporter.python, "-m", "veritape_torch", "export", model_py, "--out", out_dir},
                                      bridge_environment(exporter), exporter.timeout);
  if (r.ok()) return;
  std::string why = r.err;
  while (!why.empty() && why.back() == '\n') why.pop_back();
  if (why.empty()) why = r.out;
  throw std::runtime_error("exporting " + model_py + " with " + exporter.python + " failed (" + r.status_text(exporter.timeout) +
                           ")" + (why.empty() ? "" : ":\n" + why));
}

}  // namespace vt::bridge
