// Finding the importer of an ONNX op type across the family tables (see importers.h).
#include "compiler/frontend/importers.h"

#include <algorithm>
#include <utility>

namespace agt::frontend {

namespace {
const ImporterEntry* FindEntry(std::string_view op_type) {
  for (auto table : {ElementwiseImporters(), LinalgImporters(), NormReduceImporters(), ShapeImporters(),
                     MovementImporters(), FoldOnlyImporters()}) {
    for (const ImporterEntry& e : table) {
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
  const std::pair<std::string_view, std::span<const ImporterEntry>> tables[] = {
      {"element-wise", ElementwiseImporters()}, {"linear algebra", LinalgImporters()},
      {"normalisation and reduction", NormReduceImporters()}, {"shape", ShapeImporters()},
      {"data movement", MovementImporters()}, {"constants only", FoldOnlyImporters()}};
  for (const auto& [family, table] : tables) {
    for (const ImporterEntry& e : table) out.push_back({e.op_type, family, table.data() == FoldOnlyImporters().data(), e.since_opset});
  }
  std::sort(out.begin(), out.end(), [](const SupportedOp& a, const SupportedOp& b) { return a.op_type < b.op_type; });
  return out;
}

}  // namespace agt::frontend
