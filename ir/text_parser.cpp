// The IR text parser (syntax in docs/ir-text.md; the printer is ir/text.cpp, the lexer
// ir/text_lexer.cpp): recursive descent with one token of lookahead. Each statement is read whole before it
// is checked, so that an error can name the node (its loc, or its first result) and its op, and
// point at the offending token: `file:line:col: node 'Softmax_3' (softmax): ...`. Nodes are checked
// with the op table exactly as Graph::AddNode checks them; declared result types must agree with the
// shape rule. Nothing in here asserts or throws on bad input.
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>

#include "ir/text.h"
#include "ir/text_lexer.h"
#include "ir/text_syntax.h"
#include "ir/verifier.h"

namespace agt::ir {

namespace {

// Bounds of what IR text may declare (issue 16: no path without a size limit).
constexpr double kMaxTextConstantBytes = 4.0 * 1024 * 1024 * 1024;

using text_syntax::DescribeToken;
using text_syntax::Lexer;
using text_syntax::Pos;
using text_syntax::Tok;
using text_syntax::Token;

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

Tensor RandomFill(const TensorType& type, uint64_t seed) {
  Tensor t(type);
  uint64_t state = seed;
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    uint64_t r = SplitMix64(state);
    if (IsFloat(type.dtype)) {
      t.SetF32(i, static_cast<float>(static_cast<double>(r >> 11) * 0x1.0p-53 * 2.0 - 1.0));
    } else if (type.dtype == DType::kBool) {
      t.SetI64(i, static_cast<int64_t>(r & 1));
    } else {
      t.SetI64(i, static_cast<int64_t>(r % 10));
    }
  }
  return t;
}

struct ParsedAttr {
  std::string name;
  AttrValue value;
  Pos pos;
};

class Parser {
 public:
  Parser(std::string_view text, std::string_view filename, const ParseOptions& options)
      : lex_(text, filename), filename_(filename), options_(options) {}

  Expected<std::unique_ptr<Graph>> Parse() {
    AGT_RETURN_IF_ERROR(Advance());
    if (!IsIdent("graph")) return Error(cur_.pos, fmt::format("expected 'graph', got {}", DescribeToken(cur_)));
    AGT_RETURN_IF_ERROR(Advance());
    if (cur_.kind != Tok::kIdent && cur_.kind != Tok::kString) {
      return Error(cur_.pos, fmt::format("expected the graph's name, got {}", DescribeToken(cur_)));
    }
    graph_ = std::make_unique<Graph>(cur_.text);
    AGT_RETURN_IF_ERROR(Advance());
    AGT_RETURN_IF_ERROR(Expect("(", "to open the graph's parameters"));
    while (!IsPunct(")")) {
      AGT_RETURN_IF_ERROR(ParseParameter());
      if (!IsPunct(",")) break;
      AGT_RETURN_IF_ERROR(Advance());
    }
    AGT_RETURN_IF_ERROR(Expect(")", "after the graph's parameters"));
    AGT_RETURN_IF_ERROR(Expect("{", "to open the graph's body"));
    while (true) {
      if (IsIdent("return")) {
        AGT_RETURN_IF_ERROR(ParseReturn());
        break;
      }
      if (cur_.kind == Tok::kValueRef) {
        AGT_RETURN_IF_ERROR(ParseDefinition());
        continue;
      }
      if (IsPunct("}") || cur_.kind == Tok::kEnd) return Error(cur_.pos, "the graph's body ends without 'return'");
      return Error(cur_.pos,
                   fmt::format("expected a definition ('%name = ...') or 'return', got {}", DescribeToken(cur_)));
    }
    AGT_RETURN_IF_ERROR(Expect("}", "to close the graph's body after 'return'"));
    if (cur_.kind != Tok::kEnd) {
      return Error(cur_.pos, fmt::format("unexpected {} after the end of the graph", DescribeToken(cur_)));
    }
    Status st = Verify(*graph_);
    if (!st.ok()) return Status::Errorf("{}: the parsed graph fails verification: {}", filename_, st.message());
    return std::move(graph_);
  }

