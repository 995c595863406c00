// Typed node attributes: an enum key (attrs.def) and a typed value, checked against each op's schema.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "ir/dtype.h"

namespace agt::ir {

enum class AttrKey : uint8_t {
#define ATTR(Enum, name) Enum,
#include "ir/attrs.def"
#undef ATTR
  kCount
};

std::string_view AttrKeyName(AttrKey k);
std::optional<AttrKey> ParseAttrKey(std::string_view name);

enum class AttrKind : uint8_t { kInt, kFloat, kInts, kString, kDType };
std::string_view AttrKindName(AttrKind k);

using AttrValue = std::variant<int64_t, double, std::vector<int64_t>, std::string, DType>;
AttrKind KindOf(const AttrValue& v);
std::string AttrValueToString(const AttrValue& v);

// The attributes of one node, sorted by key. Small: a flat vector.
class Attrs {
 public:
  Attrs() = default;
  Attrs(std::initializer_list<std::pair<AttrKey, AttrValue>> init);

  bool has(AttrKey k) const { return find(k) != nullptr; }
  const AttrValue* find(AttrKey k) const;
  void set(AttrKey k, AttrValue v);
  void erase(AttrKey k);

  // Typed getters; the schema check guarantees presence and kind for every key an op declares.
  int64_t i(AttrKey k) const;
  double f(AttrKey k) const;
  const std::vector<int64_t>& ints(AttrKey k) const;
  const std::string& s(AttrKey k) const;
  DType dtype(AttrKey k) const;

  const std::vector<std::pair<AttrKey, AttrValue>>& items() const { return items_; }
  bool operator==(const Attrs&) const = default;

 private:
  std::vector<std::pair<AttrKey, AttrValue>> items_;
};

// One entry of an op's attribute schema.
struct AttrSpec {
  AttrKey key;
  AttrKind kind;
  std::optional<AttrValue> default_value;   // nullopt: required
  std::vector<std::string> choices;         // for kString: the allowed values (empty: any)
};

}  // namespace agt::ir
