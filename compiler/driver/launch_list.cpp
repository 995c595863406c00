// Fusion plan -> launch list with symbolic arena buffers, and their assignment to arena offsets.
#include "compiler/driver/launch_list.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "compiler/driver/storage.h"
#include "ir/subgraph.h"

namespace agt::driver {

namespace {

class Lowering {
 public:
  Lowering(const LoweringInput& in, runtime::ArtifactContents& contents) : in_(in), contents_(contents) {}

  Expected<LaunchList> Run();

 private:
  int NewBuffer(std::string name, uint64_t bytes) {
    plan::BufferRequest r;
    r.name = std::move(name);
    r.size_bytes = bytes;
    r.first_step = r.last_step = Step();
    out_.buffers.push_back(std::move(r));
    return static_cast<int>(out_.buffers.size()) - 1;
  }
  // The index the next launch will have.
  int Step() const { return static_cast<int>(out_.launches.size()); }
  void Read(int buffer) { out_.buffers[buffer].last_step = std::max(out_.buffers[buffer].last_step, Step()); }
  uint32_t CastKernel(ir::DType from, ir::DType to);
  void AddCast(ir::DType from, ir::DType to, int src, int dst, int64_t n);
  uint64_t Weight(const ir::Value* v);
  Status LowerPhase(size_t p);
  // Whether phase p's launch may be programmatic: its kernel waits on its grid dependency, and what it
  // reads before the wait are weights (an activation there may still be being written by the kernel
  // before it).
  Expected<bool> Programmatic(size_t p, const codegen::LaunchSpec& spec, const std::vector<runtime::KernelArg>& in_args) const;
  // One kernel argument of phase p from its launch spec's description.
  Expected<runtime::KernelArg> LowerArg(size_t p, const codegen::LaunchSpec& spec, const codegen::LaunchArg& a,
                                        const std::vector<runtime::KernelArg>& in_args,
                                        const std::vector<runtime::KernelArg>& out_args, int ws);