 private:
  Status Error(Pos p, const std::string& message) const { return lex_.ErrorAt(p, message); }
  Status Advance() { return lex_.Next(cur_); }
  bool IsPunct(std::string_view p) const { return cur_.kind == Tok::kPunct && cur_.text == p; }
  bool IsIdent(std::string_view w) const { return cur_.kind == Tok::kIdent && cur_.text == w; }
  Status Expect(std::string_view p, std::string_view why) {
    if (!IsPunct(p)) return Error(cur_.pos, fmt::format("expected '{}' {}, got {}", p, why, DescribeToken(cur_)));
    return Advance();
  }

  Status CheckNewName(const std::string& name, Pos p) {
    auto it = defined_at_.find(name);
    if (it != defined_at_.end()) {
      return Error(p, fmt::format("redefinition of value '{}' (first defined at {}:{})", ValueRefText(name),
                                  it->second.line, it->second.col));
    }
    defined_at_[name] = p;
    return Status::Ok();
  }

  Expected<Value*> Lookup(const Token& ref, const std::string& context) {
    Value* v = graph_->FindValue(ref.text);
    if (v == nullptr || !defined_at_.count(ref.text)) {
      return Error(ref.pos, fmt::format("{}use of undefined value '{}'", context, ValueRefText(ref.text)));
    }
    return v;
  }

  Expected<int64_t> ParseInt(const Token& t) {
    std::string_view s = t.text;
    if (!s.empty() && s[0] == '+') s.remove_prefix(1);
    int64_t v = 0;
    auto res = std::from_chars(s.data(), s.data() + s.size(), v);
    if (res.ec != std::errc() || res.ptr != s.data() + s.size()) {
      return Error(t.pos, fmt::format("integer '{}' is out of range", t.text));
    }
    return v;
  }

  template <typename F>
  Expected<F> ParseFloat(const Token& t) {
    std::string_view s = t.text;
    if (!s.empty() && s[0] == '+') s.remove_prefix(1);
    F v = 0;
    auto res = std::from_chars(s.data(), s.data() + s.size(), v);
    if (res.ec == std::errc::result_out_of_range) {
      // Underflow towards zero is rounding, not an error; only an overflow is refused.
      double d = std::strtod(std::string(s).c_str(), nullptr);
      if (std::fabs(d) < 1.0) return static_cast<F>(d);
      return Error(t.pos, fmt::format("number '{}' is out of range", t.text));
    }
    if (res.ec != std::errc() || res.ptr != s.data() + s.size()) {
      return Error(t.pos, fmt::format("malformed number '{}'", t.text));
    }
    return v;
  }

  Expected<TensorType> ParseType() {
    if (cur_.kind != Tok::kIdent) {
      return Error(cur_.pos, fmt::format("expected a type such as f32[1,4], got {}", DescribeToken(cur_)));
    }
    auto dt = ParseDType(cur_.text);
    if (!dt) return Error(cur_.pos, fmt::format("unknown dtype '{}'", cur_.text));
    TensorType type{*dt, {}};
    const Pos open = cur_.pos;
    AGT_RETURN_IF_ERROR(Advance());
    AGT_RETURN_IF_ERROR(Expect("[", "to open the shape"));
    while (!IsPunct("]")) {
      if (cur_.kind != Tok::kInt) return Error(cur_.pos, fmt::format("expected a dimension, got {}", DescribeToken(cur_)));
      AGT_ASSIGN_OR_RETURN(int64_t d, ParseInt(cur_));
      if (d < 0) return Error(cur_.pos, fmt::format("negative dimension {}", d));
      type.shape.push_back(d);
      AGT_RETURN_IF_ERROR(Advance());
      if (!IsPunct(",")) break;
      AGT_RETURN_IF_ERROR(Advance());
    }
    AGT_RETURN_IF_ERROR(Expect("]", "to close the shape"));
    // Bounded sizes: a product of dimensions that overflows (2^128 wrapped to 0) or is beyond any device
    // is refused here, before anything is allocated or written for it.
    if (std::string why = ShapeBoundError(type.shape); !why.empty()) return Error(open, fmt::format("{}: {}", type.ToString(), why));
    return type;
  }

