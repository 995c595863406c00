// The ONNX op importers, one file per op family. Each family file lists its (op type, importer)
// pairs in a table returned by a plain function; FindImporter searches those tables. No registry
// filled by static constructors: the tables are constant data a reader can open.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "compiler/frontend/import_context.h"
#include "ir/status.h"

namespace agt::frontend {

// Imports ctx.node(): emits IR for it and binds each of its outputs with ctx.SetOutput.
using ImporterFn = Status (*)(ImportContext& ctx);

struct ImporterEntry {
  std::string_view op_type;
  ImporterFn fn;
  int64_t since_opset = 0;   // the opset that defines the op, when later than the frontend's minimum
};

std::span<const ImporterEntry> ElementwiseImporters();   // importers_elementwise.cpp
std::span<const ImporterEntry> LinalgImporters();        // importers_linalg.cpp
Status ImportEinsum(ImportContext& ctx);                  // importers_einsum.cpp (in the linalg table)
Status ImportConvTranspose(ImportContext& ctx);           // importers_conv_transpose.cpp (in the linalg table)
std::span<const ImporterEntry> NormReduceImporters();    // importers_norm.cpp
std::span<const ImporterEntry> ShapeImporters();         // importers_shape.cpp
std::span<const ImporterEntry> MovementImporters();      // importers_movement.cpp
std::span<const ImporterEntry> FoldOnlyImporters();      // importers_fold_only.cpp

// The importer of an ai.onnx op type, or null when the op is not supported.
ImporterFn FindImporter(std::string_view op_type);
// The opset that defines `op_type`, when later than the frontend's minimum (else 0).
int64_t ImporterSinceOpset(std::string_view op_type);

// Every supported ai.onnx op type, sorted by name: its family (the importers_*.cpp file) and whether it
// is imported only when its inputs are constants (computed at import, never a kernel).
struct SupportedOp {
  std::string_view op_type;
  std::string_view family;
  bool constants_only = false;
  int64_t since_opset = 0;
};
std::vector<SupportedOp> SupportedOps();

}  // namespace agt::frontend
