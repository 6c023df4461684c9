#include "torch_export_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "audit_inputs.hpp"
#include "graph_loading.hpp"
#include "json_file.hpp"
#include "vt/spec/verifier.hpp"

namespace vt::cli {
namespace {

std::string text_of(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j.at(key).is_string()) throw std::runtime_error(where + ": expected a string '" + key + "'");
  return j.at(key).get<std::string>();
}

// "fx node linear_1 (linear) at examples/torch/mlp.py:21"
std::string origin_text(const nlohmann::json& entry) {
  const auto str = [&](const char* k) { return entry.contains(k) && entry.at(k).is_string() ? entry.at(k).get<std::string>() : std::string(); };
  const std::string fx = str("fx"), call = str("call"), source = str("source");
  std::string s = fx.empty() ? call : "fx node " + fx + (call.empty() ? "" : " (" + call + ")");
  if (!source.empty()) s += " at " + source;
  return s;
}

}  // namespace

TorchExport load_torch_export(const std::string& dir) {
  namespace fs = std::filesystem;
  for (const char* f : {"model.vtg", "values.npz", "meta.json"})
    if (!fs::is_regular_file(fs::path(dir) / f))
      throw std::runtime_error(dir + ": no " + f + " (a folder written by `python3 -m veritape_torch export`)");
  TorchExport e;
  const std::string vtg = (fs::path(dir) / "model.vtg").string(), meta_path = (fs::path(dir) / "meta.json").string();
  e.graph = load_graph(vtg);
  spec::verify_or_throw(e.graph, vtg);
  e.data = load_audit_data((fs::path(dir) / "values.npz").string(), e.graph);
  const nlohmann::json meta = read_json_file(meta_path);
  if (!meta.is_object()) throw std::runtime_error(meta_path + ": expected a JSON object");
  e.data.producer = "PyTorch " + text_of(meta, "torch", meta_path) + " (" + text_of(meta, "device", meta_path) + ", " +
                    text_of(meta, "dtype", meta_path) + ") running " + text_of(meta, "model", meta_path);
  if (meta.contains("nodes")) {
    if (!meta.at("nodes").is_object()) throw std::runtime_error(meta_path + ": 'nodes' must be an object of value name: origin");
    for (const auto& [name, entry] : meta.at("nodes").items())
      if (entry.is_object()) e.data.origins[name] = origin_text(entry);
  }
  return e;
}

ScratchDir::ScratchDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "veritape-torch-XXXXXX").string();
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) throw std::runtime_error("cannot create a temporary folder: " + std::string(std::strerror(errno)));
  path_ = buf.data();
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);  // best effort: a leftover temp folder is not worth a crash
}

}  // namespace vt::cli
