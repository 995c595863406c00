// Parsing --devices and --shard, and the task split of shards (see device_list.h).
#include "tuner/device_list.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace agt::tuner {

namespace {

// A non-negative decimal integer that fills `s` (no sign, no spaces), below 1e6.
bool ParseOrdinal(std::string_view s, int* out) {
  if (s.empty() || s.size() > 6) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && *out >= 0;
}

}  // namespace

Expected<DeviceSelection> ParseDevices(std::string_view text) {
  DeviceSelection sel;
  if (text == "all") {
    sel.all = true;
    return sel;
  }
  if (text.empty()) return Status::Error("--devices: give 'all' or GPU numbers such as 0,1");
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string_view item = text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    int id = 0;
    if (!ParseOrdinal(item, &id)) {
      return Status::Errorf("--devices {}: '{}' is not a GPU number (give 'all' or numbers such as 0,1)", text, item);
    }
    if (std::find(sel.ids.begin(), sel.ids.end(), id) != sel.ids.end()) {
      return Status::Errorf("--devices {}: GPU {} is listed twice (one worker per GPU)", text, id);
    }
    sel.ids.push_back(id);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return sel;
}

Expected<std::vector<int>> ResolveDevices(const DeviceSelection& sel, int count) {
  if (count <= 0) return Status::Error("no CUDA device on this machine");
  std::vector<int> ids;
  if (sel.all) {
    for (int i = 0; i < count; ++i) ids.push_back(i);
    return ids;
  }
  for (int id : sel.ids) {
    if (id >= count) {
      return Status::Errorf("--devices: there is no GPU {} on this machine: it has {} (0{})", id, count,
                            count > 1 ? fmt::format("-{}", count - 1) : "");
    }
  }
  return sel.ids;
}

Expected<Shard> ParseShard(std::string_view text) {
  size_t slash = text.find('/');
  Shard s;
  if (slash == std::string_view::npos || !ParseOrdinal(text.substr(0, slash), &s.index) ||
      !ParseOrdinal(text.substr(slash + 1), &s.count)) {
    return Status::Errorf("--shard {}: expected I/N, such as 0/4 (shard I of N, counted from 0)", text);
  }
  if (s.count < 1) return Status::Errorf("--shard {}: N must be at least 1", text);
  if (s.index >= s.count)
    return Status::Errorf("--shard {}: I must be below N (shards are 0 to {})", text, s.count - 1);
  return s;
}

int ShardOfTask(std::string_view task_id, int count) {
  uint64_t h = 1469598103934665603ull;
  for (char c : task_id) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return count <= 1 ? 0 : static_cast<int>(h % static_cast<uint64_t>(count));
}

}  // namespace agt::tuner