  Status ParseParameter() {
    if (cur_.kind != Tok::kValueRef) {
      return Error(cur_.pos, fmt::format("expected a parameter '%name: type', got {}", DescribeToken(cur_)));
    }
    Token name = cur_;
    AGT_RETURN_IF_ERROR(CheckNewName(name.text, name.pos));
    AGT_RETURN_IF_ERROR(Advance());
    AGT_RETURN_IF_ERROR(Expect(":", fmt::format("after parameter '{}'", ValueRefText(name.text))));
    AGT_ASSIGN_OR_RETURN(TensorType type, ParseType());
    graph_->AddInput(name.text, std::move(type));
    return Status::Ok();
  }

  Status ParseReturn() {
    AGT_RETURN_IF_ERROR(Advance());
    std::vector<Value*> outs;
    while (cur_.kind == Tok::kValueRef) {
      AGT_ASSIGN_OR_RETURN(Value * v, Lookup(cur_, "return: "));
      outs.push_back(v);
      AGT_RETURN_IF_ERROR(Advance());
      if (!IsPunct(",")) break;
      AGT_RETURN_IF_ERROR(Advance());
      if (cur_.kind != Tok::kValueRef) return Error(cur_.pos, fmt::format("expected a value after ',', got {}", DescribeToken(cur_)));
    }
    graph_->SetOutputs(std::move(outs));
    return Status::Ok();
  }

  Status ParseDefinition() {
    std::vector<Token> results;
    while (true) {
      for (const Token& r : results) {
        if (r.text == cur_.text) return Error(cur_.pos, fmt::format("value '{}' defined twice in one statement", ValueRefText(cur_.text)));
      }
      auto it = defined_at_.find(cur_.text);
      if (it != defined_at_.end()) {
        return Error(cur_.pos, fmt::format("redefinition of value '{}' (first defined at {}:{})",
                                           ValueRefText(cur_.text), it->second.line, it->second.col));
      }
      results.push_back(cur_);
      AGT_RETURN_IF_ERROR(Advance());
      if (!IsPunct(",")) break;
      AGT_RETURN_IF_ERROR(Advance());
      if (cur_.kind != Tok::kValueRef) return Error(cur_.pos, fmt::format("expected a result name after ',', got {}", DescribeToken(cur_)));
    }
    AGT_RETURN_IF_ERROR(Expect("=", "after the result names"));
    if (IsIdent("constant")) return ParseConstant(results);
    if (cur_.kind == Tok::kIdent) return ParseNode(results);
    return Error(cur_.pos, fmt::format("expected an op name or 'constant' after '=', got {}", DescribeToken(cur_)));
  }

  Status ParseConstant(const std::vector<Token>& results) {
    std::string what = fmt::format("constant '{}'", ValueRefText(results[0].text));
    if (results.size() != 1) return Error(results[1].pos, what + ": a constant defines exactly one value");
    AGT_RETURN_IF_ERROR(Advance());
    AGT_ASSIGN_OR_RETURN(TensorType type, ParseType());
    Pos data_pos = cur_.pos;
    // A constant's data is held in memory (parsed or filled): at most 4 GiB of it from text.
    if (static_cast<double>(type.num_elements()) * static_cast<double>(DTypeSize(type.dtype)) > kMaxTextConstantBytes) {
      return Error(data_pos, fmt::format("{} {}: more than 4 GiB of data, beyond what a constant in IR text may hold", what,
                                         type.ToString()));
    }
    if (IsPunct("<")) {
      AGT_RETURN_IF_ERROR(Advance());
      if (!IsIdent("elided")) return Error(cur_.pos, fmt::format("expected 'elided' after '<', got {}", DescribeToken(cur_)));
      AGT_RETURN_IF_ERROR(Advance());
      AGT_RETURN_IF_ERROR(Expect(">", "after '<elided'"));
      if (!options_.fill_elided_constants) {
        return Error(data_pos, fmt::format("{} {}: the data is elided from the text; to fill it with seeded random "
                                           "data, set ParseOptions::fill_elided_constants (autogtco ir --fill-elided SEED)",
                                           what, type.ToString()));
      }
      uint64_t seed = options_.seed ^ (0x9e3779b97f4a7c15ull * (++elided_count_));
      graph_->AddConstant(results[0].text, RandomFill(type, seed));
    } else {
      AGT_ASSIGN_OR_RETURN(Tensor t, ParseData(type, what));
      graph_->AddConstant(results[0].text, std::move(t));
    }
    defined_at_[results[0].text] = results[0].pos;
    return Status::Ok();
  }

