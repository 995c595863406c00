// Typed node attributes.
#include "ir/attrs.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include <fmt/format.h>

namespace agt::ir {

namespace {
constexpr std::string_view kAttrNames[] = {
#define ATTR(Enum, name) name,
#include "ir/attrs.def"
#undef ATTR
};
}  // namespace

std::string_view AttrKeyName(AttrKey k) { return kAttrNames[static_cast<size_t>(k)]; }

std::optional<AttrKey> ParseAttrKey(std::string_view name) {
  for (size_t i = 0; i < static_cast<size_t>(AttrKey::kCount); ++i) {
    if (kAttrNames[i] == name) return static_cast<AttrKey>(i);
  }
  return std::nullopt;
}

std::string_view AttrKindName(AttrKind k) {
  switch (k) {
    case AttrKind::kInt: return "int";
    case AttrKind::kFloat: return "float";
    case AttrKind::kInts: return "ints";
    case AttrKind::kString: return "string";
    case AttrKind::kDType: return "dtype";
  }
  return "?";
}

AttrKind KindOf(const AttrValue& v) { return static_cast<AttrKind>(v.index()); }

std::string AttrValueToString(const AttrValue& v) {
  switch (KindOf(v)) {
    case AttrKind::kInt: return std::to_string(std::get<int64_t>(v));
    case AttrKind::kFloat: {
      // Shortest text that parses back to the same double.
      double d = std::get<double>(v);
      for (int prec = 6; prec <= 17; ++prec) {
        std::string s = fmt::format("{:.{}g}", d, prec);
        if (std::strtod(s.c_str(), nullptr) == d) {
          if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
          return s;
        }
      }
      return fmt::format("{:.17g}", d);
    }
    case AttrKind::kInts: return fmt::format("[{}]", fmt::join(std::get<std::vector<int64_t>>(v), ", "));
    case AttrKind::kString: return fmt::format("\"{}\"", std::get<std::string>(v));
    case AttrKind::kDType: return std::string(DTypeName(std::get<DType>(v)));
  }
  return "?";
}

Attrs::Attrs(std::initializer_list<std::pair<AttrKey, AttrValue>> init) {
  for (const auto& [k, v] : init) set(k, v);
}

const AttrValue* Attrs::find(AttrKey k) const {
  for (const auto& [key, v] : items_) {
    if (key == k) return &v;
  }
  return nullptr;
}

void Attrs::set(AttrKey k, AttrValue v) {
  auto it = std::lower_bound(items_.begin(), items_.end(), k,
                             [](const auto& item, AttrKey key) { return item.first < key; });
  if (it != items_.end() && it->first == k) {
    it->second = std::move(v);
  } else {
    items_.insert(it, {k, std::move(v)});
  }
}

void Attrs::erase(AttrKey k) {
  std::erase_if(items_, [k](const auto& item) { return item.first == k; });
}

template <typename T>
static const T& Get(const Attrs& a, AttrKey k) {
  const AttrValue* v = a.find(k);
  if (v == nullptr || !std::holds_alternative<T>(*v)) {
    throw std::logic_error(fmt::format("attribute '{}' missing or of the wrong kind", AttrKeyName(k)));
  }
  return std::get<T>(*v);
}

int64_t Attrs::i(AttrKey k) const { return Get<int64_t>(*this, k); }
double Attrs::f(AttrKey k) const { return Get<double>(*this, k); }
const std::vector<int64_t>& Attrs::ints(AttrKey k) const { return Get<std::vector<int64_t>>(*this, k); }
const std::string& Attrs::s(AttrKey k) const { return Get<std::string>(*this, k); }
DType Attrs::dtype(AttrKey k) const { return Get<DType>(*this, k); }

}  // namespace agt::ir
