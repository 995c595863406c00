// Finding the importer of an ONNX op type across the family tables (see importers.h).
#include "compiler/frontend/importers.h"

#include <algorithm>
#include <utility>

namespace agt::frontend {

ImporterFn FindImporter(std::string_view op_type) {
  for (auto table : {ElementwiseImporters(), LinalgImporters(), NormReduceImporters(), ShapeImporters(),
                     MovementImporters(), FoldOnlyImporters()}) {
    for (const ImporterEntry& e : table) {
      if (e.op_type == op_type) return e.fn;
    }
  }
  return nullptr;
}

std::vector<SupportedOp> SupportedOps() {
  std::vector<SupportedOp> out;
  const std::pair<std::string_view, std::span<const ImporterEntry>> tables[] = {
      {"element-wise", ElementwiseImporters()}, {"linear algebra", LinalgImporters()},
      {"normalisation and reduction", NormReduceImporters()}, {"shape", ShapeImporters()},
      {"data movement", MovementImporters()}, {"constants only", FoldOnlyImporters()}};
  for (const auto& [family, table] : tables) {
    for (const ImporterEntry& e : table) out.push_back({e.op_type, family, table.data() == FoldOnlyImporters().data()});
  }
  std::sort(out.begin(), out.end(), [](const SupportedOp& a, const SupportedOp& b) { return a.op_type < b.op_type; });
  return out;
}

}  // namespace agt::frontend
