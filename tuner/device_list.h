// Which GPUs of this host measure (`tune --devices all|0,1,...`) and which share of a model's tasks
// this host tunes (`tune --shard I/N`). Both are parsed before anything starts, so a bad value is
// one clear error line; a device number is checked against the host's GPUs when the workers say
// hello (tuner/measurer.h), since only a worker touches the GPU.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ir/status.h"

namespace agt::tuner {

// `--devices`: every GPU of the host, or the listed ordinals (distinct, in the order given).
struct DeviceSelection {
  bool all = false;
  std::vector<int> ids;  // when !all; never empty
};
// "all", or comma-separated distinct ordinals ("0", "0,1,3"). Refuses "", "0,0", "-1", "1,x", "0,,1".
Expected<DeviceSelection> ParseDevices(std::string_view text);
// The ordinals of `sel` on a host with `count` GPUs; an ordinal past them is an error that says how
// many there are.
Expected<std::vector<int>> ResolveDevices(const DeviceSelection& sel, int count);

// `--shard I/N`: this host tunes the tasks whose shard is I, of N (0 <= I < N).
struct Shard {
  int index = 0;
  int count = 1;
  bool whole() const { return count == 1; }
};
Expected<Shard> ParseShard(std::string_view text);
// The shard of a task: FNV-1a of its id modulo `count`. A task's id is a hash of its group's IR and
// precision (tasks::Task::id), so every host computes the same split of any plan, whatever its log
// holds and in whatever order its tasks come.
int ShardOfTask(std::string_view task_id, int count);

}  // namespace agt::tuner
