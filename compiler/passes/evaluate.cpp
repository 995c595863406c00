// Evaluating one op on constant tensors (see evaluate.h).
#include "compiler/passes/evaluate.h"

namespace agt::passes {

Expected<std::vector<ir::Tensor>> EvaluateOp(ir::OpKind op, ir::Attrs attrs, std::span<const ir::Tensor* const> inputs) {
  AGT_RETURN_IF_ERROR(ir::CheckAndFillAttrs(op, attrs));
  std::vector<ir::TensorType> types;
  types.reserve(inputs.size());
  for (const ir::Tensor* t : inputs) types.push_back(t->type());
  AGT_ASSIGN_OR_RETURN(std::vector<ir::TensorType> out_types, ir::InferTypes(op, attrs, types));
  const ir::OpInfo& info = ir::GetOpInfo(op);
  if (info.def.reference == nullptr) return Status::Errorf("op {} has no reference implementation", info.name);
  std::vector<ir::Tensor> outs;
  outs.reserve(out_types.size());
  for (auto& t : out_types) outs.emplace_back(std::move(t));
  ir::RefContext ctx;
  ctx.num_threads = 1;
  AGT_RETURN_IF_ERROR(info.def.reference(attrs, inputs, outs, ctx));
  return outs;
}

}  // namespace agt::passes