  const LoweringInput& in_;
  runtime::ArtifactContents& contents_;
  LaunchList out_;
  std::unordered_map<const ir::Value*, int> buffer_of_;   // value -> buffer holding it in storage dtype
  std::unordered_map<const ir::Value*, int> staging_of_;  // model input -> its staging buffer
  std::unordered_map<const ir::Value*, uint64_t> weight_of_;
  std::vector<int> whole_run_;                            // buffers that live to the end
  std::vector<int> workspace_of_task_;                    // split-K workspace buffer per task, or -1
};

uint32_t Lowering::CastKernel(ir::DType from, ir::DType to) {
  CastPair pair{from, to};
  auto it = std::find(out_.casts.begin(), out_.casts.end(), pair);
  if (it == out_.casts.end()) it = out_.casts.insert(out_.casts.end(), pair);
  return static_cast<uint32_t>(in_.task_launch.size() + static_cast<size_t>(it - out_.casts.begin()));
}

void Lowering::AddCast(ir::DType from, ir::DType to, int src, int dst, int64_t n) {
  Read(src);
  runtime::Launch l;
  l.kind = runtime::LaunchKind::kKernel;
  l.kernel = CastKernel(from, to);
  CastGeometry geo = CastLaunchGeometry(n);
  l.grid = geo.grid;
  l.block = geo.block;
  l.args = {runtime::KernelArg::Arena(static_cast<uint64_t>(src)), runtime::KernelArg::Arena(static_cast<uint64_t>(dst)),
            runtime::KernelArg::I64(n)};
  l.programmatic = true;   // the cast kernels wait on their grid dependency first (boundary_casts.cpp)
  out_.launches.push_back(std::move(l));
}

uint64_t Lowering::Weight(const ir::Value* v) {
  auto it = weight_of_.find(v);
  if (it != weight_of_.end()) return it->second;
  std::vector<uint8_t> bytes = ToStorageBytes(v->data(), in_.precision);
  uint64_t off = runtime::AddWeights(contents_, bytes.data(), bytes.size());
  weight_of_.emplace(v, off);
  return off;
}

Status Lowering::LowerPhase(size_t p) {
  const fusion::FusionGroup& group = in_.plan->phases[p].group;
  if (in_.phase_task[p] < 0) {
    if (!fusion::IsAliasView(group)) return Status::Errorf("phase {} has no kernel", p);
    auto it = buffer_of_.find(group.inputs[0]);
    if (it == buffer_of_.end()) return Status::Errorf("phase {} reads '{}' before anything computes it", p, group.inputs[0]->name());
    buffer_of_[group.outputs[0]] = it->second;   // a reshape: the same bytes
    return Status::Ok();
  }
  ir::ExtractOptions bindings_only;   // the inputs and outputs in kernel order; the graph itself is not used
  bindings_only.squeeze_unit_dims = false;
  AGT_ASSIGN_OR_RETURN(ir::Subgraph sub, ir::ExtractSubgraph(*in_.graph, group.nodes, bindings_only));
  const codegen::LaunchSpec& spec = in_.task_launch[static_cast<size_t>(in_.phase_task[p])];
  if (static_cast<int>(sub.inputs.size()) != spec.num_inputs || static_cast<int>(sub.outputs.size()) != spec.num_outputs) {
    return Status::Errorf("phase {}: the group has {} inputs and {} outputs, its kernel takes {} and {}", p,
                          sub.inputs.size(), sub.outputs.size(), spec.num_inputs, spec.num_outputs);
  }
  runtime::Launch l;
  l.kind = runtime::LaunchKind::kKernel;
  l.kernel = static_cast<uint32_t>(in_.phase_task[p]);
  l.grid = spec.grid;
  l.block = spec.block;
  l.dynamic_smem = spec.dynamic_smem_bytes;
  std::vector<runtime::KernelArg> in_args, out_args;
  for (const ir::Value* v : sub.inputs) {
    if (v->is_constant()) {
      in_args.push_back(runtime::KernelArg::Weights(Weight(v)));
      continue;
    }
    auto it = buffer_of_.find(v);
    if (it == buffer_of_.end()) return Status::Errorf("phase {} reads '{}' before anything computes it", p, v->name());
    Read(it->second);
    in_args.push_back(runtime::KernelArg::Arena(static_cast<uint64_t>(it->second)));
  }
  for (const ir::Value* v : sub.outputs) {
    int b = NewBuffer(v->name(), StorageBytes(*v, in_.precision));
    buffer_of_[v] = b;
    out_args.push_back(runtime::KernelArg::Arena(static_cast<uint64_t>(b)));
  }
  const int ws = spec.workspace_bytes > 0 ? workspace_of_task_[static_cast<size_t>(in_.phase_task[p])] : -1;
  for (const codegen::LaunchArg& a : codegen::LaunchArgs(spec)) {
    AGT_ASSIGN_OR_RETURN(runtime::KernelArg arg, LowerArg(p, spec, a, in_args, out_args, ws));
    l.args.push_back(arg);
  }
  AGT_ASSIGN_OR_RETURN(l.programmatic, Programmatic(p, spec, in_args));
  l.co_resident = spec.co_resident;
  out_.launches.push_back(std::move(l));
  return Status::Ok();
}

Expected<bool> Lowering::Programmatic(size_t p, const codegen::LaunchSpec& spec,
                                      const std::vector<runtime::KernelArg>& in_args) const {
  bool weights_only = true;
  for (int i : spec.pre_wait_inputs) {
    if (i < 0 || static_cast<size_t>(i) >= in_args.size()) {
      return Status::Errorf("phase {}: the kernel reads input {} of {} before its grid wait", p, i, in_args.size());
    }
    weights_only = weights_only && in_args[static_cast<size_t>(i)].kind == runtime::ArgKind::kWeights;
  }
  return spec.programmatic && weights_only;
}

Expected<runtime::KernelArg> Lowering::LowerArg(size_t p, const codegen::LaunchSpec& spec, const codegen::LaunchArg& a,
                                                const std::vector<runtime::KernelArg>& in_args,
                                                const std::vector<runtime::KernelArg>& out_args, int ws) {
  auto index = [&](size_t n) -> Expected<size_t> {
    if (a.value < 0 || static_cast<size_t>(a.value) >= n) return Status::Errorf("phase {}: kernel argument index {} out of range", p, a.value);
    return static_cast<size_t>(a.value);
  };
  switch (a.kind) {
    case codegen::LaunchArgKind::kInput: {
      AGT_ASSIGN_OR_RETURN(size_t i, index(in_args.size()));
      return in_args[i];
    }
    case codegen::LaunchArgKind::kOutput: {
      AGT_ASSIGN_OR_RETURN(size_t i, index(out_args.size()));
      return out_args[i];
    }
    case codegen::LaunchArgKind::kWorkspace:
      if (ws < 0) return Status::Errorf("phase {}: the kernel takes a workspace its launch spec does not size", p);
      return runtime::KernelArg::Arena(static_cast<uint64_t>(ws));
    case codegen::LaunchArgKind::kNull: return runtime::KernelArg{runtime::ArgKind::kU64, 0};
    case codegen::LaunchArgKind::kI32: return runtime::KernelArg::I32(static_cast<int32_t>(a.value));
    case codegen::LaunchArgKind::kTensorMap: {
      AGT_ASSIGN_OR_RETURN(size_t m, index(spec.tensor_maps.size()));
      const codegen::TensorMapOperand& t = spec.tensor_maps[m];
      if (t.input < 0 || static_cast<size_t>(t.input) >= in_args.size()) {
        return Status::Errorf("phase {}: tensor map {} reads input {} of {}", p, m, t.input, in_args.size());
      }
      const runtime::KernelArg& base = in_args[static_cast<size_t>(t.input)];
      runtime::TensorMapDesc d;
      d.base_kind = base.kind;
      // Arena bases stay symbolic (a buffer index) until AssignArena adds the buffer's offset.
      d.base_offset = base.kind == runtime::ArgKind::kWeights ? base.value + t.offset_bytes : base.value;
      d.element = static_cast<uint8_t>(t.element);
      d.rows = t.rows;
      d.cols = t.cols;
      d.row_stride_bytes = t.row_stride_bytes;
      d.box_rows = t.box_rows;
      d.box_cols = t.box_cols;
      d.swizzle = static_cast<uint8_t>(t.swizzle);
      out_.tensor_maps.push_back(d);
      out_.tensor_map_arena_extra.push_back(base.kind == runtime::ArgKind::kArena ? t.offset_bytes : 0);
      return runtime::KernelArg::TensorMap(out_.tensor_maps.size() - 1);
    }
  }
  return Status::Errorf("phase {}: unknown kernel argument kind", p);
}

Expected<LaunchList> Lowering::Run() {
  const ir::Graph& g = *in_.graph;
  // Split-K workspaces: one per task, zeroed once per run (past the kernel's scratch: LaunchSpec). A
  // kernel leaves its arrival counters zeroed again but not its partial sums, so the occurrences of one task can share a workspace while two
  // tasks cannot (one's counters would lie on the other's stale partials).
  workspace_of_task_.assign(in_.task_launch.size(), -1);
  for (size_t p = 0; p < in_.plan->phases.size(); ++p) {
    size_t t = static_cast<size_t>(in_.phase_task[p]);
    uint64_t bytes = in_.task_launch[t].workspace_bytes;
    if (bytes == 0 || workspace_of_task_[t] >= 0) continue;
    int ws = NewBuffer(fmt::format("split-k workspace of task {}", t), bytes);
    workspace_of_task_[t] = ws;
    whole_run_.push_back(ws);
    out_.workspace_bytes += bytes;
    // The counters only: scratch the kernel writes before it reads needs no zeroing.
    const uint64_t scratch = std::min(bytes, in_.task_launch[t].workspace_scratch_bytes);
    runtime::Launch m;
    m.kind = runtime::LaunchKind::kMemset;
    m.dst = static_cast<uint64_t>(ws);
    m.src = scratch;   // symbolic until AssignArena: bytes into the buffer where the memset starts
    m.bytes = bytes - scratch;
    m.value = 0;
    out_.launches.push_back(m);
  }

  for (const ir::Value* v : g.inputs()) {
    int staging = NewBuffer(v->name(), v->type().size_bytes());
    whole_run_.push_back(staging);
    staging_of_[v] = staging;
    out_.inputs.push_back({v->name(), ApiDType(v->dtype()), v->shape(), static_cast<uint64_t>(staging)});
    ir::DType st = StorageDType(*v, in_.precision);
    if (st == v->dtype() || !v->has_uses()) {
      buffer_of_[v] = staging;
      continue;
    }
    int converted = NewBuffer(v->name() + " (storage)", StorageBytes(*v, in_.precision));
    AddCast(v->dtype(), st, staging, converted, v->type().num_elements());
    buffer_of_[v] = converted;
  }

  for (size_t p = 0; p < in_.plan->phases.size(); ++p) AGT_RETURN_IF_ERROR(LowerPhase(p));

  for (const ir::Value* v : g.outputs()) {
    runtime::TensorInfo info{v->name(), ApiDType(v->dtype()), v->shape(), 0};
    if (v->is_constant() || v->is_graph_input()) {
      int staging = NewBuffer(v->name() + " (output)", v->type().size_bytes());
      runtime::Launch c;
      c.kind = runtime::LaunchKind::kCopy;
      c.dst = static_cast<uint64_t>(staging);
      c.bytes = v->type().size_bytes();
      if (v->is_constant()) {
        const ir::Tensor& t = v->data();
        c.src = runtime::AddWeights(contents_, t.raw(), t.size_bytes());
        c.src_is_weights = true;
      } else {
        c.src = static_cast<uint64_t>(staging_of_.at(v));
      }
      if (c.bytes > 0) out_.launches.push_back(c);
      whole_run_.push_back(staging);
      info.arena_offset = static_cast<uint64_t>(staging);
      out_.outputs.push_back(std::move(info));
      continue;
    }
    auto it = buffer_of_.find(v);
    if (it == buffer_of_.end()) return Status::Errorf("output '{}' is computed by no phase", v->name());
    ir::DType st = StorageDType(*v, in_.precision);
    int staging = it->second;
    if (st != v->dtype()) {
      staging = NewBuffer(v->name() + " (output)", v->type().size_bytes());
      AddCast(st, v->dtype(), it->second, staging, v->type().num_elements());
    }
    whole_run_.push_back(staging);
    info.arena_offset = static_cast<uint64_t>(staging);
    out_.outputs.push_back(std::move(info));
  }

  int last = std::max(0, Step() - 1);
  for (int b : whole_run_) out_.buffers[b].last_step = last;
  for (int b : whole_run_) {
    for (const runtime::TensorInfo& t : out_.inputs) {
      if (t.arena_offset == static_cast<uint64_t>(b)) out_.buffers[b].first_step = 0;
    }
  }
  return std::move(out_);
}

}  // namespace

Expected<LaunchList> LowerPlan(const LoweringInput& in, runtime::ArtifactContents& contents) {
  if (in.graph == nullptr || in.plan == nullptr || in.phase_task.size() != in.plan->phases.size()) {
    return Status::Error("LowerPlan: incomplete input");
  }
  Lowering l(in, contents);
  return l.Run();
}

Expected<plan::MemoryPlan> AssignArena(LaunchList& list) {
  AGT_ASSIGN_OR_RETURN(plan::MemoryPlan mp, plan::PlanMemory(list.buffers));
  auto at = [&](uint64_t buffer) { return mp.offsets[static_cast<size_t>(buffer)]; };
  for (runtime::Launch& l : list.launches) {
    switch (l.kind) {
      case runtime::LaunchKind::kKernel:
        for (runtime::KernelArg& a : l.args) {
          if (a.kind == runtime::ArgKind::kArena) a.value = at(a.value);
        }
        break;
      case runtime::LaunchKind::kMemset:
        l.dst = at(l.dst) + l.src;
        l.src = 0;
        break;
      case runtime::LaunchKind::kCopy:
        l.dst = at(l.dst);
        if (!l.src_is_weights) l.src = at(l.src);
        break;
    }
  }
  for (size_t i = 0; i < list.tensor_maps.size(); ++i) {
    runtime::TensorMapDesc& d = list.tensor_maps[i];
    if (d.base_kind == runtime::ArgKind::kArena) d.base_offset = at(d.base_offset) + list.tensor_map_arena_extra[i];
  }
  for (runtime::TensorInfo& t : list.inputs) t.arena_offset = at(t.arena_offset);
  for (runtime::TensorInfo& t : list.outputs) t.arena_offset = at(t.arena_offset);
  return mp;
}

}  // namespace agt::driver
