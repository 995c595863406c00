#include "tuner/launch_params.h"

#include <fmt/format.h>

namespace agt::tuner {

Status LaunchParams::Build(const runtime::CudaDriver& driver, const codegen::LaunchSpec& spec,
                           const std::vector<runtime::CUdeviceptr>& inputs, const std::vector<runtime::CUdeviceptr>& outputs,
                           runtime::CUdeviceptr workspace) {
  maps_ = std::make_unique<runtime::TensorMap[]>(spec.tensor_maps.size());
  for (size_t i = 0; i < spec.tensor_maps.size(); ++i) {
    const codegen::TensorMapOperand& t = spec.tensor_maps[i];
    if (t.input < 0 || static_cast<size_t>(t.input) >= inputs.size()) {
      return Status::Errorf("tensor map {} reads input {} of {}", i, t.input, inputs.size());
    }
    runtime::TensorMap2DSpec s;
    s.base = inputs[static_cast<size_t>(t.input)] + t.offset_bytes;
    s.element = static_cast<runtime::TmaElement>(t.element);
    s.rows = t.rows;
    s.cols = t.cols;
    s.row_stride_bytes = t.row_stride_bytes;
    s.box_rows = t.box_rows;
    s.box_cols = t.box_cols;
    s.swizzle = static_cast<runtime::TmaSwizzle>(t.swizzle);
    runtime::Status st = runtime::EncodeTensorMap2D(driver, s, &maps_[i]);
    if (!st.ok()) return Status::Errorf("tensor map {}: {}", i, st.message());
  }
  const std::vector<codegen::LaunchArg> args = codegen::LaunchArgs(spec);
  values_.assign(args.size(), 0);
  params_.assign(args.size(), nullptr);
  for (size_t i = 0; i < args.size(); ++i) {
    const codegen::LaunchArg& a = args[i];
    auto in_range = [&](size_t n) { return a.value >= 0 && static_cast<size_t>(a.value) < n; };
    const size_t v = static_cast<size_t>(a.value);
    params_[i] = &values_[i];
    switch (a.kind) {
      case codegen::LaunchArgKind::kInput:
        if (!in_range(inputs.size())) return Status::Errorf("argument {}: input {} of {}", i, a.value, inputs.size());
        values_[i] = inputs[v];
        break;
      case codegen::LaunchArgKind::kOutput:
        if (!in_range(outputs.size())) return Status::Errorf("argument {}: output {} of {}", i, a.value, outputs.size());
        values_[i] = outputs[v];
        break;
      case codegen::LaunchArgKind::kWorkspace:
        if (workspace == 0) return Status::Errorf("argument {}: a workspace the launch spec does not size", i);
        values_[i] = workspace;
        break;
      case codegen::LaunchArgKind::kTensorMap:
        if (!in_range(spec.tensor_maps.size())) return Status::Errorf("argument {}: tensor map {} of {}", i, a.value, spec.tensor_maps.size());
        params_[i] = &maps_[v];
        break;
      case codegen::LaunchArgKind::kNull: break;
      // The low 4 bytes of the slot (little-endian) are the 32-bit value cuLaunchKernel copies.
      case codegen::LaunchArgKind::kI32: values_[i] = static_cast<uint32_t>(static_cast<int32_t>(a.value)); break;
    }
  }
  return Status::Ok();
}

}  // namespace agt::tuner
