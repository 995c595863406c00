// Group signatures through ir::ExtractSubgraph and ir::PrintGraph.
#include "compiler/fusion/group_signature.h"

#include <memory>
#include <mutex>
#include <unordered_map>

#include <fmt/format.h>

#include "ir/subgraph.h"
#include "ir/text.h"

namespace agt::fusion {

Expected<std::string> GroupSignatureText(const ir::Graph& g, const FusionGroup& group) {
  AGT_ASSIGN_OR_RETURN(ir::Subgraph sub, ir::ExtractSubgraph(g, group.nodes));
  return SignatureOfExtracted(*sub.graph);
}

std::string SignatureOfExtracted(const ir::Graph& extracted) {
  ir::PrintOptions po;
  po.print_locations = false;
  return ir::PrintGraph(extracted, po);
}

std::string SignatureId(std::string_view text, ir::Precision precision) {
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
  };
  mix(text);
  mix("|");
  mix(ir::PrecisionName(precision));
  return fmt::format("{:016x}", h);
}

MeasuredCostModel::KeyFn TaskIdKeyFn(const ir::Graph& g) {
  // Cost models may be asked from several threads: the cache takes a lock.
  struct Cache {
    std::mutex mu;
    std::unordered_map<std::string, std::string> ids;
  };
  auto cache = std::make_shared<Cache>();
  return [&g, cache](const FusionGroup& group, ir::Precision p) -> std::string {
    std::string members = fmt::format("{}:{}", ir::PrecisionName(p), fmt::join(group.ops, ","));
    {
      std::lock_guard<std::mutex> lock(cache->mu);
      auto it = cache->ids.find(members);
      if (it != cache->ids.end()) return it->second;
    }
    auto text = GroupSignatureText(g, group);
    std::string id = text.ok() ? SignatureId(*text, p) : std::string();
    std::lock_guard<std::mutex> lock(cache->mu);
    cache->ids.emplace(std::move(members), id);
    return id;
  };
}

}  // namespace agt::fusion
