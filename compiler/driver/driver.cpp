// The stages of a compile, in order.
#include "compiler/driver/driver.h"

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include <spdlog/spdlog.h>

#include "codegen/nvrtc.h"
#include "compiler/driver/boundary_casts.h"
#include "compiler/driver/launch_list.h"
#include "compiler/driver/program_source.h"
#include "compiler/driver/task_kernels.h"
#include "compiler/planner/plan_model.h"
#include "compiler/planner/plan_report.h"
#include "compiler/tasks/task.h"
#include "runtime/artifact_reader.h"
#include "runtime/pack.h"

namespace agt::driver {

namespace {

class StageTimer {
 public:
  explicit StageTimer(CompileSummary& s) : s_(s), t0_(Clock::now()) {}
  void Done(const char* stage) {
    auto now = Clock::now();
    double ms = std::chrono::duration<double, std::milli>(now - t0_).count();
    s_.stage_ms.emplace_back(stage, ms);
    spdlog::info("{}: {:.0f} ms", stage, ms);
    t0_ = now;
  }

 private:
  using Clock = std::chrono::steady_clock;
  CompileSummary& s_;
  Clock::time_point t0_;
};

Status FromRuntime(const runtime::Status& s) { return s.ok() ? Status::Ok() : Status::Error(s.message()); }

// "layer_norm+linear (phase 3: nodes 'ln_1', 'fc1')" for error messages.
std::string DescribeTask(const tasks::Task& t, const fusion::FusionPlan& plan) {
  const fusion::FusionGroup& g = plan.phases[static_cast<size_t>(t.phases.front())].group;
  std::string nodes;
  for (size_t i = 0; i < g.nodes.size() && i < 8; ++i) {
    nodes += fmt::format("{}'{}'", i == 0 ? "" : ", ", tasks::NodeLabel(*g.nodes[i]));
  }
  if (g.nodes.size() > 8) nodes += ", ...";
  return fmt::format("{} ({} group, phase {}: nodes {})", t.ops, fusion::GroupKindName(t.kind), t.phases.front(), nodes);
}

}  // namespace

Expected<CompileResult> CompileGraph(const ir::Graph& g, const CompileOptions& options, const std::string& source_name) {
  CompileResult r;
  CompileSummary& s = r.summary;
  StageTimer timer(s);
  s.model = options.model_name.empty() ? g.name() : options.model_name;
  s.precision = std::string(ir::PrecisionName(options.plan.precision));
  s.arch = options.plan.device.arch;
  s.nodes = static_cast<int>(g.num_nodes());
  // The plan, from the one planner: DPOF on the device's analytical model, with the tuning log's
  // measured kernel times in place of its estimates for the groups the log has (as tune plans).
  const std::map<std::string, double> measured = options.programs ? options.programs->MeasuredKernelUs()
                                                                  : std::map<std::string, double>{};
  AGT_ASSIGN_OR_RETURN(planner::ModelPlan planned, planner::PlanModel(g, options.plan, measured));
  const fusion::FusionPlan& plan = planned.plan;
  std::vector<tasks::Task>& tasks = planned.tasks;
  r.plan_json = planner::RenderPlanReport(g, planned, planner::ReportFormat::kJson);
  s.phases = static_cast<int>(plan.phases.size());
  s.tasks = static_cast<int>(tasks.size());
  s.estimated_us = plan.total_us;
  for (const tasks::Task& t : tasks) {
    r.task_ids.push_back(t.id);
    s.measured_phases += measured.count(t.id) > 0 ? t.weight : 0;
  }
  spdlog::info("fusion: {} nodes -> {} groups, {} distinct tasks", s.nodes, s.phases, s.tasks);
  timer.Done("fusion");

  // One kernel per task.
  static const DefaultProgramSource kDefaults;
  auto opened = OpenCostModelSource(options.cost_model, options.plan.device);
  if (!opened.ok()) return opened.status().WithContext("--cost-model");
  std::shared_ptr<ProgramSource> predicted = std::move(opened).value();
  s.program_source = options.programs && predicted ? options.programs->Describe() + ", then " + predicted->Describe()
                     : options.programs           ? options.programs->Describe()
                     : predicted                  ? predicted->Describe()
                                                  : kDefaults.Describe();
  std::vector<std::string> where;
  for (const tasks::Task& t : tasks) where.push_back(DescribeTask(t, plan));
  codegen::NvrtcCompiler nvrtc(options.nvrtc_cache_dir);
  AGT_ASSIGN_OR_RETURN(std::vector<TaskKernel> kernels, CompileTaskKernels(tasks, where, options, predicted.get(), nvrtc));
  std::map<std::string, int> by_sketch;
  for (size_t t = 0; t < kernels.size(); ++t) {
    const TaskKernel& k = kernels[t];
    by_sketch[std::string(codegen::SketchKindName(k.compiled.program.sketch.kind))]++;
    s.tuned_tasks += k.origin == ProgramOrigin::kMeasured ? 1 : 0;
    s.predicted_tasks += k.origin == ProgramOrigin::kPredicted ? 1 : 0;
    s.task_programs.push_back({tasks[t].id, tasks[t].ops, tasks[t].weight, std::string(ProgramOriginName(k.origin)),
                               std::string(codegen::SketchKindName(k.compiled.program.sketch.kind))});
    s.fallback_tasks += k.fallback ? 1 : 0;
  }
  s.sketches.assign(by_sketch.begin(), by_sketch.end());
  timer.Done("codegen+nvrtc");

  // Launch list, weights, arena.
  runtime::ArtifactContents& c = r.contents;
  LoweringInput in;
  in.graph = &g;
  in.plan = &plan;
  in.precision = options.plan.precision;
  in.phase_task.assign(plan.phases.size(), -1);
  for (size_t t = 0; t < tasks.size(); ++t) {
    for (int p : tasks[t].phases) in.phase_task[static_cast<size_t>(p)] = static_cast<int>(t);
    in.task_launch.push_back(kernels[t].compiled.kernel.launch);
  }
  AGT_ASSIGN_OR_RETURN(LaunchList list, LowerPlan(in, c));
  AGT_ASSIGN_OR_RETURN(r.memory, AssignArena(list));
  r.buffers = list.buffers;
  s.workspace_bytes = list.workspace_bytes;
  timer.Done("plan+weights");

  // Modules: one per task, then the edge casts.
  for (size_t t = 0; t < tasks.size(); ++t) {
    const codegen::CompiledProgram& cp = kernels[t].compiled;
    c.modules.push_back({"task_" + tasks[t].id, runtime::ImageKind::kCubin, cp.binary->cubin});
    c.kernels.push_back({static_cast<uint32_t>(t), cp.kernel.launch.kernel_name, cp.kernel.launch.dynamic_smem_bytes});
  }
  if (!list.casts.empty()) {
    std::string src = BoundaryCastSource(list.casts, options.plan.precision);
    AGT_ASSIGN_OR_RETURN(auto bin, nvrtc.Compile(src, options.plan.device.arch, "boundary_casts.cu"));
    uint32_t module = static_cast<uint32_t>(c.modules.size());
    c.modules.push_back({"boundary_casts", runtime::ImageKind::kCubin, bin->cubin});
    for (const auto& [from, to] : list.casts) c.kernels.push_back({module, CastKernelName(from, to), 0});
  }
  c.launches = std::move(list.launches);
  c.tensor_maps = std::move(list.tensor_maps);
  c.inputs = std::move(list.inputs);
  c.outputs = std::move(list.outputs);

  runtime::ArtifactMetadata& m = c.metadata;
  m.model_name = s.model;
  m.compiler_version = AGT_VERSION;
  m.precision = s.precision;
  m.arch = options.plan.device.arch;
  m.arena_bytes = r.memory.arena_bytes;
  m.properties = {
      {"source", source_name},
      {"nodes", std::to_string(s.nodes)},
      {"phases", std::to_string(s.phases)},
      {"tasks", std::to_string(s.tasks)},
      {"programs", s.program_source},
      {"nvrtc", codegen::NvrtcCompiler::Version()},
  };
  AGT_RETURN_IF_ERROR(FromRuntime(runtime::ValidateContents(c)).WithContext("the compiled plan is inconsistent"));
  timer.Done("assemble");

  s.kernels = static_cast<int>(c.kernels.size());
  s.launches = static_cast<int>(c.launches.size());
  s.arena_bytes = r.memory.arena_bytes;
  s.intermediate_bytes = r.memory.naive_bytes;
  s.weight_bytes = c.weights.size();
  s.nvrtc_compiles = nvrtc.compiles();
  s.nvrtc_cache_hits = nvrtc.cache_hits();
  return r;
}

Expected<CompileResult> CompileOnnxFile(const std::string& onnx_path, const CompileOptions& options) {
  auto t0 = std::chrono::steady_clock::now();
  AGT_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> g, planner::LoadModel(onnx_path, options.frontend, options.plan));
  double frontend_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  spdlog::info("frontend: {} nodes after the passes ({:.0f} ms)", g->num_nodes(), frontend_ms);
  CompileOptions o = options;
  if (o.model_name.empty()) o.model_name = std::filesystem::path(onnx_path).stem().string();
  AGT_ASSIGN_OR_RETURN(CompileResult r, CompileGraph(*g, o, std::filesystem::path(onnx_path).filename().string()));
  r.summary.stage_ms.insert(r.summary.stage_ms.begin(), {"frontend", frontend_ms});
  return r;
}

