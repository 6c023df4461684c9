#include "vt/bridge/torch_worker.hpp"

#include <bit>
#include <cstring>

#include "vt/bridge/child_process.hpp"
#include "vt/spec/text_format.hpp"

namespace vt::bridge {
namespace {

static_assert(std::endian::native == std::endian::little, "the protocol's payloads are little-endian");

// A reply header is one line; anything longer is not one.
constexpr std::size_t kMaxHeaderBytes = 16u << 20;
constexpr std::size_t kMaxPayloadBytes = std::size_t{1} << 33;

std::size_t dtype_bytes(spec::DType t) { return t == spec::DType::f32 ? 4 : 8; }

spec::DType parse_dtype(const nlohmann::json& j) {
  const std::string s = j.is_string() ? j.get<std::string>() : "";
  if (s == "f32") return spec::DType::f32;
  if (s == "f64") return spec::DType::f64;
  if (s == "i64") return spec::DType::i64;
  throw WorkerFault("reply tensor dtype " + j.dump() + " is not f32, f64 or i64");
}

std::string encode(const std::vector<double>& v, spec::DType t) {
  std::string out(v.size() * dtype_bytes(t), '\0');
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (t == spec::DType::f32) {
      const float f = static_cast<float>(v[i]);
      std::memcpy(out.data() + 4 * i, &f, 4);
    } else if (t == spec::DType::f64) {
      std::memcpy(out.data() + 8 * i, &v[i], 8);
    } else {
      const auto k = static_cast<std::int64_t>(v[i]);
      std::memcpy(out.data() + 8 * i, &k, 8);
    }
  }
  return out;
}

std::vector<double> decode(const char* p, std::size_t count, spec::DType t) {
  std::vector<double> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (t == spec::DType::f32) {
      float f;
      std::memcpy(&f, p + 4 * i, 4);
      out[i] = f;
    } else if (t == spec::DType::f64) {
      std::memcpy(&out[i], p + 8 * i, 8);
    } else {
      std::int64_t k;
      std::memcpy(&k, p + 8 * i, 8);
      out[i] = static_cast<double>(k);
    }
  }
  return out;
}

// The type of value `name`, or null when the graph has no such value.
const spec::TensorType* type_of(const spec::GraphData& g, const std::string& name) {
  for (const auto& a : g.args)
    if (a.name == name) return &a.type;
  for (const auto& n : g.nodes)
    if (n.name == name) return &n.type;
  return nullptr;
}

}  // namespace

TorchWorker::TorchWorker(const TorchExporter& how, std::vector<std::pair<std::string, std::string>> env) : how_(how) {
  for (auto& entry : bridge_environment(how)) env.push_back(std::move(entry));
  child_ = std::make_unique<ChildProcess>(std::vector<std::string>{how.python, "-m", "veritape_torch", "worker"}, env);
  const Message hello = read_message();
  if (hello.header.value("type", "") != "hello") fail("the first line is not a hello: " + hello.header.dump());
  const auto protocol = hello.header.value("protocol", -1);
  if (protocol != kWorkerProtocol)
    fail("the worker speaks protocol " + std::to_string(protocol) + ", veritape speaks " + std::to_string(kWorkerProtocol));
  torch_version_ = hello.header.value("torch", "?");
}

TorchWorker::~TorchWorker() {
  if (!child_) return;
  if (!broken_ && child_->write_stdin("{\"type\": \"shutdown\"}\n")) child_->close_stdin();
  child_->finish(Clock::now() + std::chrono::seconds(5));
}

void TorchWorker::fail(const std::string& why) {
  broken_ = true;
  std::string msg = "PyTorch worker (" + how_.python + " -m veritape_torch worker): " + why;
  if (child_) {
    child_->kill();
    const int status = child_->finish(Clock::now());
    msg += " [worker " + exit_text(status) + "]";
    std::string err = child_->err();
    while (!err.empty() && err.back() == '\n') err.pop_back();
    if (err.size() > 2000) err = "..." + err.substr(err.size() - 2000);
    if (!err.empty()) msg += "\nworker stderr:\n" + err;
  }
  throw WorkerFault(msg);
}