  Expected<Tensor> ParseData(const TensorType& type, const std::string& what) {
    Pos open = cur_.pos;
    AGT_RETURN_IF_ERROR(Expect("[", fmt::format("to open the data of {} (or '<elided>')", what)));
    Tensor t(type);
    int64_t n = t.num_elements();
    int64_t count = 0;
    while (!IsPunct("]")) {
      if (count >= n) return Error(cur_.pos, fmt::format("{}: more than the {} values of {}", what, n, type.ToString()));
      AGT_RETURN_IF_ERROR(ParseElement(t, count, what));
      ++count;
      AGT_RETURN_IF_ERROR(Advance());
      if (!IsPunct(",")) break;
      AGT_RETURN_IF_ERROR(Advance());
    }
    if (!IsPunct("]")) return Error(cur_.pos, fmt::format("expected ',' or ']' in the data of {}, got {}", what, DescribeToken(cur_)));
    if (count != n) {
      return Error(open, fmt::format("{}: {} values given, {} needs {}", what, count, type.ToString(), n));
    }
    AGT_RETURN_IF_ERROR(Advance());
    return t;
  }

  Status ParseElement(Tensor& t, int64_t i, const std::string& what) {
    DType dt = t.dtype();
    if (dt == DType::kBool) {
      if (IsIdent("true") || IsIdent("false")) {
        t.SetI64(i, cur_.text == "true");
        return Status::Ok();
      }
      return Error(cur_.pos, fmt::format("{}: expected true or false, got {}", what, DescribeToken(cur_)));
    }
    if (IsFloat(dt)) {
      if (cur_.kind != Tok::kInt && cur_.kind != Tok::kFloat) {
        return Error(cur_.pos, fmt::format("{}: expected a number, got {}", what, DescribeToken(cur_)));
      }
      AGT_ASSIGN_OR_RETURN(float v, ParseFloat<float>(cur_));
      t.SetF32(i, v);
      return Status::Ok();
    }
    if (cur_.kind != Tok::kInt) {
      return Error(cur_.pos, fmt::format("{}: expected an integer, got {}", what, DescribeToken(cur_)));
    }
    AGT_ASSIGN_OR_RETURN(int64_t v, ParseInt(cur_));
    int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
    if (dt == DType::kI32) lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
    if (dt == DType::kI8) lo = std::numeric_limits<int8_t>::min(), hi = std::numeric_limits<int8_t>::max();
    if (v < lo || v > hi) return Error(cur_.pos, fmt::format("{}: {} does not fit in {}", what, v, DTypeName(dt)));
    t.SetI64(i, v);
    return Status::Ok();
  }

  Expected<AttrValue> ParseAttrValue() {
    switch (cur_.kind) {
      case Tok::kInt: {
        AGT_ASSIGN_OR_RETURN(int64_t v, ParseInt(cur_));
        return AttrValue(v);
      }
      case Tok::kFloat: {
        AGT_ASSIGN_OR_RETURN(double d, ParseFloat<double>(cur_));
        return AttrValue(d);
      }
      case Tok::kString: return AttrValue(cur_.text);
      case Tok::kIdent: {
        auto dt = ParseDType(cur_.text);
        if (!dt) return Error(cur_.pos, fmt::format("expected an attribute value, got {}", DescribeToken(cur_)));
        return AttrValue(*dt);
      }
      default: break;
    }
    if (!IsPunct("[")) return Error(cur_.pos, fmt::format("expected an attribute value, got {}", DescribeToken(cur_)));
    AGT_RETURN_IF_ERROR(Advance());
    std::vector<int64_t> ints;
    while (!IsPunct("]")) {
      if (cur_.kind != Tok::kInt) return Error(cur_.pos, fmt::format("attribute lists hold integers, got {}", DescribeToken(cur_)));
      AGT_ASSIGN_OR_RETURN(int64_t v, ParseInt(cur_));
      ints.push_back(v);
      AGT_RETURN_IF_ERROR(Advance());
      if (!IsPunct(",")) break;
      AGT_RETURN_IF_ERROR(Advance());
    }
    if (!IsPunct("]")) return Error(cur_.pos, fmt::format("expected ',' or ']' in an attribute list, got {}", DescribeToken(cur_)));
    return AttrValue(std::move(ints));
  }

