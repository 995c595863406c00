// Program, Sketch, Annotation and Task: names and the JSON form the tuning log stores.
#include "codegen/program.h"

#include <limits>

#include <nlohmann/json.hpp>

namespace agt::codegen {

namespace {
constexpr std::string_view kKnobNames[] = {
#define KNOB(Enum, name) name,
#include "codegen/knobs.def"
#undef KNOB
};
constexpr std::string_view kSketchNames[] = {
#define SKETCH(Enum, name, Accessor) name,
#include "codegen/sketches/sketches.def"
#undef SKETCH
};
}  // namespace

std::string_view SketchKindName(SketchKind k) { return kSketchNames[static_cast<size_t>(k)]; }

std::optional<SketchKind> ParseSketchKind(std::string_view name) {
  for (size_t i = 0; i < std::size(kSketchNames); ++i) {
    if (kSketchNames[i] == name) return static_cast<SketchKind>(i);
  }
  return std::nullopt;
}

std::string_view KnobName(Knob k) { return kKnobNames[static_cast<size_t>(k)]; }
std::optional<Knob> ParseKnob(std::string_view name) {
  for (size_t i = 0; i < kNumKnobs; ++i) {
    if (kKnobNames[i] == name) return static_cast<Knob>(i);
  }
  return std::nullopt;
}

std::string Annotation::ToString() const {
  std::string s;
  for (size_t i = 0; i < kNumKnobs; ++i) {
    if (!values_[i]) continue;
    if (!s.empty()) s += ' ';
    s += fmt::format("{}={}", kKnobNames[i], *values_[i]);
  }
  return s.empty() ? "(none)" : s;
}

nlohmann::json ToJson(const Program& p) {
  nlohmann::json knobs = nlohmann::json::object();
  for (size_t i = 0; i < kNumKnobs; ++i) {
    Knob k = static_cast<Knob>(i);
    if (p.annotation.has(k)) knobs[std::string(KnobName(k))] = p.annotation.get(k);
  }
  return nlohmann::json{
      {"task", {{"graph", p.task.graph_text}, {"precision", PrecisionName(p.task.precision)}, {"arch", p.task.arch}}},
      {"sketch", {{"kind", SketchKindName(p.sketch.kind)}, {"tensor_cores", p.sketch.tensor_cores}}},
      {"annotation", knobs}};
}

Expected<int64_t> JsonInteger(const nlohmann::json& v, std::string_view what) {
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return Status::Errorf("{} = {} is out of range", what, u);
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  return Status::Errorf("{} is not an integer: {}", what, v.dump().substr(0, 40));
}

Expected<Program> ProgramFromJson(const nlohmann::json& j) {
  // nlohmann throws on type errors; nothing may escape the library, so it is caught here.
  try {
    Program p;
    const auto& t = j.at("task");
    p.task.graph_text = t.at("graph").get<std::string>();
    std::string prec = t.at("precision").get<std::string>();
    auto pr = ParsePrecision(prec);
    if (!pr) return Status::Errorf("program JSON: unknown precision '{}'", prec);
    p.task.precision = *pr;
    p.task.arch = t.at("arch").get<std::string>();
    const auto& s = j.at("sketch");
    std::string kind = s.at("kind").get<std::string>();
    auto sk = ParseSketchKind(kind);
    if (!sk) return Status::Errorf("program JSON: unknown sketch kind '{}'", kind);
    p.sketch.kind = *sk;
    p.sketch.tensor_cores = s.value("tensor_cores", false);
    for (const auto& [name, value] : j.at("annotation").items()) {
      auto k = ParseKnob(name);
      if (!k) return Status::Errorf("program JSON: unknown knob '{}'", name);
      AGT_ASSIGN_OR_RETURN(int64_t x, JsonInteger(value, "program JSON: knob " + name));
      p.annotation.set(*k, x);
    }
    return p;
  } catch (const std::exception& e) {
    return Status::Errorf("program JSON is malformed: {}", e.what());
  }
}

std::string ProgramToJsonText(const Program& p) { return ToJson(p).dump(); }

Expected<Program> ProgramFromJsonText(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Error("program JSON does not parse");
  return ProgramFromJson(j);
}

}  // namespace agt::codegen
