// Dead-code elimination: nodes whose results reach no graph output, then constants nothing reads.
// Run after every pass that rewires uses, since rewrites leave their old nodes behind.
#include "compiler/passes/passes.h"

namespace agt::passes {

Expected<bool> RunDeadCodeElimination(ir::Graph& g) {
  int erased = g.EliminateDeadNodes();
  size_t before = g.constants().size();
  g.RemoveUnusedConstants();
  return erased > 0 || g.constants().size() != before;
}

}  // namespace agt::passes
