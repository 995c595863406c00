// JSON lines of the measurer <-> worker protocol (see worker_protocol.h).
#include "tuner/worker_protocol.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace agt::tuner {

namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string HexEncode(const std::vector<uint8_t>& b) {
  std::string s(b.size() * 2, '0');
  for (size_t i = 0; i < b.size(); ++i) {
    s[2 * i] = kHex[b[i] >> 4];
    s[2 * i + 1] = kHex[b[i] & 15];
  }
  return s;
}

Expected<std::vector<uint8_t>> HexDecode(const std::string& s) {
  if (s.size() % 2 != 0) return Status::Error("odd hex length");
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::vector<uint8_t> b(s.size() / 2);
  for (size_t i = 0; i < b.size(); ++i) {
    int hi = nib(s[2 * i]), lo = nib(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return Status::Error("bad hex digit");
    b[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return b;
}

template <typename F>
auto Parse(std::string_view line, const char* what, F&& f) -> decltype(f(std::declval<const nlohmann::json&>())) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded()) return Status::Errorf("{}: not valid JSON", what);
  try {
    return f(j);
  } catch (const std::exception& e) {
    return Status::Errorf("{}: {}", what, e.what());
  }
}

}  // namespace

bool EarlyCut(const std::vector<double>& times_us, double cut_us, int cut_after) {
  if (!(cut_us > 0) || cut_after < 1 || times_us.size() < static_cast<size_t>(cut_after)) return false;
  std::vector<double> t = times_us;
  std::sort(t.begin(), t.end());
  const size_t n = t.size();
  const double median = n % 2 == 1 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
  return median > cut_us;
}

double Tolerance(ir::Precision p) {
  switch (p) {
    case ir::Precision::kFP32: return 1e-4;
    case ir::Precision::kTF32: return 5e-3;
    default: return 2e-2;
  }
}

std::string HelloToLine(const WorkerHello& h) {
  return nlohmann::json{{"hello", h.ok}, {"error", h.error}, {"gpu", h.gpu}, {"arch", h.arch}, {"driver", h.driver},
                        {"device", h.device}, {"devices", h.devices}}.dump();
}

Expected<WorkerHello> HelloFromLine(std::string_view line) {
  return Parse(line, "worker hello", [](const nlohmann::json& j) -> Expected<WorkerHello> {
    WorkerHello h;
    h.ok = j.at("hello").get<bool>();
    h.error = j.value("error", "");
    h.gpu = j.value("gpu", "");
    h.arch = j.value("arch", "");
    h.driver = j.value("driver", "");
    h.device = j.value("device", 0);
    h.devices = j.value("devices", 0);
    return h;
  });
}

namespace {

// A launch spec's explicit parameter list: [[kind, value], ...] (empty: the default list).
nlohmann::json ArgsToJson(const codegen::LaunchSpec& l) {
  nlohmann::json a = nlohmann::json::array();
  for (const codegen::LaunchArg& x : l.args) a.push_back({static_cast<int>(x.kind), x.value});
  return a;
}

nlohmann::json TensorMapsToJson(const codegen::LaunchSpec& l) {
  nlohmann::json a = nlohmann::json::array();
  for (const codegen::TensorMapOperand& t : l.tensor_maps) {
    a.push_back({t.input, t.offset_bytes, t.element, t.rows, t.cols, t.row_stride_bytes, t.box_rows, t.box_cols, t.swizzle});
  }
  return a;
}

Status ArgsFromJson(const nlohmann::json& args, const nlohmann::json& maps, codegen::LaunchSpec* l) {
  for (const auto& x : args) {
    int kind = x.at(0).get<int>();
    if (kind < 0 || kind > static_cast<int>(codegen::LaunchArgKind::kI32)) return Status::Errorf("measure request: argument kind {}", kind);
    l->args.push_back({static_cast<codegen::LaunchArgKind>(kind), x.at(1).get<int64_t>()});
  }
  for (const auto& x : maps) {
    codegen::TensorMapOperand t;
    t.input = x.at(0).get<int>();
    t.offset_bytes = x.at(1).get<uint64_t>();
    t.element = x.at(2).get<int>();
    t.rows = x.at(3).get<uint64_t>();
    t.cols = x.at(4).get<uint64_t>();
    t.row_stride_bytes = x.at(5).get<uint64_t>();
    t.box_rows = x.at(6).get<uint32_t>();
    t.box_cols = x.at(7).get<uint32_t>();
    t.swizzle = x.at(8).get<int>();
    l->tensor_maps.push_back(t);
  }
  return Status::Ok();
}

}  // namespace

