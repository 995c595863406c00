// Einsum, written in the ops the planner knows: each operand's letters summed away where only it has
// them (reduce_sum), then for two operands one batched matmul over [batch, rows, contracted] x
// [batch, contracted, columns] (transposes and reshapes around it), and a final transpose to the
// output's letter order. The forms exporters write ("bhqd,bhkd->bhqk", "bhqk,bhkd->bhqd",
// "...ij,...jk->...ik", "bnd,dk->bnk", "i,j->ij", "bij->bji") all take this path; a
// two-operand product by a constant weight with no batch letters comes out as a 2-D matmul, which the
// matmul-to-linear pass turns into a linear layer. A letter repeated within one operand (a diagonal)
// and a batch letter whose sizes differ between the operands (a broadcast) are refused.
#include <algorithm>
#include <cctype>
#include <map>

#include "compiler/frontend/importers.h"

namespace agt::frontend {
namespace {

using ir::AttrKey;
using ir::OpKind;

// "..." as it is spelled inside: one digit per dim it stands for, the same digits in every term.
std::string EllipsisDigits(int64_t n) {
  std::string e;
  for (int64_t i = 0; i < n; ++i) e += static_cast<char>('0' + i);
  return e;
}

// One operand's letters, its "..." expanded (the ellipsis must stand for as many dims everywhere).
Expected<std::string> Expand(ImportContext& ctx, const std::string& term, int64_t rank, int64_t& ellipsis) {
  const size_t dots = term.find("...");
  if (dots == std::string::npos) return term;
  const int64_t n = rank - (static_cast<int64_t>(term.size()) - 3);
  if (n < 0 || n > 10) return ctx.Error("term '{}' does not fit its operand's {} dims", term, rank);
  if (ellipsis >= 0 && ellipsis != n) return ctx.Error("'...' stands for {} and {} dims (broadcast is not supported)", ellipsis, n);
  ellipsis = n;
  return term.substr(0, dots) + EllipsisDigits(n) + term.substr(dots + 3);
}

// x transposed so that its letters read `to` (a permutation of `from`).
Expected<ir::Value*> Permute(ImportContext& ctx, ir::Value* x, const std::string& from, const std::string& to) {
  if (from == to) return x;
  std::vector<int64_t> perm;
  for (char ch : to) perm.push_back(static_cast<int64_t>(from.find(ch)));
  return ctx.Emit(OpKind::kTranspose, {x}, ir::Attrs{{AttrKey::kPerm, perm}});
}

// x summed over its letters that `keep` lacks; `letters` becomes what is left.
Expected<ir::Value*> SumAway(ImportContext& ctx, ir::Value* x, std::string& letters, const std::string& keep) {
  std::vector<int64_t> axes;
  std::string left;
  for (size_t i = 0; i < letters.size(); ++i) {
    if (keep.find(letters[i]) == std::string::npos) axes.push_back(static_cast<int64_t>(i));
    else left += letters[i];
  }
  if (axes.empty()) return x;
  letters = left;
  return ctx.Emit(OpKind::kReduceSum, {x}, ir::Attrs{{AttrKey::kAxes, axes}, {AttrKey::kKeepDims, int64_t{0}}});
}

// The equation read against the operands: each one's letters and the output's ('...' expanded), and
// each letter's size.
struct EinsumSpec {
  std::vector<std::string> terms;
  std::string out;
  std::map<char, int64_t> size;
};

Expected<EinsumSpec> ParseEinsum(ImportContext& ctx, const std::string& eq, const std::vector<ir::Value*>& x) {
  const size_t arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  EinsumSpec e;
  for (size_t start = 0;;) {
    const size_t comma = lhs.find(',', start);
    e.terms.push_back(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (e.terms.size() != x.size()) return ctx.Error("equation '{}' has {} operands for {} inputs", eq, e.terms.size(), x.size());
  int64_t ellipsis = -1;
  for (size_t t = 0; t < x.size(); ++t) {
    std::string& term = e.terms[t];
    const size_t dots = term.find("...");
    for (size_t i = 0; i < term.size(); ++i) {
      if (dots != std::string::npos && i >= dots && i < dots + 3) continue;
      if (!std::isalpha(static_cast<unsigned char>(term[i]))) return ctx.Error("equation '{}': '{}' is not a letter", eq, term[i]);
    }
    AGT_ASSIGN_OR_RETURN(term, Expand(ctx, term, static_cast<int64_t>(x[t]->shape().size()), ellipsis));
    if (term.size() != x[t]->shape().size()) return ctx.Error("term '{}' does not match {}", term, x[t]->type().ToString());
    for (size_t i = 0; i < term.size(); ++i) {
      if (term.find(term[i]) != i) return ctx.Error("equation '{}': a repeated letter in one operand (a diagonal) is not supported", eq);
      auto [it, fresh] = e.size.try_emplace(term[i], x[t]->shape()[i]);
      if (!fresh && it->second != x[t]->shape()[i]) {
        return ctx.Error("equation '{}': letter '{}' is {} in one operand and {} in the other (broadcast is not supported)", eq,
                         term[i], it->second, x[t]->shape()[i]);
      }
    }
  }
  const std::string digits = EllipsisDigits(std::max<int64_t>(ellipsis, 0));
  if (arrow != std::string::npos) {
    const std::string rhs = eq.substr(arrow + 2);
    const size_t dots = rhs.find("...");
    e.out = dots == std::string::npos ? rhs : rhs.substr(0, dots) + digits + rhs.substr(dots + 3);
  } else {   // implicit: the ellipsis, then the letters seen once, in alphabetical (ASCII) order
    e.out = digits;
    for (const auto& [ch, n] : e.size) {
      if (std::isalpha(static_cast<unsigned char>(ch)) && std::count(lhs.begin(), lhs.end(), ch) == 1) e.out += ch;
    }
  }
  for (char ch : e.out) {
    if (!e.size.count(ch)) return ctx.Error("equation '{}': output letter '{}' is in no operand", eq, ch);
  }
  return e;
}

}  // namespace

Status ImportEinsum(ImportContext& ctx) {
  std::string eq = ctx.AttrString("equation", "");
  eq.erase(std::remove(eq.begin(), eq.end(), ' '), eq.end());
  if (ctx.num_inputs() < 1 || ctx.num_inputs() > 2) {
    return ctx.Error("equation '{}' with {} operands: one or two are supported", eq, ctx.num_inputs());
  }
  std::vector<ir::Value*> x;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    AGT_ASSIGN_OR_RETURN(ir::Value * v, ctx.Input(i));
    x.push_back(v);
  }
  AGT_ASSIGN_OR_RETURN(EinsumSpec e, ParseEinsum(ctx, eq, x));
  std::vector<std::string>& terms = e.terms;
  const std::string& out = e.out;
  if (terms.size() == 1) {
    AGT_ASSIGN_OR_RETURN(ir::Value * y, SumAway(ctx, x[0], terms[0], out));
    AGT_ASSIGN_OR_RETURN(y, Permute(ctx, y, terms[0], out));
    return ctx.SetOutput(0, y);
  }
  // Sum away what only one operand has and the output lacks; then batch (both + output), rows (A +
  // output), columns (B + output), contracted (both, not output).
  for (int t = 0; t < 2; ++t) {
    AGT_ASSIGN_OR_RETURN(x[t], SumAway(ctx, x[t], terms[t], out + terms[1 - t]));
  }
  std::string batch, rows, cols, red;
  for (char ch : terms[0]) {
    const bool in_b = terms[1].find(ch) != std::string::npos, in_out = out.find(ch) != std::string::npos;
    (in_b ? (in_out ? batch : red) : rows) += ch;
  }
  for (char ch : terms[1]) {
    if (terms[0].find(ch) == std::string::npos) cols += ch;
  }
  auto prod = [&](const std::string& s) {
    int64_t p = 1;
    for (char ch : s) p *= e.size[ch];
    return p;
  };
  const int64_t nb = prod(batch), m = prod(rows), n = prod(cols), k = prod(red);
  AGT_ASSIGN_OR_RETURN(ir::Value * a, Permute(ctx, x[0], terms[0], batch + rows + red));
  AGT_ASSIGN_OR_RETURN(ir::Value * b, Permute(ctx, x[1], terms[1], batch + red + cols));
  const bool flat = batch.empty();
  AGT_ASSIGN_OR_RETURN(a, ctx.Reshape(a, flat ? ir::Shape{m, k} : ir::Shape{nb, m, k}));
  AGT_ASSIGN_OR_RETURN(b, ctx.Reshape(b, flat ? ir::Shape{k, n} : ir::Shape{nb, k, n}));
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kMatMul, {a, b}));
  ir::Shape shape;
  for (char ch : batch + rows + cols) shape.push_back(e.size[ch]);
  AGT_ASSIGN_OR_RETURN(y, ctx.Reshape(y, shape));
  AGT_ASSIGN_OR_RETURN(y, Permute(ctx, y, batch + rows + cols, out));
  return ctx.SetOutput(0, y);
}

}  // namespace agt::frontend
