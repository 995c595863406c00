// The sketch rules (see sketch_rules.h), one per entry of the sketch table, in its order.
#include "codegen/sketch_rules.h"

#include "codegen/sketches/sketch.h"

namespace agt::codegen {

namespace {

// The rule of one sketch: it applies when any of the sketch's variants does.
class TableRule : public SketchRule {
 public:
  explicit TableRule(const SketchDef& def) : def_(def) {}
  std::string_view name() const override { return def_.name(); }

  // Applies when any of its variants can be emitted (a head dim the tensor-core attention cannot
  // tile still gets the SIMT one); `why` is the first variant's reason.
  bool MeetCondition(const ir::Graph& g, const Task& task, std::string* why) const override {
    bool first = true;
    for (const Sketch& s : def_.Variants(task)) {
      if (def_.Applies(g, task, s, first ? why : nullptr)) return true;
      first = false;
    }
    return false;
  }

  std::vector<Sketch> Apply(const ir::Graph& g, const Task& task) const override {
    std::vector<Sketch> out;
    for (const Sketch& s : def_.Variants(task)) {
      if (def_.Applies(g, task, s, nullptr)) out.push_back(s);
    }
    return out;
  }

 private:
  const SketchDef& def_;
};

}  // namespace

const std::vector<std::unique_ptr<SketchRule>>& SketchRules() {
  static const std::vector<std::unique_ptr<SketchRule>> rules = [] {
    std::vector<std::unique_ptr<SketchRule>> r;
    for (const SketchDef* def : SketchTable()) r.push_back(std::make_unique<TableRule>(*def));
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
