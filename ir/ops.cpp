// The op table, assembled from ops.def and the Describe* functions of each family file.
#include "ir/ops.h"

#include <array>

namespace agt::ir {

std::string_view OpPatternName(OpPattern p) {
  switch (p) {
    case OpPattern::kElemWise: return "elemwise";
    case OpPattern::kBroadcast: return "broadcast";
    case OpPattern::kInjective: return "injective";
    case OpPattern::kCommReduce: return "reduction";
    case OpPattern::kOutEWiseFusable: return "out-fusable";
    case OpPattern::kOpaque: return "opaque";
  }
  return "?";
}

namespace {
using Table = std::array<OpInfo, static_cast<size_t>(OpKind::kCount)>;

Table BuildTable() {
  return Table{{
#define OP(Enum, name, pattern) OpInfo{OpKind::k##Enum, name, OpPattern::pattern, Describe##Enum()},
#include "ir/ops.def"
#undef OP
  }};
}
}  // namespace

const OpInfo& GetOpInfo(OpKind kind) {
  static const Table table = BuildTable();
  return table[static_cast<size_t>(kind)];
}

std::string_view OpName(OpKind kind) { return GetOpInfo(kind).name; }

std::optional<OpKind> ParseOpKind(std::string_view name) {
  for (size_t i = 0; i < static_cast<size_t>(OpKind::kCount); ++i) {
    if (GetOpInfo(static_cast<OpKind>(i)).name == name) return static_cast<OpKind>(i);
  }
  return std::nullopt;
}

Status CheckAndFillAttrs(OpKind kind, Attrs& attrs) {
  const OpInfo& info = GetOpInfo(kind);
  for (const auto& [key, value] : attrs.items()) {
    const AttrSpec* spec = nullptr;
    for (const AttrSpec& s : info.def.attrs) {
      if (s.key == key) spec = &s;
    }
    if (spec == nullptr) {
      return Status::Errorf("op '{}' has no attribute '{}'", info.name, AttrKeyName(key));
    }
    AttrKind got = KindOf(value);
    if (got != spec->kind) {
      // An integer literal where a float is expected is fine.
      if (!(spec->kind == AttrKind::kFloat && got == AttrKind::kInt)) {
        return Status::Errorf("attribute '{}' of op '{}' must be {}, got {}", AttrKeyName(key), info.name,
                              AttrKindName(spec->kind), AttrKindName(got));
      }
    }
    if (got == AttrKind::kString && !spec->choices.empty()) {
      const std::string& s = std::get<std::string>(value);
      bool found = false;
      for (const auto& c : spec->choices) found |= (c == s);
      if (!found) {
        return Status::Errorf("attribute '{}' of op '{}' is \"{}\", expected one of: {}", AttrKeyName(key),
                              info.name, s, fmt::join(spec->choices, ", "));
      }
    }
  }
  for (const AttrSpec& s : info.def.attrs) {
    const AttrValue* v = attrs.find(s.key);
    if (v == nullptr) {
      if (!s.default_value) {
        return Status::Errorf("op '{}' requires attribute '{}'", info.name, AttrKeyName(s.key));
      }
      attrs.set(s.key, *s.default_value);
    } else if (s.kind == AttrKind::kFloat && KindOf(*v) == AttrKind::kInt) {
      attrs.set(s.key, static_cast<double>(std::get<int64_t>(*v)));
    }
  }
  return Status::Ok();
}

Expected<std::vector<TensorType>> InferTypes(OpKind kind, const Attrs& attrs, std::span<const TensorType> inputs) {
  const OpInfo& info = GetOpInfo(kind);
  int n = static_cast<int>(inputs.size());
  if (n < info.def.min_inputs || (info.def.max_inputs >= 0 && n > info.def.max_inputs)) {
    if (info.def.max_inputs == info.def.min_inputs) {
      return Status::Errorf("op '{}' takes {} input(s), got {}", info.name, info.def.min_inputs, n);
    }
    return Status::Errorf("op '{}' takes {} to {} inputs, got {}", info.name, info.def.min_inputs,
                          info.def.max_inputs < 0 ? std::string("any number of") : std::to_string(info.def.max_inputs), n);
  }
  if (info.def.infer == nullptr) return Status::Errorf("op '{}' has no shape rule", info.name);
  for (const TensorType& t : inputs) {
    if (std::string why = ShapeBoundError(t.shape); !why.empty()) return Status::Errorf("op '{}': an input's {}", info.name, why);
  }
  auto out = info.def.infer(attrs, inputs);
  if (!out.ok()) return out;
  // Every result within the bound: later arithmetic on its shape (element counts, strides, byte
  // sizes) cannot overflow, and nothing beyond any device is planned or allocated.
  for (const TensorType& t : *out) {
    if (std::string why = ShapeBoundError(t.shape); !why.empty()) return Status::Errorf("op '{}': its result's {}", info.name, why);
  }
  return out;
}

}  // namespace agt::ir
