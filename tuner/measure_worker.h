// The GPU side of the measurer: the loop that `autogtco tune-worker` runs in its own process. It
// says hello (the GPU, or why there is none), then answers measure requests (worker_protocol.h) one
// line at a time until its input closes. Per request: random inputs (seeded, rounded to the storage
// precision), the reference outputs from the interpreter (cached per task), one launch on outputs
// poisoned with NaN checked against the reference (relative L2 within the precision's tolerance),
// then `repeats` timed launches, each after a memset of a buffer twice the L2 size so that every
// repeat starts from a cold L2, timed with CUDA events; the median is the program's time. Where the
// launch spec is programmatic, the warm-up and timed launches are programmatic dependent launches (as
// in the artifact, unless AGT_PDL=0), the checked first launch never. The CUDA
// driver is dlopen'ed (runtime/cuda_driver.h). After an error that leaves the context unusable (an
// illegal address, say) it answers with `fatal` and exits; the measurer starts a fresh worker.
#pragma once

namespace agt::tuner {

// Measures on GPU `device` (an ordinal of the host's GPUs). Returns the process exit code (0 after a
// clean end of input; 3 when it found no GPU `device`, having said why in its hello).
int RunMeasureWorker(int in_fd, int out_fd, int device = 0);

}  // namespace agt::tuner