std::string TorchWorker::read_exact(std::size_t n, const char* what) {
  const auto deadline = Clock::now() + how_.timeout;
  while (buffer_.size() < n) {
    switch (child_->read_stdout(buffer_, deadline)) {
      case ChildProcess::Read::data: break;
      case ChildProcess::Read::timeout: fail(std::string("no ") + what + " within " + seconds_text(how_.timeout) + " (hung?)");
      case ChildProcess::Read::eof:
        fail(std::string("the worker closed its output ") + (buffer_.empty() ? "before the " : "in the middle of the ") + what +
             " (" + std::to_string(buffer_.size()) + " of " + std::to_string(n) + " bytes)");
    }
  }
  std::string out = buffer_.substr(0, n);
  buffer_.erase(0, n);
  return out;
}

TorchWorker::Message TorchWorker::read_message() {
  const auto deadline = Clock::now() + how_.timeout;
  std::size_t eol;
  while ((eol = buffer_.find('\n')) == std::string::npos) {
    if (buffer_.size() > kMaxHeaderBytes) fail("a reply header longer than 16 MiB (garbage on the protocol stream?)");
    switch (child_->read_stdout(buffer_, deadline)) {
      case ChildProcess::Read::data: break;
      case ChildProcess::Read::timeout: fail("no reply within " + seconds_text(how_.timeout) + " (hung?)");
      case ChildProcess::Read::eof:
        fail(buffer_.empty() ? "the worker exited without replying" : "the worker exited in the middle of a reply header");
    }
  }
  Message m;
  const std::string line = buffer_.substr(0, eol);
  buffer_.erase(0, eol + 1);
  try {
    m.header = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception&) {
    fail("a reply header that is not JSON: \"" + line.substr(0, 80) + (line.size() > 80 ? "...\"" : "\""));
  }
  if (!m.header.is_object()) fail("a reply header that is not a JSON object: " + line.substr(0, 80));
  if (!m.header.contains("tensors")) return m;
  try {
    const auto payload_bytes = m.header.at("payload").get<std::size_t>();
    if (payload_bytes > kMaxPayloadBytes) fail("a payload of " + std::to_string(payload_bytes) + " bytes");
    const std::string payload = read_exact(payload_bytes, "reply payload");
    std::size_t offset = 0;
    for (const auto& d : m.header.at("tensors")) {
      Tensor t;
      t.dtype = parse_dtype(d.at("dtype"));
      std::size_t count = 1;
      for (const auto& e : d.at("shape")) {
        const auto n = e.get<std::int64_t>();
        if (n < 0 || n > (std::int64_t{1} << 40)) fail("a reply tensor dimension " + std::to_string(n));
        t.shape.push_back(n);
        count *= static_cast<std::size_t>(n);
      }
      const std::size_t bytes = count * dtype_bytes(t.dtype);
      if (offset + bytes > payload.size())
        fail("reply tensor " + d.at("name").get<std::string>() + " runs past the payload (" + std::to_string(payload.size()) + " bytes)");
      t.values = decode(payload.data() + offset, count, t.dtype);
      offset += bytes;
      m.tensors[d.at("name").get<std::string>()] = std::move(t);
    }
    if (offset != payload.size()) fail("the payload holds " + std::to_string(payload.size() - offset) + " bytes no tensor describes");
  } catch (const nlohmann::json::exception& e) {
    fail(std::string("a malformed reply header: ") + e.what());
  } catch (const WorkerFault& e) {
    fail(e.what());
  }
  return m;
}

