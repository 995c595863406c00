// The device a plan is priced for, from the `--arch` flag every planning command takes. sm_90, sm_89
// and sm_80 give the canned descriptions of ir/device.h, so a compile is deterministic and needs no
// GPU. `native` reads GPU 0 of this machine through the CUDA driver (loaded with dlopen): its name,
// SM count, clock, shared memory, L2 and memory bandwidth replace the canned numbers of its
// architecture, and the arithmetic rates are scaled by SM count x clock. Only on explicit request,
// because the artifact then depends on the machine that compiled it.
#pragma once

#include <string_view>

#include "ir/device.h"
#include "ir/status.h"

namespace agt::planner {

Expected<ir::DeviceInfo> ResolveArch(std::string_view arch_flag);

}  // namespace agt::planner