std::string RequestToLine(const MeasureRequest& r) {
  const codegen::LaunchSpec& l = r.launch;
  return nlohmann::json{{"id", r.id},
                        {"graph", r.graph_text},
                        {"precision", ir::PrecisionName(r.precision)},
                        {"cubin", HexEncode(r.cubin)},
                        {"kernel", l.kernel_name},
                        {"grid", l.grid},
                        {"block", l.block},
                        {"smem", l.dynamic_smem_bytes},
                        {"inputs", l.num_inputs},
                        {"outputs", l.num_outputs},
                        {"workspace", l.workspace_bytes},
                        {"args", ArgsToJson(l)},
                        {"tensor_maps", TensorMapsToJson(l)},
                        {"programmatic", l.programmatic},
                        {"co_resident", l.co_resident},
                        {"warmup", r.warmup},
                        {"repeats", r.repeats},
                        {"check", r.check},
                        {"seed", r.input_seed},
                        {"cut_us", r.cut_us},
                        {"cut_after", r.cut_after}}
      .dump();
}

Expected<MeasureRequest> RequestFromLine(std::string_view line) {
  return Parse(line, "measure request", [](const nlohmann::json& j) -> Expected<MeasureRequest> {
    MeasureRequest r;
    r.id = j.at("id").get<int64_t>();
    r.graph_text = j.at("graph").get<std::string>();
    auto p = ir::ParsePrecision(j.at("precision").get<std::string>());
    if (!p) return Status::Error("measure request: unknown precision");
    r.precision = *p;
    AGT_ASSIGN_OR_RETURN(r.cubin, HexDecode(j.at("cubin").get<std::string>()));
    r.launch.kernel_name = j.at("kernel").get<std::string>();
    r.launch.grid = j.at("grid").get<std::array<uint32_t, 3>>();
    r.launch.block = j.at("block").get<std::array<uint32_t, 3>>();
    r.launch.dynamic_smem_bytes = j.at("smem").get<uint32_t>();
    r.launch.num_inputs = j.at("inputs").get<int>();
    r.launch.num_outputs = j.at("outputs").get<int>();
    r.launch.workspace_bytes = j.at("workspace").get<uint64_t>();
    AGT_RETURN_IF_ERROR(ArgsFromJson(j.value("args", nlohmann::json::array()), j.value("tensor_maps", nlohmann::json::array()), &r.launch));
    r.launch.programmatic = j.value("programmatic", false);
    r.launch.co_resident = j.value("co_resident", false);
    r.warmup = j.at("warmup").get<int>();
    r.repeats = j.at("repeats").get<int>();
    r.check = j.at("check").get<bool>();
    r.input_seed = j.at("seed").get<uint64_t>();
    r.cut_us = j.value("cut_us", 0.0);
    r.cut_after = j.value("cut_after", 3);
    return r;
  });
}

std::string ResponseToLine(const MeasureResponse& r) {
  return nlohmann::json{{"id", r.id},
                        {"error", records::MeasureErrorName(r.result.error)},
                        {"message", r.result.message},
                        {"median_us", r.result.median_us},
                        {"times_us", r.result.times_us},
                        {"rel_error", r.result.rel_error},
                        {"cut", r.result.cut},
                        {"fatal", r.fatal}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Expected<MeasureResponse> ResponseFromLine(std::string_view line) {
  return Parse(line, "measure response", [](const nlohmann::json& j) -> Expected<MeasureResponse> {
    MeasureResponse r;
    r.id = j.at("id").get<int64_t>();
    auto e = records::ParseMeasureError(j.at("error").get<std::string>());
    if (!e) return Status::Error("measure response: unknown error kind");
    r.result.error = *e;
    r.result.message = j.value("message", "");
    r.result.median_us = j.value("median_us", 0.0);
    r.result.times_us = j.value("times_us", std::vector<double>{});
    r.result.rel_error = j.value("rel_error", 0.0);
    r.result.cut = j.value("cut", false);
    r.fatal = j.value("fatal", false);
    return r;
  });
}

}  // namespace agt::tuner
