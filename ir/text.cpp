// The IR printer (the parser is ir/text_parser.cpp; the syntax is in docs/ir-text.md). Output is
// deterministic and exact, because tests compare printed graphs and the printed text of an extracted
// subgraph is a tuning-task signature: floats print as the shortest text that reads back to the same
// value of their own precision, attributes in key order, constants before nodes.
#include "ir/text.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "ir/text_syntax.h"

namespace agt::ir {

namespace text_syntax {

bool IsBareNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == ':' || c == '/' || c == '-';
}

std::string QuoteString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string FloatText(float v) {
  // NaN payloads are not kept: every NaN prints (and parses back) as the canonical quiet NaN.
  if (std::isnan(v)) return "nan";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);   // shortest text that round-trips as float
  return std::string(buf, res.ptr);
}

}  // namespace text_syntax

using text_syntax::QuoteString;

std::string ValueRefText(std::string_view name) {
  // A name ending in ':' would run into the `: type` that follows a parameter, so it is quoted.
  bool bare = !name.empty() && name.back() != ':';
  for (char c : name) bare &= text_syntax::IsBareNameChar(c);
  return bare ? fmt::format("%{}", name) : "%" + QuoteString(name);
}

namespace {

std::string GraphNameText(std::string_view name) {
  bool bare = !name.empty() && !(name[0] >= '0' && name[0] <= '9') && name != "inf" && name != "nan";
  for (char c : name) bare &= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  return bare ? std::string(name) : QuoteString(name);
}

std::string ElementText(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kF32:
    case DType::kF16:
    case DType::kBF16:
      // An f16/bf16 value is exactly an f32 value; its shortest f32 text reads back to the same bits.
      return text_syntax::FloatText(t.GetF32(i));
    case DType::kBool: return t.GetI64(i) ? "true" : "false";
    default: return std::to_string(t.GetI64(i));
  }
}

std::string AttrText(const AttrValue& v) {
  if (KindOf(v) == AttrKind::kString) return QuoteString(std::get<std::string>(v));
  return AttrValueToString(v);
}

bool IsDefault(OpKind op, AttrKey key, const AttrValue& v) {
  for (const AttrSpec& s : GetOpInfo(op).def.attrs) {
    if (s.key == key) return s.default_value && *s.default_value == v;
  }
  return false;
}

void PrintConstant(std::string& out, const Value* v, const PrintOptions& options) {
  const Tensor& t = v->data();
  out += fmt::format("  {} = constant {}", ValueRefText(v->name()), v->type().ToString());
  if (options.elide_constants_over >= 0 && t.num_elements() > options.elide_constants_over) {
    out += " <elided>\n";
    return;
  }
  out += " [";
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    if (i > 0) out += ", ";
    out += ElementText(t, i);
  }
  out += "]\n";
}

void PrintNode(std::string& out, const Node& n, const PrintOptions& options) {
  out += "  ";
  for (size_t i = 0; i < n.num_outputs(); ++i) {
    if (i > 0) out += ", ";
    out += ValueRefText(n.output(i)->name());
  }
  out += fmt::format(" = {}(", n.op_name());
  for (size_t i = 0; i < n.num_inputs(); ++i) {
    if (i > 0) out += ", ";
    out += ValueRefText(n.input(i)->name());
  }
  out += ")";
  bool first = true;
  for (const auto& [key, value] : n.attrs().items()) {
    if (!options.print_default_attrs && IsDefault(n.op(), key, value)) continue;
    out += first ? " {" : ", ";
    first = false;
    out += fmt::format("{} = {}", AttrKeyName(key), AttrText(value));
  }
  if (!first) out += "}";
  for (size_t i = 0; i < n.num_outputs(); ++i) {
    out += i == 0 ? " : " : ", ";
    out += n.output(i)->type().ToString();
  }
  if (options.print_locations && !n.name().empty()) out += fmt::format(" loc({})", QuoteString(n.name()));
  out += "\n";
}

}  // namespace

std::string PrintGraph(const Graph& g, const PrintOptions& options) {
  std::string out = fmt::format("graph {}(", GraphNameText(g.name()));
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    if (i > 0) out += ", ";
    out += fmt::format("{}: {}", ValueRefText(g.inputs()[i]->name()), g.inputs()[i]->type().ToString());
  }
  out += ") {\n";
  for (const Value* c : g.constants()) PrintConstant(out, c, options);
  for (const auto& n : g.nodes()) PrintNode(out, *n, options);
  out += "  return";
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    out += i == 0 ? " " : ", ";
    out += ValueRefText(g.outputs()[i]->name());
  }
  out += "\n}\n";
  return out;
}

}  // namespace agt::ir
