// Programmatic dependent launch wrappers (see grid_dependency.h).
#include "codegen/ptx/grid_dependency.h"

#include "codegen/cuda_writer.h"

namespace agt::codegen {

std::string_view GridDependencyWrappers() {
  return R"(#ifndef AGT_GRID_DEPENDENCY_DEFINED
#define AGT_GRID_DEPENDENCY_DEFINED
// Programmatic dependent launch (codegen/ptx/grid_dependency.h): no-ops without the launch attribute.
__device__ __forceinline__ void agt_grid_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;\n" ::: "memory");
#endif
}
__device__ __forceinline__ void agt_grid_launch_dependents() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory");
#endif
}
#endif
)";
}

void EmitGridDependencyEntry(CudaWriter& w) {
  w.Line("agt_grid_wait();               // the kernel before has completed and its writes are visible");
  w.Line("agt_grid_launch_dependents();  // the kernel after may start its set-up");
}

}  // namespace agt::codegen
