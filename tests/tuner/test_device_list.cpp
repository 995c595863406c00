// `tune --devices` and `tune --shard` as parsed before anything starts (tuner/device_list.h), and the
// task split of shards: each task id in exactly one shard, the same on every host, spread over all
// shards.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "tuner/device_list.h"

namespace agt::tuner {
namespace {

TEST_CASE("tune --devices: all, or distinct GPU numbers, anything else refused with a reason", "[tuner][devices]") {
  auto all = ParseDevices("all");
  REQUIRE(all.ok());
  CHECK(all->all);
  auto some = ParseDevices("2,0,7");
  REQUIRE(some.ok());
  CHECK_FALSE(some->all);
  CHECK(some->ids == std::vector<int>{2, 0, 7});
  const std::pair<const char*, const char*> bad[] = {
      {"", "give 'all'"},
      {"0,0", "GPU 0 is listed twice"},
      {"-1", "not a GPU number"},
      {"1,x", "'x'"},
      {"0,,1", "''"},
      {"0,", "''"},
      {"ALL", "'ALL'"},
      {" 1", "' 1'"},
  };
  for (const auto& [text, why] : bad) {
    INFO(text);
    auto d = ParseDevices(text);
    REQUIRE_FALSE(d.ok());
    CHECK_THAT(d.status().message(), Catch::StartsWith("--devices") && Catch::Contains(why));
  }
}

TEST_CASE("tune --devices against the host's GPUs", "[tuner][devices]") {
  CHECK(*ResolveDevices(*ParseDevices("all"), 4) == std::vector<int>{0, 1, 2, 3});
  CHECK(*ResolveDevices(*ParseDevices("1,0"), 2) == std::vector<int>{1, 0});
  auto absent = ResolveDevices(*ParseDevices("0,5"), 2);
  REQUIRE_FALSE(absent.ok());
  CHECK(absent.status().message() == "--devices: there is no GPU 5 on this machine: it has 2 (0-1)");
  auto one = ResolveDevices(*ParseDevices("1"), 1);
  REQUIRE_FALSE(one.ok());
  CHECK_THAT(one.status().message(), Catch::EndsWith("it has 1 (0)"));
  CHECK_FALSE(ResolveDevices(*ParseDevices("all"), 0).ok());
}

TEST_CASE("tune --shard I/N: 0 <= I < N, anything else refused with a reason", "[tuner][shard]") {
  auto s = ParseShard("2/5");
  REQUIRE(s.ok());
  CHECK(s->index == 2);
  CHECK(s->count == 5);
  CHECK_FALSE(s->whole());
  CHECK(ParseShard("0/1")->whole());
  const std::pair<const char*, const char*> bad[] = {
      {"3/2", "I must be below N"}, {"2/2", "I must be below N"}, {"0/0", "at least 1"},     {"1", "expected I/N"},
      {"-1/2", "expected I/N"},     {"a/b", "expected I/N"},      {"1/2/3", "expected I/N"}, {"", "expected I/N"}};
  for (const auto& [text, why] : bad) {
    INFO(text);
    auto p = ParseShard(text);
    REQUIRE_FALSE(p.ok());
    CHECK_THAT(p.status().message(), Catch::StartsWith("--shard") && Catch::Contains(why));
  }
}

TEST_CASE("the shard split: each task in exactly one shard, fixed by its id, every shard used", "[tuner][shard]") {
  // Task ids are 16 hex digits (tasks::Task::id); a fixed value per id is what lets hosts agree.
  CHECK(ShardOfTask("500c971d5f53824f", 4) == ShardOfTask(std::string("500c971d5f53824f"), 4));
  CHECK(ShardOfTask("anything", 1) == 0);
  for (int n = 2; n <= 8; ++n) {
    INFO("N = " << n);
    std::vector<int> per(static_cast<size_t>(n), 0);
    for (int k = 0; k < 400; ++k) {
      const std::string id = fmt::format("{:016x}", 0x9e3779b97f4a7c15ull * static_cast<uint64_t>(k + 1));
      int covered = 0;
      for (int i = 0; i < n; ++i) covered += ShardOfTask(id, n) == i;  // Shard{i, n} takes it
      CHECK(covered == 1);
      ++per[static_cast<size_t>(ShardOfTask(id, n))];
    }
    for (int c : per) CHECK(c > 400 / n / 2);  // no shard starved
  }
}

}  // namespace
}  // namespace agt::tuner