TorchWorker::Message TorchWorker::exchange(nlohmann::json header, const std::vector<std::pair<std::string, Tensor>>& tensors) {
  if (broken_) throw WorkerFault("PyTorch worker: unusable after an earlier fault");
  const long id = next_id_++;
  header["id"] = id;
  std::string payload;
  header["tensors"] = nlohmann::json::array();
  for (const auto& [name, t] : tensors) {
    header["tensors"].push_back({{"name", name}, {"dtype", spec::to_string(t.dtype)}, {"shape", t.shape}});
    payload += encode(t.values, t.dtype);
  }
  header["payload"] = payload.size();
  if (!child_->write_stdin(header.dump() + "\n" + payload)) fail("the worker stopped reading its input");
  Message reply = read_message();
  if (reply.header.value("id", -1L) != id) fail("a reply to request " + reply.header.value("id", nlohmann::json()).dump() + ", not " + std::to_string(id));
  if (reply.header.value("type", "") == "error")
    throw std::runtime_error("PyTorch worker: " + reply.header.value("message", std::string("an error without a message")));
  if (reply.header.value("type", "") != "result") fail("a reply of type " + reply.header.value("type", nlohmann::json()).dump());
  return reply;
}

std::vector<std::pair<std::string, TorchWorker::Tensor>> TorchWorker::argument_tensors(const spec::GraphData& g,
                                                                                      const std::map<std::string, std::vector<double>>& args) {
  std::vector<std::pair<std::string, Tensor>> in;
  for (const auto& a : g.args) in.push_back({a.name, Tensor{a.type.dtype, a.type.shape.dims(), ref::arg_values(args, a)}});
  return in;
}

void TorchWorker::expect_type(const std::string& key, const Tensor& t, const spec::TensorType* want, const std::string& value) {
  if (!want) fail("reply " + key + " names %" + value + ", which is no value of the graph");
  if (t.dtype != want->dtype || t.shape != want->shape.dims())
    fail("reply " + key + " is " + std::string(spec::to_string(t.dtype)) + to_string(spec::Shape(t.shape)) + ", but %" + value + " is " +
         to_string(*want));
}

ref::AuditData TorchWorker::run_graph(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args) {
  Message reply = exchange({{"type", "run_graph"}, {"graph", spec::print_vtg(g)}}, argument_tensors(g, args));
  ref::AuditData d;
  d.args = args;
  d.producer = "PyTorch " + torch_version_ + " (worker, cpu)";
  for (auto& [key, t] : reply.tensors) {
    const bool value = key.rfind("value.", 0) == 0, grad = key.rfind("grad.", 0) == 0;
    if (!value && !grad) fail("a reply tensor named '" + key + "' (expected value.<node> or grad.<value>)");
    const std::string name = key.substr(value ? 6 : 5);
    expect_type(key, t, type_of(g, name), name);
    bool is_arg = false;
    for (const auto& a : g.args) is_arg = is_arg || a.name == name;
    if (value && is_arg) fail("a reply value for argument %" + name);
    (value ? d.values : is_arg ? d.grads : d.node_grads)[name] = std::move(t.values);
  }
  for (const auto& n : g.nodes)
    if (!d.values.count(n.name)) fail("the reply has no value of %" + n.name);
  return d;
}

TorchWorker::OpResult TorchWorker::run_op(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args,
                                          const std::vector<double>& cotangent) {
  if (g.nodes.size() != 1 || g.outputs.size() != 1 || g.outputs[0].name != g.nodes[0].name)
    throw std::invalid_argument("run_op needs a graph of one node that is its output");
  const spec::Node& node = g.nodes[0];
  auto in = argument_tensors(g, args);
  in.push_back({"cotangent", Tensor{node.type.dtype, node.type.shape.dims(), cotangent}});
  Message reply = exchange({{"type", "run_op"}, {"graph", spec::print_vtg(g)}}, in);
  OpResult r;
  for (auto& [key, t] : reply.tensors) {
    std::size_t position = 0;
    if (key.rfind("dx.", 0) == 0) {
      position = std::strtoul(key.c_str() + 3, nullptr, 10);
      if (position >= node.inputs.size()) fail("reply " + key + " for an input the op does not have");
    } else if (key != "y") {
      fail("a reply tensor named '" + key + "' (expected y or dx.<i>)");
    }
    const std::string& value = key == "y" ? node.name : node.inputs[position].name;
    expect_type(key, t, type_of(g, value), value);
    (key == "y" ? r.y : r.dx[position]) = std::move(t.values);
  }
  if (r.y.size() != static_cast<std::size_t>(node.type.shape.numel())) fail("the reply has no value y");
  return r;
}

}  // namespace vt::bridge
