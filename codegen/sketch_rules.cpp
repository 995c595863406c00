// The sketch rules (see sketch_rules.h).
#include "codegen/sketch_rules.h"

#include "codegen/kernel_source.h"
#include "codegen/search_space.h"

namespace agt::codegen {

namespace {

// A rule for one sketch kind: it applies when the problem analysis accepts the group and the emitter
// succeeds at the default annotation of each sketch it would offer.
class KindRule : public SketchRule {
 public:
  explicit KindRule(SketchKind kind) : kind_(kind) {}
  std::string_view name() const override { return SketchKindName(kind_); }

  std::vector<Sketch> Candidates(const Task& task) const {
    // GEMM and attention: tensor cores first where the precision has them, SIMT (exact fp32) too.
    if (kind_ != SketchKind::kGemm && kind_ != SketchKind::kAttention) return {Sketch{kind_, false}};
    if (task.precision == Precision::kFP32) return {Sketch{kind_, false}};
    return {Sketch{kind_, true}, Sketch{kind_, false}};
  }

  bool Try(const ir::Graph& g, const Task& task, const Sketch& s, std::string* why) const {
    auto dims = AnalyzeProblem(g, kind_);
    if (!dims.ok()) {
      if (why) *why = dims.status().message();
      return false;
    }
    auto arch = ir::DeviceForArch(task.arch);
    if (!arch.ok()) {
      if (why) *why = arch.status().message();
      return false;
    }
    SpaceContext ctx{s, task.precision, *arch, *dims};
    Program p{task, s, DefaultAnnotation(ctx)};
    auto src = EmitKernel(g, p);
    if (!src.ok()) {
      if (why) *why = src.status().message();
      return false;
    }
    return true;
  }

  // Applies when any of its sketches can be emitted (a head dim the tensor-core attention cannot
  // tile still gets the SIMT one); `why` is the first sketch's reason.
  bool MeetCondition(const ir::Graph& g, const Task& task, std::string* why) const override {
    bool first = true;
    for (const Sketch& s : Candidates(task)) {
      if (Try(g, task, s, first ? why : nullptr)) return true;
      first = false;
    }
    return false;
  }

  std::vector<Sketch> Apply(const ir::Graph& g, const Task& task) const override {
    std::vector<Sketch> out;
    for (const Sketch& s : Candidates(task)) {
      if (Try(g, task, s, nullptr)) out.push_back(s);
    }
    return out;
  }

 private:
  SketchKind kind_;
};

}  // namespace

const std::vector<std::unique_ptr<SketchRule>>& SketchRules() {
  static const std::vector<std::unique_ptr<SketchRule>> rules = [] {
    std::vector<std::unique_ptr<SketchRule>> r;
    for (SketchKind k : {SketchKind::kAttention, SketchKind::kGemm, SketchKind::kRowReduce, SketchKind::kElementwise,
                         SketchKind::kGeneric}) {
      r.push_back(std::make_unique<KindRule>(k));
    }
    return r;
  }();
  return rules;
}

SketchChoice GenerateSketches(const ir::Graph& g, const Task& task) {
  SketchChoice c;
  for (const auto& rule : SketchRules()) {
    std::string why;
    if (rule->MeetCondition(g, task, &why)) {
      c.sketches = rule->Apply(g, task);
      if (!c.sketches.empty()) {
        c.rule = std::string(rule->name());
        return c;
      }
    }
    c.skipped.push_back(fmt::format("{}: {}", rule->name(), why));
  }
  // The generic emitter failed too (an op without a loader): still report a sketch; compiling it
  // gives the error.
  c.sketches.push_back(Sketch{SketchKind::kGeneric, false});
  c.rule = "generic";
  return c;
}

}  // namespace agt::codegen