Status CheckOutputWritable(const std::string& out_path) {
  namespace fs = std::filesystem;
  fs::path p(out_path);
  if (p.filename().empty()) return Status::Errorf("output '{}' names a folder, not a file", out_path);
  std::error_code ec;
  if (fs::is_directory(p, ec)) return Status::Errorf("output '{}' is a folder", out_path);
  fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  if (!fs::is_directory(dir, ec)) return Status::Errorf("cannot write '{}': folder '{}' does not exist", out_path, dir.string());
  if (::access(dir.c_str(), W_OK) != 0) return Status::Errorf("cannot write '{}': folder '{}' is not writable", out_path, dir.string());
  if (fs::exists(p, ec) && ::access(p.c_str(), W_OK) != 0) return Status::Errorf("cannot write '{}': file is not writable", out_path);
  return Status::Ok();
}

Status CheckOutputNotInput(const std::string& out_path, const std::vector<std::pair<std::string, std::string>>& inputs) {
  namespace fs = std::filesystem;
  for (const auto& [what, path] : inputs) {
    std::error_code ec;
    if (path.empty() || !fs::exists(path, ec) || !fs::exists(out_path, ec)) continue;
    if (fs::equivalent(out_path, path, ec)) return Status::Errorf("output '{}' is the {} ('{}'): it would be overwritten", out_path, what, path);
  }
  return Status::Ok();
}

