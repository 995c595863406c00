// Sketch rules (Ansor's MeetCondition / Apply): each rule looks at a group graph and, when it fits,
// gives the sketches (kernel structures) for it. Rules are tried in a fixed order; the first that
// applies wins (apply-and-skip-the-rest), and the generic rule, which fits every group, comes last,
// so every group gets at least one sketch. A rule's condition is the emitter's own check plus a dry
// run of the emitter at the default annotation, so a sketch that is offered can always be emitted.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codegen/program.h"
#include "ir/graph.h"

namespace agt::codegen {

class SketchRule {
 public:
  virtual ~SketchRule() = default;
  virtual std::string_view name() const = 0;
  // Whether the rule applies; when not, `why` says so (shown by inspect and in the fusion report).
  virtual bool MeetCondition(const ir::Graph& g, const Task& task, std::string* why) const = 0;
  // The sketches of a group the rule applies to, best first.
  virtual std::vector<Sketch> Apply(const ir::Graph& g, const Task& task) const = 0;
};

// The rules in order: attention, GEMM/conv, row reduction, element-wise, generic.
const std::vector<std::unique_ptr<SketchRule>>& SketchRules();

struct SketchChoice {
  std::vector<Sketch> sketches;            // non-empty
  std::string rule;                        // the rule that applied
  std::vector<std::string> skipped;        // "attention: <why not>" for rules tried before it
};
SketchChoice GenerateSketches(const ir::Graph& g, const Task& task);

}  // namespace agt::codegen