  Status ParseNode(const std::vector<Token>& results);

  Lexer lex_;
  std::string filename_;
  ParseOptions options_;
  Token cur_;
  std::unique_ptr<Graph> graph_;
  std::unordered_map<std::string, Pos> defined_at_;
  uint64_t elided_count_ = 0;
};

// The per-attribute part of CheckAndFillAttrs, done here so that the error points at the attribute.
Status CheckAttr(OpKind op, const ParsedAttr& a, AttrKey& key_out, const std::string& node) {
  const OpInfo& info = GetOpInfo(op);
  auto key = ParseAttrKey(a.name);
  const AttrSpec* spec = nullptr;
  for (const AttrSpec& s : info.def.attrs) {
    if (key && s.key == *key) spec = &s;
  }
  if (spec == nullptr) {
    std::vector<std::string_view> known;
    for (const AttrSpec& s : info.def.attrs) known.push_back(AttrKeyName(s.key));
    return Status::Errorf("{}: op '{}' has no attribute '{}' (it takes: {})", node, info.name, a.name,
                          known.empty() ? std::string("none") : fmt::format("{}", fmt::join(known, ", ")));
  }
  AttrKind got = KindOf(a.value);
  if (got != spec->kind && !(spec->kind == AttrKind::kFloat && got == AttrKind::kInt)) {
    std::string shown = got == AttrKind::kString ? text_syntax::QuoteString(std::get<std::string>(a.value))
                                                 : AttrValueToString(a.value);
    return Status::Errorf("{}: attribute '{}' must be {}, got {} {}", node, a.name, AttrKindName(spec->kind),
                          AttrKindName(got), shown);
  }
  if (got == AttrKind::kString && !spec->choices.empty()) {
    const std::string& s = std::get<std::string>(a.value);
    bool found = false;
    for (const auto& c : spec->choices) found |= (c == s);
    if (!found) {
      return Status::Errorf("{}: attribute '{}' is {}, expected one of: {}", node, a.name,
                            text_syntax::QuoteString(s), fmt::join(spec->choices, ", "));
    }
  }
  key_out = *key;
  return Status::Ok();
}

Status Parser::ParseNode(const std::vector<Token>& results) {
  Token op_tok = cur_;
  AGT_RETURN_IF_ERROR(Advance());
  AGT_RETURN_IF_ERROR(Expect("(", fmt::format("after op '{}'", op_tok.text)));
  std::vector<Token> operands;
  while (cur_.kind == Tok::kValueRef) {
    operands.push_back(cur_);
    AGT_RETURN_IF_ERROR(Advance());
    if (!IsPunct(",")) break;
    AGT_RETURN_IF_ERROR(Advance());
    if (cur_.kind != Tok::kValueRef) return Error(cur_.pos, fmt::format("expected an operand after ',', got {}", DescribeToken(cur_)));
  }
  AGT_RETURN_IF_ERROR(Expect(")", "after the operands"));
  std::vector<ParsedAttr> parsed_attrs;
  if (IsPunct("{")) {
    AGT_RETURN_IF_ERROR(Advance());
    while (!IsPunct("}")) {
      if (cur_.kind != Tok::kIdent) return Error(cur_.pos, fmt::format("expected an attribute name, got {}", DescribeToken(cur_)));
      ParsedAttr a{cur_.text, AttrValue(int64_t{0}), cur_.pos};
      AGT_RETURN_IF_ERROR(Advance());
      AGT_RETURN_IF_ERROR(Expect("=", fmt::format("after attribute '{}'", a.name)));
      AGT_ASSIGN_OR_RETURN(a.value, ParseAttrValue());
      AGT_RETURN_IF_ERROR(Advance());
      parsed_attrs.push_back(std::move(a));
      if (!IsPunct(",")) break;
      AGT_RETURN_IF_ERROR(Advance());
    }
    AGT_RETURN_IF_ERROR(Expect("}", "to close the attributes"));
  }
  std::vector<std::pair<TensorType, Pos>> declared;
  if (IsPunct(":")) {
    AGT_RETURN_IF_ERROR(Advance());
    while (true) {
      Pos p = cur_.pos;
      AGT_ASSIGN_OR_RETURN(TensorType t, ParseType());
      declared.emplace_back(std::move(t), p);
      if (!IsPunct(",")) break;
      AGT_RETURN_IF_ERROR(Advance());
    }
  }
  std::string loc;
  if (IsIdent("loc")) {
    AGT_RETURN_IF_ERROR(Advance());
    AGT_RETURN_IF_ERROR(Expect("(", "after 'loc'"));
    if (cur_.kind != Tok::kString) return Error(cur_.pos, fmt::format("expected a string in loc(...), got {}", DescribeToken(cur_)));
    loc = cur_.text;
    AGT_RETURN_IF_ERROR(Advance());
    AGT_RETURN_IF_ERROR(Expect(")", "to close loc(...)"));
  }

  // The statement is read; now check it against the op table.
  // Named by its location when it has one; a name with control characters is shown escaped, so
  // that the error stays one line.
  std::string shown = loc.empty() ? ValueRefText(results[0].text) : loc;
  bool plain = true;
  for (char c : shown) plain &= static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
  std::string node = fmt::format("node {} ({})", plain ? "'" + shown + "'" : text_syntax::QuoteString(shown),
                                 op_tok.text);
  auto op = ParseOpKind(op_tok.text);
  if (!op) return Error(op_tok.pos, fmt::format("{}: unknown op '{}'", node, op_tok.text));
  std::vector<Value*> inputs;
  std::vector<TensorType> in_types;
  for (const Token& t : operands) {
    AGT_ASSIGN_OR_RETURN(Value * v, Lookup(t, node + ": "));
    inputs.push_back(v);
    in_types.push_back(v->type());
  }
  Attrs attrs;
  for (const ParsedAttr& a : parsed_attrs) {
    AttrKey key{};
    Status st = CheckAttr(*op, a, key, node);
    if (!st.ok()) return Error(a.pos, st.message());
    if (attrs.has(key)) return Error(a.pos, fmt::format("{}: attribute '{}' given twice", node, a.name));
    attrs.set(key, a.value);
  }
  Status st = CheckAndFillAttrs(*op, attrs);
  if (!st.ok()) return Error(op_tok.pos, fmt::format("{}: {}", node, st.message()));
  auto inferred = InferTypes(*op, attrs, in_types);
  if (!inferred.ok()) return Error(op_tok.pos, fmt::format("{}: {}", node, inferred.status().message()));
  if (inferred->size() != results.size()) {
    return Error(results[0].pos, fmt::format("{}: {} result(s) named, but the op gives {}", node, results.size(),
                                             inferred->size()));
  }
  if (!declared.empty() && declared.size() != results.size()) {
    return Error(declared[0].second, fmt::format("{}: {} result type(s) given for {} result(s)", node,
                                                 declared.size(), results.size()));
  }
  for (size_t i = 0; i < declared.size(); ++i) {
    if (declared[i].first != (*inferred)[i]) {
      return Error(declared[i].second,
                   fmt::format("{}: result '{}' is declared {}, but the shape rule gives {}", node,
                               ValueRefText(results[i].text), declared[i].first.ToString(), (*inferred)[i].ToString()));
    }
  }
  std::vector<std::string> names;
  for (const Token& r : results) {
    names.push_back(r.text);
    defined_at_[r.text] = r.pos;
  }
  graph_->CreateNodeUnchecked(*op, std::move(inputs), std::move(attrs), std::move(inferred).value(), std::move(names),
                              std::move(loc));
  return Status::Ok();
}

}  // namespace

Expected<std::unique_ptr<Graph>> ParseGraph(std::string_view text, std::string_view filename,
                                            const ParseOptions& options) {
  Parser p(text, filename, options);
  return p.Parse();
}

}  // namespace agt::ir