Status CheckWeightsFileReplaceable(const std::string& out_path, runtime::WeightsMode weights) {
  if (weights != runtime::WeightsMode::kExternal) return Status::Ok();
  const std::filesystem::path w = std::filesystem::path(out_path).parent_path() / runtime::WeightsFileNameFor(out_path);
  std::error_code ec;
  if (!std::filesystem::exists(w, ec)) return Status::Ok();
  std::ifstream f(w, std::ios::binary);
  char magic[8] = {};
  f.read(magic, 8);
  if (f.gcount() == 8 && std::memcmp(magic, runtime::kWeightsMagic, 8) == 0) return Status::Ok();   // ours: replaced
  return Status::Errorf("--weights external would overwrite '{}', which is not an AutoGTCO weights file (the model's "
                        "external data?): choose another -o",
                        w.string());
}

Status WriteArtifact(CompileResult& result, const std::string& out_path, const CompileOptions& options) {
  auto t0 = std::chrono::steady_clock::now();
  AGT_RETURN_IF_ERROR(CheckOutputWritable(out_path));
  AGT_RETURN_IF_ERROR(CheckWeightsFileReplaceable(out_path, options.weights));
  auto stub = runtime::FindArtifactStub();
  if (!stub.ok()) return FromRuntime(stub.status());
  AGT_RETURN_IF_ERROR(FromRuntime(runtime::PackArtifact(stub.value(), result.contents, out_path, options.weights)));
  CompileSummary& s = result.summary;
  s.output = out_path;
  s.weights_mode = runtime::WeightsModeName(options.weights);
  std::error_code ec;
  s.artifact_bytes = std::filesystem::file_size(out_path, ec);
  if (options.weights == runtime::WeightsMode::kExternal) {
    std::filesystem::path w = std::filesystem::path(out_path).parent_path() / runtime::WeightsFileNameFor(out_path);
    s.weights_file = w.string();
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  s.stage_ms.emplace_back("pack", ms);
  spdlog::info("pack: {} ({:.0f} ms)", out_path, ms);
  return Status::Ok();
}

}  // namespace agt::driver
