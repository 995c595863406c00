// Programmatic dependent launch (PTX griddepcontrol, sm_90+), written once for every emitter.
//
// A kernel launched with programmatic stream serialization may start while the kernel before it in
// the stream is still running. griddepcontrol.wait blocks the executing thread until every
// prerequisite grid has completed and its memory operations are visible; launch_dependents lets the
// next kernel be scheduled once every CTA of this one has issued it (or exited). The kernels issue the
// wait before their first access to memory another kernel writes and launch_dependents right after
// it, so the next kernel's set-up overlaps this one's tail, at most one kernel ahead, and ordering
// stays transitive (kernel n + 1 passes its wait only after kernel n completed, which passed its own
// wait only after kernel n - 1 completed). Both instructions are no-ops for a kernel launched without
// the attribute, and the wrappers compile to nothing below sm_90.
#pragma once

#include <string_view>

namespace agt::codegen {

class CudaWriter;

// The device functions agt_grid_wait() and agt_grid_launch_dependents() (guarded against a second
// definition, so two preludes may both carry them).
std::string_view GridDependencyWrappers();

// The kernel-entry statements every thread runs before its first global-memory access: the wait,
// then launch_dependents.
void EmitGridDependencyEntry(CudaWriter& w);

}  // namespace agt::codegen
