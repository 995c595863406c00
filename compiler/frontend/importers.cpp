// Finding the importer of an ONNX op type across the family tables (see importers.h).
#include "compiler/frontend/importers.h"

#include <algorithm>
#include <vector>

namespace agt::frontend {

namespace {

struct Family {
  std::string_view name;
  std::span<const ImporterEntry> table;
};

// Every importer table, with the family `autogtco ops` lists it under.
std::vector<Family> Families() {
  return {{"element-wise", ElementwiseImporters()}, {"linear algebra", LinalgImporters()},
          {"normalisation and reduction", NormReduceImporters()}, {"shape", ShapeImporters()},
          {"data movement", MovementImporters()}, {"constants only", FoldOnlyImporters()}};
}

const ImporterEntry* FindEntry(std::string_view op_type) {
  for (const Family& f : Families()) {
    for (const ImporterEntry& e : f.table) {
      if (e.op_type == op_type) return &e;
    }
  }
  return nullptr;
}

}  // namespace

ImporterFn FindImporter(std::string_view op_type) {
  const ImporterEntry* e = FindEntry(op_type);
  return e != nullptr ? e->fn : nullptr;
}

int64_t ImporterSinceOpset(std::string_view op_type) {
  const ImporterEntry* e = FindEntry(op_type);
  return e != nullptr ? e->since_opset : 0;
}

std::vector<SupportedOp> SupportedOps() {
  std::vector<SupportedOp> out;
  for (const Family& f : Families()) {
    for (const ImporterEntry& e : f.table) {
      out.push_back({e.op_type, f.name, f.table.data() == FoldOnlyImporters().data(), e.since_opset});
    }
  }
  std::sort(out.begin(), out.end(), [](const SupportedOp& a, const SupportedOp& b) { return a.op_type < b.op_type; });
  return out;
}

}  // namespace agt::frontend
