// Finding the importer of an ONNX op type across the family tables (see importers.h).
#include "compiler/frontend/importers.h"

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

}  // namespace agt::frontend
